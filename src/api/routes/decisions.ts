// GET /v1/decisions (filtered, cursor-paginated, newest first) and GET /v1/decisions/{id}:
// the decision history the security team reads.
import { Hono } from 'hono';
import { InvalidCursorError, StoreInputError } from '../../store/errors.js';
import type { DecisionFilter, Store } from '../../store/types.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { formatFieldErrors } from '../../collect/schema-validation.js';
import { ApiError } from '../errors.js';

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
  if (fields.length) throw new ApiError(400, 'invalid_query', formatFieldErrors(fields), fields);
  const cursor = query('cursor');
  return { filter, ...(limit !== undefined ? { limit } : {}), ...(cursor ? { cursor } : {}) };
}

export function decisionRoutes(deps: { tokens: ApiToken[]; store: Store }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.get('/v1/decisions', requireRole(deps.tokens, 'admin'), async (c) => {
    const { filter, limit, cursor } = readFilter((name) => c.req.query(name));
    try {
      return c.json(await deps.store.listDecisions(filter, { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) }));
    } catch (err) {
      if (err instanceof InvalidCursorError || err instanceof StoreInputError) throw new ApiError(400, err.code, err.message);
      throw err;
    }
  });
  app.get('/v1/decisions/:id', requireRole(deps.tokens, 'admin'), async (c) => {
    const record = await deps.store.getDecision(c.req.param('id'));
    if (!record) throw new ApiError(404, 'decision_not_found', `no decision with id ${c.req.param('id')}`);
    return c.json(record);
  });
  return app;
}
