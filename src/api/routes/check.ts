// POST /v1/check: a CD tool asks whether a deployment may proceed. 200 for allow and deny
// alike (the answer is in the body); an error is never an allow.
import { Hono } from 'hono';
import { parseCheckRequest } from '../../collect/check-request.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import type { CheckService } from '../../decide/index.js';
import { readJsonBody } from '../json-body.js';
import { clientGoneSignal } from '../client-gone.js';
import type { Logger } from '../../shared/logger.js';

export function checkRoutes(deps: { tokens: ApiToken[]; checks: CheckService; logger: Logger }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.post('/v1/check', requireRole(deps.tokens, 'check'), async (c) => {
    const body = await readJsonBody(c);
    const request = parseCheckRequest(body);
    const caller = c.get('caller');
    // A caller that gave up (its own timeout) is told nothing, so nothing may be recorded:
    // the check stops at its next step (CheckContext.signal), as an admission past its deadline does.
    const { decision } = await deps.checks.check(request, { via: 'api', caller: caller.name, signal: clientGoneSignal(c) });
    deps.logger.info('decision', {
      decision_id: decision.decision_id,
      allow: decision.allow,
      application: request.application,
      environment: request.environment,
      caller: caller.name,
      revision: decision.bundle.revision,
    });
    return c.json(decision);
  });
  return app;
}
