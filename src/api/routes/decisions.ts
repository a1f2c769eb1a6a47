// GET /v1/decisions (filtered, cursor-paginated, newest first) and GET /v1/decisions/{id}:
// the decision history the security team reads.
import { Hono } from 'hono';
import { InvalidCursorError } from '../../store/errors.js';
import type { DecisionFilter, Store } from '../../store/types.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { readRfc3339 } from '../../shared/rfc3339.js';
import { formatFieldErrors, InvalidInputError, NotFoundError, type FieldError } from '../../shared/errors.js';

const RFC3339_EXAMPLE = 'such as 2026-11-28T14:00:00Z';

/** The query, validated: 400 invalid_query naming each bad parameter in `fields`. */
function readFilter(query: (name: string) => string | undefined): { filter: DecisionFilter; limit?: number; cursor?: string } {
  const filter: DecisionFilter = {};
  const fields: FieldError[] = [];
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
    const reading = readRfc3339(value);
    if ('ms' in reading) filter[key] = value;
    else if (reading.problem === 'no_zone') fields.push({ field: key, message: `has no zone: add Z (UTC) or an offset (±hh:mm), ${RFC3339_EXAMPLE}` });
    else fields.push({ field: key, message: `must be an RFC 3339 date-time with a zone, ${RFC3339_EXAMPLE}` });
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
    try {
      return c.json(await deps.store.listDecisions(filter, { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) }));
    } catch (err) {
      // A cursor is opaque: only the store can tell one it did not hand out. Said as a query problem, naming the parameter.
      if (!(err instanceof InvalidCursorError)) throw err;
      const fields = [{ field: 'cursor', message: "is not one this server handed out: pass a page's next_cursor as it is" }];
      throw new InvalidInputError('invalid_cursor', formatFieldErrors(fields), fields, { cause: err });
    }
  });
  app.get('/v1/decisions/:id', requireRole(deps.tokens, 'admin'), async (c) => {
    const record = await deps.store.getDecision(c.req.param('id'));
    if (!record) throw new NotFoundError('decision_not_found', `no decision with id ${c.req.param('id')}`);
    return c.json(record);
  });
  return app;
}
