// POST /k8s/admission: the validating admission webhook. 200 with an AdmissionReview for
// every review that parses (allowed or not: the answer is in the body); 400 naming the
// field for one that does not, which the API server treats as a failed call and, with
// failurePolicy: Fail, rejects.
import { Hono } from 'hono';
import { errorResponse } from '../../api/error-table.js';
import { DfwError, TooLargeError } from '../../shared/errors.js';
import { bodyLimit } from '../../api/body-limit.js';
import { readJsonBody } from '../../api/json-body.js';
import { AdmissionReviewError, parseAdmissionReview, type AdmissionReview } from './admission-review.js';
import { decideAdmission, DEFAULT_ADMISSION_TIMEOUT_MS, RECORD_WAIT_MS, type AdmissionDeps, type AdmissionOutcome } from './review.js';

export const ADMISSION_PATH = '/k8s/admission';
/** An object and its old version, each at most etcd's 1.5 MiB request limit, plus the envelope. */
export const DEFAULT_ADMISSION_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Time kept back from the API server's own timeout for the answer to travel. */
const TIMEOUT_MARGIN_MS = 1_000;

export interface AdmissionRouteDeps extends AdmissionDeps {
  maxBodyBytes?: number;
  /** Hears every answered review (metrics): decided, skipped, or failed closed. */
  onOutcome?: (outcome: AdmissionOutcome) => void;
}

const GO_DURATION_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration ("10s", "1m30s", "2.5s") as client-go writes ?timeout=; undefined if it is not one. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (!text || !/^(?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(value) * GO_DURATION_UNIT_MS[unit!]!;
  return ms;
}

/** When a review's checks are abandoned, and the latest it is answered (review.ts). */
export interface AdmissionDeadline {
  /** The checks still running are abandoned: those not yet recording stop and record nothing. */
  decideMs: number;
  /** A record already in flight at `decideMs` is waited for, and answered, until this. */
  answerByMs: number;
}

/**
 * The API server appends ?timeout=<webhook timeoutSeconds> to the call and stops listening
 * after it. The answer must leave TIMEOUT_MARGIN_MS to travel, and before that RECORD_WAIT_MS
 * for a record in flight at the deadline; the configured timeout can only shorten the
 * deadline. With ?timeout=10s: abandoned at 8 s, answered by 9 s.
 */
export function admissionDeadline(timeoutParam: string | undefined, configuredMs = DEFAULT_ADMISSION_TIMEOUT_MS): AdmissionDeadline {
  const callerMs = parseGoDuration(timeoutParam);
  if (callerMs === undefined || callerMs <= 0) return { decideMs: configuredMs, answerByMs: configuredMs + RECORD_WAIT_MS };
  const lastHeardMs = Math.max(callerMs - TIMEOUT_MARGIN_MS, callerMs / 2);
  const decideMs = Math.min(configuredMs, Math.max(lastHeardMs - RECORD_WAIT_MS, lastHeardMs / 2));
  return { decideMs, answerByMs: Math.min(lastHeardMs, decideMs + RECORD_WAIT_MS) };
}

function logOutcome(deps: AdmissionDeps, outcome: AdmissionOutcome, ms: number): void {
  const fields = {
    uid: outcome.uid,
    operation: outcome.operation,
    kind: outcome.kind,
    namespace: outcome.namespace,
    name: outcome.name,
    user: outcome.user,
    dry_run: outcome.dryRun,
    environment: outcome.environment,
    allowed: outcome.review.response.allowed,
    ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
    ...(outcome.failedClosed ? { failed_closed: outcome.failedClosed } : {}),
    images: outcome.images.map((v) => ({
      image: v.image,
      digest: v.digest,
      decision_id: v.decision?.decision_id,
      allow: v.decision?.allow ?? false,
      ...(v.error !== undefined ? { error: v.error } : {}),
    })),
    revision: outcome.images.find((v) => v.decision)?.decision?.bundle.revision,
    duration_ms: Math.round(ms * 1000) / 1000,
  };
  if (outcome.failedClosed) deps.logger.warn('admission failed closed', fields);
  else deps.logger.info('admission', fields);
}

export function admissionRoutes(deps: AdmissionRouteDeps): Hono {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_ADMISSION_MAX_BODY_BYTES;
  const app = new Hono();
  app.post(
    ADMISSION_PATH,
    bodyLimit(maxBodyBytes, (c) => errorResponse(c, new TooLargeError('payload_too_large', `the AdmissionReview is larger than the limit of ${maxBodyBytes} bytes`))),
    async (c) => {
      const started = performance.now();
      let review: AdmissionReview;
      let outcome: AdmissionOutcome;
      try {
        review = parseAdmissionReview(await readJsonBody(c));
        const { decideMs, answerByMs } = admissionDeadline(c.req.query('timeout'), deps.timeoutMs);
        outcome = await decideAdmission(review, deps, decideMs, answerByMs);
      } catch (err) {
        if (err instanceof AdmissionReviewError) deps.logger.warn('malformed admission review', { field: err.field, reason: err.reason });
        // The caller's mistakes are answered here; dfw's own failures go to the logged 500.
        if (err instanceof DfwError && err.kind !== 'internal') return errorResponse(c, err);
        throw err;
      }
      logOutcome(deps, outcome, performance.now() - started);
      deps.onOutcome?.(outcome);
      return c.json(outcome.review);
    },
  );
  return app;
}
