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

/** Wraps whatever a driver threw; errors of the store itself pass through unchanged. */
export function wrapStoreError(thrown: unknown, doing: string): StoreError {
  if (thrown instanceof StoreError) return thrown;
  return new StoreError('store_failed', `${doing}: ${describeThrown(thrown)}`, { cause: thrown });
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
