// The two-step waiver flow the console uses. POST /v1/waiver-requests records who asked as
// the requesting token's name (any token that may act: check, evidence or admin — a viewer
// only reads); POST /v1/waiver-requests/:id/approve, by an admin whose normalised identity
// differs from the requester's, turns the request into a waiver in one transaction.
// Rejecting closes it without one. Expiry is judged again at approval: a request that sat
// until its expiry passed cannot become a waiver.
import { Hono, type MiddlewareHandler } from 'hono';
import type { Store, WaiverRequestState } from '../../store/types.js';
import { requireAnyToken, requireRole, type ApiToken, type Caller } from '../auth.js';
import { ConflictError, ForbiddenError, formatFieldErrors, InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { identityProblem } from '../../shared/identity.js';
import { readJsonBody } from '../json-body.js';
import { expiryProblems, readWaiver, requireOtherApprover } from './waivers.js';

const REQUESTER_ROLES = ['check', 'evidence', 'admin'] as const;
const STATES: readonly WaiverRequestState[] = ['pending', 'approved', 'rejected'];

/** A token with any role that may act (not only read). */
function requireRequester(tokens: ApiToken[]): MiddlewareHandler<{ Variables: { caller: Caller } }> {
  const authenticated = requireAnyToken(tokens);
  return (c, next) =>
    authenticated(c, async () => {
      const caller = c.get('caller');
      if (!caller.roles.some((r) => (REQUESTER_ROLES as readonly string[]).includes(r))) {
        throw new ForbiddenError('forbidden', `token "${caller.name}" may not request waivers: it needs one of the roles ${REQUESTER_ROLES.join(', ')} (it has: ${caller.roles.join(', ')})`);
      }
      await next();
    });
}

export function waiverRequestRoutes(deps: { tokens: ApiToken[]; store: Store; maxDays: number; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const requests = deps.store.waiverRequests;
  const app = new Hono<{ Variables: { caller: Caller } }>();

  app.post('/v1/waiver-requests', requireRequester(deps.tokens), async (c) => {
    const body = readWaiver(await readJsonBody(c), clock(), deps.maxDays, 'caller');
    const requester = c.get('caller').name;
    const problem = identityProblem(requester);
    if (problem) throw new InvalidInputError('invalid_identity', `the token name "${requester}" ${problem}: rename the token before requesting waivers`);
    return c.json(await requests.create({ ...body, requested_by: requester }), 201);
  });

  app.get('/v1/waiver-requests', requireRole(deps.tokens, 'admin'), async (c) => {
    const state = c.req.query('state');
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      throw new InvalidInputError('invalid_state', `state must be one of ${STATES.join(', ')}`, [{ field: 'state', message: `must be one of ${STATES.join(', ')}` }]);
    }
    return c.json({ waiver_requests: await requests.list(state ? { state: state as WaiverRequestState } : {}) });
  });

  app.get('/v1/waiver-requests/:id', requireRole(deps.tokens, 'admin'), async (c) => {
    const found = await requests.get(c.req.param('id'));
    if (!found) throw new NotFoundError('waiver_request_not_found', `no waiver request with id ${c.req.param('id')}`);
    return c.json(found);
  });

  app.post('/v1/waiver-requests/:id/approve', requireRole(deps.tokens, 'admin'), async (c) => {
    const id = c.req.param('id');
    const approver = c.get('caller').name;
    const now = clock();
    const pending = await requests.get(id);
    if (!pending) throw new NotFoundError('waiver_request_not_found', `no waiver request with id ${id}`);
    if (pending.state !== 'pending') throw new ConflictError('waiver_request_decided', `waiver request ${id} was already ${pending.state} by ${pending.decided_by ?? 'someone'}`);
    requireOtherApprover(pending.requested_by, approver);
    const expiry = expiryProblems(pending.expires_at, now, deps.maxDays);
    if (expiry.length) throw new ConflictError('waiver_request_expired', `waiver request ${id} cannot be approved now: ${formatFieldErrors(expiry)}; ask for a new one`);
    return c.json(await requests.approve(id, { approved_by: approver, at: now }), 201);
  });

  app.post('/v1/waiver-requests/:id/reject', requireRole(deps.tokens, 'admin'), async (c) => {
    return c.json(await requests.reject(c.req.param('id'), { rejected_by: c.get('caller').name, at: clock() }));
  });
  return app;
}
