// Deciding one AdmissionReview: every image of the workload becomes one check request, all
// are evaluated through the CheckService (so the webhook decides as POST /v1/check does),
// and the answers become one AdmissionResponse. Anything that prevents a decision denies:
// the webhook fails closed, like the rest of dfw.
import type { AdmissionDeps } from './admission-deps.js';
import { admissionReviewResponse, type AdmissionRequest, type AdmissionReview, type AdmissionReviewResponse } from './admission-review.js';
import { ENVIRONMENT_LABEL } from './environment.js';
import { checkImage, describeError } from './image-check.js';
import { denialMessage, limitWarnings, warningCandidates, type ImageVerdict } from './messages.js';
import { readWorkload, UnsupportedKindError, workloadIdentity, type Workload, type WorkloadImage } from './workload.js';
import { fixedCodeError } from '../../shared/errors.js';
import { raceTimer, TIMED_OUT } from '../../shared/race-timer.js';

export type { AdmissionDeps } from './admission-deps.js';

/**
 * How long the checks of a review may take when the API server names no timeout
 * (kubernetes.admission.timeout_seconds overrides it). The webhook's timeoutSeconds is 10 in
 * deploy/kubernetes: this, plus RECORD_WAIT_MS for a record in flight, answers before it.
 */
export const DEFAULT_ADMISSION_TIMEOUT_MS = 8_000;

/**
 * How long past the deadline a review waits for checks that were still running when it
 * came. A check that had not reached its record stops at its next step and records nothing;
 * one that had already handed its decision to the store is waited for, and that decision is
 * the answer, so the answer and the log agree. The route keeps this time, and the answer's
 * travel, below the API server's own timeout (routes.ts).
 */
export const RECORD_WAIT_MS = 1_000;

/** What became of one review: the answer, and what the log and the decision record need. */
export interface AdmissionOutcome {
  review: AdmissionReviewResponse;
  uid: string;
  operation: AdmissionRequest['operation'];
  kind: string;
  namespace?: string;
  name?: string;
  user?: string;
  /** request.dryRun: evaluated as usual, nothing will be persisted. */
  dryRun: boolean;
  environment?: string;
  /** Why nothing was evaluated and the request was allowed (DELETE, no new image). */
  skipped?: string;
  /** Why the request was denied without a policy decision for every image. */
  failedClosed?: string;
  images: ImageVerdict[];
}

class DeadlineError extends fixedCodeError('DeadlineError', 'deadline_exceeded', 'unavailable') {}

/**
 * Runs `work` until `deadlineMs`, then aborts its signal: every check stops at its next step
 * without recording anything (CheckContext.signal). A check past its last abort point has
 * handed its decision to the store; aborting cannot take that back, so instead of denying at
 * once the review waits for what is still running, until `answerByMs`, and answers with it:
 * a recorded decision is answered as decided, a check stopped before its record fails
 * closed. Only if something is still running at `answerByMs` (a record slower than the
 * whole margin) is the review denied without it; `late` then hears what it ends with.
 */
async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, deadlineMs: number, answerByMs: number, late: (value: T) => void): Promise<T> {
  const controller = new AbortController();
  const running = work(controller.signal);
  const first = await raceTimer(running, deadlineMs);
  if (first !== TIMED_OUT) return first;
  const error = new DeadlineError(`no decision within ${deadlineMs} ms`);
  controller.abort(error);
  const settled = running.then(
    (value) => ({ value }),
    () => undefined,
  );
  const after = await raceTimer(settled, answerByMs - deadlineMs);
  if (after === TIMED_OUT) void settled.then((result) => result && late(result.value));
  else if (after) return after.value;
  throw error;
}

function imagesBefore(request: AdmissionRequest): Set<string> | undefined {
  if (!request.oldObject) return undefined;
  try {
    return new Set(readWorkload(request, request.oldObject, 'request.oldObject').images.map((i) => i.image));
  } catch {
    return undefined; // an unreadable old object: evaluate every image
  }
}

/**
 * Decides `review`. Throws AdmissionReviewError (the route's 400) only for a review that
 * is malformed; every other problem is a denial that says dfw failed closed.
 */
