// Typed errors of the store. Driver errors (better-sqlite3, pg) are wrapped in StoreError
// where they leave the store, with `cause` kept, so callers match on one class.
import { DfwError, describeThrown, type ErrorKind } from '../shared/errors.js';

/** The database failed, or the store is closed: the caller must not answer as if it wrote. */
export class StoreError extends DfwError {
  override name = 'StoreError';
  constructor(code: string, message: string, options: { cause?: unknown; kind?: ErrorKind } = {}) {
    // A failing database: never an answer, always a logged server error.
    super(code, message, { kind: 'internal', ...options });
  }
}

/** A value handed to the store is unusable (bad time, bad subject, bad mask path). */
export class StoreInputError extends StoreError {
  override name = 'StoreInputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_invalid_input', message, { ...options, kind: 'invalid_input' });
  }
}

/** A decision with this id is already in the log. */
export class DuplicateDecisionError extends StoreError {
  override name = 'DuplicateDecisionError';
  constructor(readonly decisionId: string) {
    super('decision_exists', `decision ${decisionId} is already recorded`, { kind: 'conflict' });
  }
}

/** A `cursor` that this store did not hand out. */
export class InvalidCursorError extends StoreError {
  override name = 'InvalidCursorError';
  constructor() {
    super('invalid_cursor', 'the cursor is not one this store handed out', { kind: 'invalid_input' });
  }
}

export class WaiverNotFoundError extends StoreError {
  override name = 'WaiverNotFoundError';
  constructor(readonly waiverId: string) {
    super('waiver_not_found', `no waiver with id ${waiverId}`, { kind: 'not_found' });
  }
}

export class WaiverAlreadyRevokedError extends StoreError {
  override name = 'WaiverAlreadyRevokedError';
  constructor(readonly waiverId: string, readonly revokedAt: string, readonly revokedBy: string) {
    super('waiver_already_revoked', `waiver ${waiverId} was already revoked at ${revokedAt} by ${revokedBy}`, { kind: 'conflict' });
  }
}

/**
 * Driver failures that mean the database cannot be reached or cannot write now, rather
 * than that dfw asked for something wrong: network errors, PostgreSQL's connection
 * exceptions (SQLSTATE class 08), shutdown and resource classes (57P0x, 53xxx: disk full,
 * too many connections), pg's own "Connection terminated", and SQLite's full disk, I/O
 * errors, locks and unopenable files. Callers get 503 with Retry-After: try again later.
 */
const UNAVAILABLE_CODES = /^(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|08\w{3}|57P0[1-3]|53\w{3}|SQLITE_(?:FULL|IOERR\w*|BUSY\w*|LOCKED\w*|CANTOPEN\w*|READONLY\w*|PROTOCOL))$/;
const UNAVAILABLE_MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|the database system is (?:starting up|shutting down)|terminating connection/i;

export function isUnavailable(thrown: unknown): boolean {
  const code = (thrown as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) return true;
  const errors = (thrown as { errors?: unknown } | null)?.errors; // AggregateError (IPv4 and IPv6 refused)
  if (Array.isArray(errors) && errors.some(isUnavailable)) return true;
  return UNAVAILABLE_MESSAGES.test(describeThrown(thrown));
}

/** Wraps whatever a driver threw; errors of the store itself pass through unchanged. */
export function wrapStoreError(thrown: unknown, doing: string): StoreError {
  if (thrown instanceof StoreError) return thrown;
  const kind: ErrorKind = isUnavailable(thrown) ? 'unavailable' : 'internal';
  return new StoreError(kind === 'unavailable' ? 'store_unavailable' : 'store_failed', `${doing}: ${describeThrown(thrown)}`, { cause: thrown, kind });
}

export class WaiverRequestNotFoundError extends StoreError {
  override name = 'WaiverRequestNotFoundError';
  constructor(readonly requestId: string) {
    super('waiver_request_not_found', `no waiver request with id ${requestId}`, { kind: 'not_found' });
  }
}

/** The request was already approved or rejected (perhaps by another admin a moment ago). */
export class WaiverRequestDecidedError extends StoreError {
  override name = 'WaiverRequestDecidedError';
  constructor(readonly requestId: string, readonly state: string, readonly decidedBy: string) {
    super('waiver_request_decided', `waiver request ${requestId} was already ${state} by ${decidedBy}`, { kind: 'conflict' });
  }
}
