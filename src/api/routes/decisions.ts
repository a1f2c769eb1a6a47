// GET /v1/decisions (filtered, cursor-paginated, newest first) and GET /v1/decisions/{id}:
// the decision history the security team reads.
import { Hono } from 'hono';
import type { DecisionFilter, Store } from '../../store/types.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { formatFieldErrors, InvalidInputError, NotFoundError } from '../../shared/errors.js';

function readFilter(query: (name: string) => string | undefined): { filter: DecisionFilter; limit?: number; cursor?: string } {
  const filter: DecisionFilter = {};
  const fields = [];
  for (const key of ['application', 'environment', 'rule'] as const) {
    const value = query(key);
    if (value) filter[key] = value;
  }
  const allow = query('allow');
  if (allow !== undefined) {
    if (allow === 'true' || allow === 'false') filter.allow = allow === 'true';
    else fields.push({ field: 'allow', message: 'must be true or false' });
  }
  for (const key of ['from', 'to'] as const) {
    const value = query(key);
    if (value === undefined) continue;
    if (Number.isNaN(Date.parse(value))) fields.push({ field: key, message: 'must be an RFC 3339 date-time such as 2026-11-28T14:00:00Z' });
    else filter[key] = value;
  }
  const limitText = query('limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) fields.push({ field: 'limit', message: 'must be an integer from 1 to 1000' });
  }
  if (fields.length) throw new InvalidInputError('invalid_query', formatFieldErrors(fields), fields);
  const cursor = query('cursor');
  return { filter, ...(limit !== undefined ? { limit } : {}), ...(cursor ? { cursor } : {}) };
}

export function decisionRoutes(deps: { tokens: ApiToken[]; store: Store }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.get('/v1/decisions', requireRole(deps.tokens, 'admin'), async (c) => {
    const { filter, limit, cursor } = readFilter((name) => c.req.query(name));
    return c.json(await deps.store.listDecisions(filter, { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) }));
  });
  app.get('/v1/decisions/:id', requireRole(deps.tokens, 'admin'), async (c) => {
    const record = await deps.store.getDecision(c.req.param('id'));
    if (!record) throw new NotFoundError('decision_not_found', `no decision with id ${c.req.param('id')}`);
    return c.json(record);
  });
  return app;
}
