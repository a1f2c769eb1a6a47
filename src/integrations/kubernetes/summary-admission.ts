// Admission on a dfw verification summary (kubernetes.admission.admit_on_summary): when the
// registry holds a summary dfw signed for this image's repository, digest and environment,
// the check carries it to the policy (input.verification_summary), which lets it vouch for
// the delivery pipeline's evidence and still judges the pod spec and the freeze calendar
// (rego/firewall/lib/verification_summary.rego). The check is recorded like any other, so
// the log shows what admitted the workload. A summary that does not speak for the image is
// logged with the reason, and the image is evaluated without one.
import type { VerifiedSummary } from '../../collect/trust/verification-summary.js';
import type { AdmissionDeps } from './admission-deps.js';

export async function findVerificationSummary(image: string, digest: string | undefined, environment: string, deps: AdmissionDeps): Promise<VerifiedSummary | undefined> {
  if (!deps.verifySummary || digest === undefined) return undefined;
  const result = await deps.verifySummary(image, digest, environment);
  if ('refused' in result) {
    deps.logger.info('verification summary refused; evaluating without it', { image, digest, environment, reason: result.refused });
    return undefined;
  }
  const summary = result.admitted;
  deps.logger.info('evaluating with a dfw verification summary', { image, digest, environment, summary_decision_id: summary.decision_id, summary_bundle: summary.bundle, location: summary.location });
  return summary;
}
