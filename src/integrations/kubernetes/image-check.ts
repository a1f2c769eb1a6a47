// One image of an admitted workload through the CheckService: its digest (pinned in the
// reference, else resolved from the registry so that what is checked is what runs), the
// check request built from the workload, and the decision or why there is none.
import { CheckRequestError, parseCheckRequest, type CheckRequest } from '../../collect/check-request.js';
import { ImageReferenceError, parseImageReference } from '../../collect/image-reference.js';
import { DfwError } from '../../shared/errors.js';
import type { AdmissionReview } from './admission-review.js';
import type { ImageVerdict } from './messages.js';
import type { AdmissionDeps } from './admission-deps.js';
import { findVerificationSummary } from './summary-admission.js';
import type { Workload, WorkloadImage } from './workload.js';

/** Who calls the webhook, as CheckContext.caller. */
export const ADMISSION_CALLER = 'kube-apiserver';

/** A reason fit for a client: dfw's own errors say what failed; anything else stays in the log. */
export function describeError(err: unknown): string {
  if (err instanceof DfwError) return err.message;
  return 'internal error; the dfw log has the details';
}

export async function checkImage(
  target: WorkloadImage,
  who: { application: string; service: string; environment: string },
  review: AdmissionReview,
  workload: Workload,
  deps: AdmissionDeps,
  /** Aborted at the review's deadline: the check then records nothing. */
  signal?: AbortSignal,
): Promise<ImageVerdict> {
  const { request } = review;
  const verdict: ImageVerdict = { image: target.image, containers: target.containers };
  let digest: string | undefined;
  try {
    digest = parseImageReference(target.image).digest;
  } catch (err) {
    if (!(err instanceof ImageReferenceError)) throw err;
    return { ...verdict, error: `not an image reference: ${err.message}` };
  }
  let digestFailure: string | undefined;
  if (digest === undefined && deps.resolveDigest) {
    try {
      digest = await deps.resolveDigest(target.image);
    } catch (err) {
      // Unresolved, the request names no digest and the policy judges that (DFW-ARTIFACT-001).
      digestFailure = (err as Error)?.message ?? String(err);
      deps.logger.warn('digest resolution failed', { image: target.image, error: digestFailure });
    }
  }
  const body: CheckRequest = {
    application: who.application,
    service: who.service,
    environment: who.environment,
    artifact: { image: target.image, ...(digest !== undefined ? { digest } : {}) },
    ...(request.userInfo.username !== undefined ? { requested_by: request.userInfo.username } : {}),
    // Kept under input.request.extra.kubernetes, so the decision record says where it came from.
    kubernetes: {
      uid: request.uid,
      operation: request.operation,
      kind: workload.kind,
      namespace: workload.namespace,
      name: workload.name,
      containers: target.containers,
      dry_run: request.dryRun,
      ...(digestFailure !== undefined ? { digest_resolution_failed: digestFailure } : {}),
    },
    // The manifest being admitted, for the workload rules (Pod Security Standards and more).
    ...(workload.podSpec
      ? { evidence: { workload: { kind: workload.kind, ...(workload.namespace !== undefined ? { namespace: workload.namespace } : {}), name: workload.name, pod_spec: workload.podSpec } } }
      : {}),
  };
  const verificationSummary = await findVerificationSummary(target.image, digest, who.environment, deps);
  let checkRequest: CheckRequest;
  try {
    checkRequest = parseCheckRequest(body);
  } catch (err) {
    if (!(err instanceof CheckRequestError)) throw err;
    return { ...verdict, error: `cannot build a check request: ${err.message}` };
  }
  try {
    const { decision } = await deps.checks.check(checkRequest, {
      via: 'kubernetes',
      caller: ADMISSION_CALLER,
      dryRun: request.dryRun === true,
      ...(signal ? { signal } : {}),
      ...(verificationSummary ? { verificationSummary } : {}),
    });
    return { ...verdict, ...(digest !== undefined ? { digest } : {}), decision };
  } catch (err) {
    // Abandoned at the review's deadline (already denied and logged as failed closed).
    if (err instanceof DfwError && err.code === 'check_aborted') return { ...verdict, error: err.message };
    deps.logger.error('admission check failed', { uid: request.uid, image: target.image, error: String((err as Error)?.message ?? err), stack: (err as Error)?.stack });
    return { ...verdict, error: describeError(err) };
  }
}
