// Waivers: time-bound exceptions the security team grants. The approver is the admin
// token's own name, never a field the caller types; the approver must not be the person
// who asked for the waiver (separation of duties, compared as normalised identities:
// src/shared/identity.ts), and expiry is bounded. The two-step flow, where the requester is
// an authenticated identity too, is in waiver-requests.ts.
import { Hono } from 'hono';
import type { NewWaiver, Store } from '../../store/types.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { ForbiddenError, formatFieldErrors, InvalidInputError, type FieldError } from '../../shared/errors.js';
import { identityProblem, sameIdentity } from '../../shared/identity.js';
import { readJsonBody } from '../json-body.js';
import { DIGEST } from '../../collect/image-reference.js';
import { readRfc3339 } from '../../shared/rfc3339.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What an admin sends: a new waiver without its approver (the token's name is). */
export type WaiverBody = Omit<NewWaiver, 'approved_by' | 'expires_at'> & { expires_at: string };

/**
 * Problems with `expires_at` judged at `now`: RFC 3339 with a zone, in the future, within
 * maxDays. Without a zone the instant would be the server's local time, a guess: refused.
 */
export function expiryProblems(expiresAt: string, now: Date, maxDays: number, field = 'expires_at'): FieldError[] {
  const reading = readRfc3339(expiresAt);
  if ('problem' in reading) {
    if (reading.problem === 'no_zone') return [{ field, message: 'has no zone: a zone is required, Z (UTC) or an offset ±hh:mm, such as 2026-12-31T00:00:00Z or 2026-12-31T00:00:00+01:00' }];
    return [{ field, message: 'must be an RFC 3339 date-time with a zone, such as 2026-12-31T00:00:00Z' }];
  }
  const expires = reading.ms;
  if (expires <= now.getTime()) return [{ field, message: 'must be in the future' }];
  if (expires - now.getTime() > maxDays * DAY_MS) return [{ field, message: `must be within ${maxDays} days (waivers.max_days)` }];
  return [];
}

/**
 * Validates a waiver body. `requestedBy: 'typed'` (POST /v1/waivers) requires the field and
 * refuses names that could pass for someone else; 'caller' (waiver requests) refuses it,
 * because dfw records the token's name instead.
 */
export function readWaiver(body: unknown, now: Date, maxDays: number, requestedBy: 'typed' | 'caller' = 'typed'): WaiverBody {
  const fields: FieldError[] = [];
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const text = (key: string, required: boolean) => {
    const value = b[key];
    if (value === undefined) {
      if (required) fields.push({ field: key, message: 'is required' });
    } else if (typeof value !== 'string' || value.trim() === '') fields.push({ field: key, message: 'must be a non-empty string' });
  };
  for (const key of ['rule', 'application', 'environment', 'reason', 'expires_at']) text(key, true);
  for (const key of ['artifact_digest', 'ticket']) text(key, false);
  if (requestedBy === 'typed') {
    text('requested_by', true);
    const problem = typeof b.requested_by === 'string' && b.requested_by.trim() !== '' ? identityProblem(b.requested_by) : undefined;
    if (problem) fields.push({ field: 'requested_by', message: problem });
  } else if ('requested_by' in b) {
    fields.push({ field: 'requested_by', message: 'is set by dfw to the requesting token\'s name; do not send it' });
  }
  if ('approved_by' in b) fields.push({ field: 'approved_by', message: 'is set by dfw to the approving admin token; do not send it' });
  if (typeof b.artifact_digest === 'string' && !DIGEST.test(b.artifact_digest)) fields.push({ field: 'artifact_digest', message: 'must be a content digest such as sha256:<64 hex digits>' });
  if (typeof b.expires_at === 'string') fields.push(...expiryProblems(b.expires_at, now, maxDays));
  if (fields.length) throw new InvalidInputError('invalid_waiver', `invalid waiver: ${formatFieldErrors(fields)}`, fields);
  return b as unknown as WaiverBody;
}

/** 403 when the approver is, after normalisation, the identity that asked. */
export function requireOtherApprover(requestedBy: string, approver: string): void {
  if (sameIdentity(requestedBy, approver)) {
    throw new ForbiddenError('separation_of_duties', `"${approver}" cannot approve a waiver they requested ("${requestedBy}" is the same identity): another admin must approve it`);
  }
}

export function waiverRoutes(deps: { tokens: ApiToken[]; store: Store; maxDays: number; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.post('/v1/waivers', requireRole(deps.tokens, 'admin'), async (c) => {
    const now = clock();
    const body = readWaiver(await readJsonBody(c), now, deps.maxDays);
    const approver = c.get('caller').name;
    requireOtherApprover(body.requested_by, approver);
    const waiver = await deps.store.createWaiver({ ...body, requested_by: body.requested_by.trim(), approved_by: approver, expires_at: body.expires_at });
    return c.json(waiver, 201);
  });
  app.get('/v1/waivers', requireRole(deps.tokens, 'admin'), async (c) => {
    const active = c.req.query('active');
    const all = c.req.query('all') === 'true';
    const waivers = await deps.store.listWaivers(active === 'true' ? { activeAt: clock() } : { includeRevoked: all });
    return c.json({ waivers });
  });
  app.delete('/v1/waivers/:id', requireRole(deps.tokens, 'admin'), async (c) => {
    return c.json(await deps.store.revokeWaiver(c.req.param('id'), { revoked_by: c.get('caller').name, at: clock() }));
  });
  return app;
}
