// POST /v1/check: a CD tool asks whether a deployment may proceed. 200 for allow and deny
// alike (the answer is in the body); an error is never an allow.
import { Hono } from 'hono';
import { CheckRequestError, parseCheckRequest } from '../../collect/check-request.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import type { CheckService } from '../check-service.js';
import { ApiError } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { Logger } from '../logger.js';

export function checkRoutes(deps: { tokens: ApiToken[]; checks: CheckService; logger: Logger }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.post('/v1/check', requireRole(deps.tokens, 'check'), async (c) => {
    const body = await readJsonBody(c);
    let request;
    try {
      request = parseCheckRequest(body);
    } catch (err) {
      if (err instanceof CheckRequestError) throw new ApiError(400, 'invalid_request', `invalid check request: ${err.message}`, err.errors);
      throw err;
    }
    const caller = c.get('caller');
    const { decision } = await deps.checks.check(request, { via: 'api', caller: caller.name });
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
