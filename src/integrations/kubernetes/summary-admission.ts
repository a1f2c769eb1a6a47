// Admission on a dfw verification summary (kubernetes.admission.admit_on_summary): when the
// registry holds a summary dfw signed for this digest and environment, the image is admitted
// without evaluating again; the decision it answers with names the summary's decision id.
// A summary for another digest or environment is refused (logged), and the image is
// evaluated as usual.
import type { Decision } from '../../engine/index.js';
import type { AdmissionDeps } from './admission-deps.js';

const EMPTY = { critical: [], high: [], medium: [], low: [] };

export async function admitOnSummary(image: string, digest: string | undefined, environment: string, deps: AdmissionDeps): Promise<Decision | undefined> {
  if (!deps.verifySummary || digest === undefined) return undefined;
  const result = await deps.verifySummary(image, digest, environment);
  if ('refused' in result) {
    deps.logger.info('verification summary refused; evaluating', { image, digest, environment, reason: result.refused });
    return undefined;
  }
  const summary = result.admitted;
  deps.logger.info('admitted on a dfw verification summary', { image, digest, environment, decision_id: summary.decision_id, location: summary.location });
  return {
    decision_id: summary.decision_id,
    allow: true,
    environment,
    deny: EMPTY,
    warn: EMPTY,
    waived: [],
    bundle: summary.bundle ?? { name: 'verification-summary', revision: 'unknown' },
    evaluated_at: summary.time_verified ?? new Date().toISOString(),
    timing_ms: {},
    evidence_sources: { verification_summary: summary.location },
  };
}
