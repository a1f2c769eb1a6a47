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

/** The webhook's timeoutSeconds is 10 in deploy/kubernetes; answer before the API server gives up. */
export type { AdmissionDeps } from './admission-deps.js';

export const DEFAULT_ADMISSION_TIMEOUT_MS = 9_000;


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
 * How long a check that is already writing its decision record may take to finish after
 * the deadline. Answering with it keeps the answer and the log in agreement; the route's
 * deadline keeps a second in hand for the answer to travel (routes.ts).
 */
const RECORD_GRACE_MS = 250;

/**
 * Runs `work` until `ms` pass, then aborts its signal: every check stops at its next step
 * without recording anything (CheckContext.signal), so a review denied at its deadline
 * leaves no decision in the log that says otherwise. A check that was already writing its
 * record gets RECORD_GRACE_MS to finish, and then its answer is the one given.
 */
async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  const running = work(controller.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), ms);
  });
  try {
    const first = await Promise.race([running, deadline]);
    if (first !== DEADLINE) return first as T;
  } finally {
    clearTimeout(timer);
  }
  const error = new DeadlineError(`no decision within ${ms} ms`);
  controller.abort(error);
  const late = await Promise.race([
    running.then((value) => ({ value }), () => undefined),
    new Promise<undefined>((resolve) => setTimeout(resolve, RECORD_GRACE_MS)),
  ]);
  if (late) return late.value;
  throw error;
}
const DEADLINE = Symbol('deadline');

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
export async function decideAdmission(review: AdmissionReview, deps: AdmissionDeps, timeoutMs = deps.timeoutMs ?? DEFAULT_ADMISSION_TIMEOUT_MS): Promise<AdmissionOutcome> {
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
    return await withDeadline((signal) => evaluateWorkload(review, workload, images, deps, outcome, failClosed, signal), timeoutMs);
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
