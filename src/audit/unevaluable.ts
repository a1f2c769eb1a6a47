// The audit record of a deployment that could not be judged again (its input no longer fits
// the policy's memory, the evidence store could not be read, ...). Fail closed: it is
// recorded as `error`, never left or made compliant, and it carries one blocking finding
// with the reason, so every page and count that reads `deny` shows why. The table has no
// column for a reason; the finding is where the console already shows one.
import type { Evaluator, Violation } from '../engine/index.js';
import { describeThrown } from '../shared/errors.js';
import type { AuditTrigger, DecisionRecord, NewAuditRecord } from '../store/types.js';

/** The finding's rule id: dfw's own, not a bundle's (bundle rules are DFW-<AREA>-<NNN>). */
export const UNEVALUABLE_RULE = 'DFW-AUDIT-ERROR';

/** A reason is an error message; long ones (a Wasm trap with its stack) are cut. */
const MAX_REASON = 1000;

export function unevaluableRecord(deployment: DecisionRecord, evaluator: Evaluator, trigger: AuditTrigger, time: Date, failure: unknown): NewAuditRecord {
  const finding: Violation = {
    rule: UNEVALUABLE_RULE,
    title: 'The deployment could not be evaluated again',
    severity: 'critical',
    category: 'audit',
    message: describeThrown(failure).slice(0, MAX_REASON),
    remediation: 'Find the "audit of a deployment failed" line for this decision in the dfw log. Until an audit evaluates it, the deployment counts as not compliant.',
    evidence: '',
  };
  return {
    time,
    decision_id: deployment.decision_id,
    application: deployment.application,
    environment: deployment.environment,
    ...(deployment.service ? { service: deployment.service } : {}),
    ...(deployment.artifact_digest ? { artifact_digest: deployment.artifact_digest } : {}),
    status: 'error',
    trigger,
    bundle: { name: evaluator.bundle.name, revision: evaluator.bundle.manifest.revision },
    deny: { critical: [finding], high: [], medium: [], low: [] },
    warn: { critical: [], high: [], medium: [], low: [] },
    waived: [],
  };
}
