// Errors of the decision pipeline, in domain terms: the HTTP layer, the CLI, the admission
// webhook and the GitHub rule each say them in their own words.
import { DfwError, UnavailableError } from '../shared/errors.js';

/** No verified bundle is active: nothing can be decided, so nothing is allowed. */
export class NoBundleError extends UnavailableError {
  override name = 'NoBundleError';
  constructor(why?: string) {
    super('no_bundle', `no verified policy bundle is loaded; nothing can be allowed until one is${why ? ` (${why})` : ''}`);
  }
}

/** The decision was made but could not be recorded, so it is not answered (fail closed). */
export class DecisionLogError extends DfwError {
  override name = 'DecisionLogError';
  constructor(cause: unknown) {
    // A database that is down or full is 503 (try again); anything else is dfw's own failure.
    const unavailable = cause instanceof DfwError && cause.kind === 'unavailable';
    super('decision_log_failed', `the decision could not be recorded, so it is not answered (fail closed): ${(cause as Error)?.message ?? String(cause)}`, { cause, kind: unavailable ? 'unavailable' : 'internal' });
  }
}

/** The caller stopped waiting (CheckContext.signal) before the decision was recorded; nothing was. */
export class CheckAbortedError extends UnavailableError {
  override name = 'CheckAbortedError';
  constructor(reason: unknown) {
    super('check_aborted', `the check was abandoned before its decision was recorded (${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}); nothing was recorded`, { cause: reason });
  }
}
