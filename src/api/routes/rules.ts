// GET /v1/rules: the rule catalog of the active bundle, with enforcement per environment.
import { Hono } from 'hono';
import { ruleCatalog, type ActivePolicy } from '../../engine/index.js';
import { requireAnyToken, type ApiToken, type Caller } from '../auth.js';
import { NoBundleError } from '../../decide/index.js';

export function ruleRoutes(deps: { tokens: ApiToken[]; policy: ActivePolicy }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.get('/v1/rules', requireAnyToken(deps.tokens), (c) => {
    const evaluator = deps.policy.current();
    if (!evaluator) throw new NoBundleError();
    return c.json({ bundle: { name: evaluator.bundle.name, revision: evaluator.bundle.manifest.revision }, ...ruleCatalog(evaluator.bundle) });
  });
  return app;
}