export async function decideAdmission(
  review: AdmissionReview,
  deps: AdmissionDeps,
  /** When the checks are abandoned (routes.ts derives it from the API server's timeout). */
  timeoutMs = deps.timeoutMs ?? DEFAULT_ADMISSION_TIMEOUT_MS,
  /** The latest the review is answered: records in flight at `timeoutMs` are waited for until then. */
  answerByMs = timeoutMs + RECORD_WAIT_MS,
): Promise<AdmissionOutcome> {
  const { request } = review;
  const outcome = (fields: Partial<AdmissionOutcome> & Pick<AdmissionOutcome, 'review'>): AdmissionOutcome => ({
    uid: request.uid,
    operation: request.operation,
    kind: request.kind.kind,
    ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
    ...(request.name !== undefined ? { name: request.name } : {}),
    ...(request.userInfo.username !== undefined ? { user: request.userInfo.username } : {}),
    dryRun: request.dryRun,
    images: [],
    ...fields,
  });
  const allow = (skipped: string) => outcome({ review: admissionReviewResponse(review, { allowed: true }), skipped });
  const failClosed = (code: number, message: string, fields: Partial<AdmissionOutcome> = {}) =>
    outcome({ review: admissionReviewResponse(review, { allowed: false, status: { code, message } }), failedClosed: message, ...fields });

  if (request.operation === 'DELETE' || request.operation === 'CONNECT') return allow(`${request.operation} is not evaluated`);

  let workload: Workload;
  try {
    workload = readWorkload(request, request.object!);
  } catch (err) {
    if (!(err instanceof UnsupportedKindError)) throw err;
    return failClosed(403, `dfw failed closed: it does not know where the images of a ${err.message} are; remove that resource from the dfw webhook's rules`);
  }
  let images = workload.images;
  if (request.operation === 'UPDATE' && !deps.recheckUnchangedImages) {
    const before = imagesBefore(request);
    if (before) images = images.filter((i) => !before.has(i.image));
    if (images.length === 0) return allow('no image is new in this update');
  }
  const named = { ...(workload.namespace !== undefined ? { namespace: workload.namespace } : {}), name: workload.name };

  try {
    return await withDeadline((signal) => evaluateWorkload(review, workload, images, deps, outcome, failClosed, signal), timeoutMs, answerByMs, (late) => {
      // The one case where the log and the answer can differ: a record that took longer than
      // the whole margin. Said loudly, with the ids, so the log can be reconciled.
      const ids = late.images.flatMap((v) => (v.decision ? [v.decision.decision_id] : []));
      if (ids.length) deps.logger.error('admission denied at its deadline, but its decision was recorded after it', { uid: request.uid, decision_ids: ids, answer_by_ms: answerByMs });
    });
  } catch (err) {
    if (!(err instanceof DeadlineError)) deps.logger.error('admission evaluation failed', { uid: request.uid, error: String((err as Error)?.message ?? err), stack: (err as Error)?.stack });
    return failClosed(500, `dfw failed closed: the request could not be evaluated (${err instanceof DeadlineError ? err.message : describeError(err)})`, named);
  }
}

async function evaluateWorkload(
  review: AdmissionReview,
  workload: Workload,
  images: WorkloadImage[],
  deps: AdmissionDeps,
  outcome: (fields: Partial<AdmissionOutcome> & Pick<AdmissionOutcome, 'review'>) => AdmissionOutcome,
  failClosed: (code: number, message: string, fields?: Partial<AdmissionOutcome>) => AdmissionOutcome,
  signal?: AbortSignal,
): Promise<AdmissionOutcome> {
  const { request } = review;
  const namespace = workload.namespace;
  const named = { ...(namespace !== undefined ? { namespace } : {}), name: workload.name };
  const subject = `${workload.kind} ${namespace ?? '(no namespace)'}/${workload.name}`;
  if (namespace === undefined) return failClosed(403, `dfw failed closed: ${subject} names no namespace, so it has no environment`, named);

  let labels: Record<string, string> | undefined;
  let lookupFailure = '';
  if (deps.namespaceLabels) {
    try {
      labels = await deps.namespaceLabels(namespace);
    } catch (err) {
      lookupFailure = `; reading its labels failed: ${(err as Error)?.message ?? String(err)}`;
      deps.logger.warn('namespace label lookup failed', { namespace, error: (err as Error)?.message ?? String(err) });
    }
  }
  const environment = deps.environmentFor(namespace, labels);
  if (!environment) {
    return failClosed(
      403,
      `dfw failed closed: namespace "${namespace}" has no environment; label it ${ENVIRONMENT_LABEL}=<environment> or map it in dfw.yaml${lookupFailure}`,
      named,
    );
  }

  const identity = workloadIdentity(workload);
  const verdicts = await Promise.all(
    images.map((image) => checkImage(image, { ...identity, environment }, review, workload, deps, signal)),
  );
  const allowed = verdicts.every((v) => v.decision?.allow === true);
  const policyDenied = verdicts.some((v) => v.decision && !v.decision.allow);
  const warnings = limitWarnings(warningCandidates(verdicts));
  const ids = verdicts.flatMap((v) => (v.decision ? [v.decision.decision_id] : []));
  const response = admissionReviewResponse(review, {
    allowed,
    ...(allowed ? {} : { status: { code: policyDenied ? 403 : 500, message: denialMessage(subject, environment, verdicts) } }),
    ...(warnings.length ? { warnings } : {}),
    auditAnnotations: {
      environment,
      ...(ids.length ? { 'decision-ids': ids.join(',') } : {}),
      ...(request.dryRun ? { 'dry-run': 'true' } : {}),
    },
  });
  return outcome({
    review: response,
    ...named,
    environment,
    images: verdicts,
    ...(!allowed && !policyDenied ? { failedClosed: response.response.status!.message } : {}),
  });
}
