// A decision's violations flattened, in reporting order: what the output formats and the
// metrics read, so they agree on what a decision contained.
import { SEVERITIES, type Decision, type Severity, type Violation, type WaivedViolation } from './types.js';

export type Outcome = 'deny' | 'warn' | 'waived';

/** One violation and what the decision did with it; `severity` is the group it was reported under. */
export type Finding =
  | { outcome: 'deny' | 'warn'; severity: Severity; violation: Violation }
  | { outcome: 'waived'; severity: Severity; violation: WaivedViolation };

/**
 * deny by severity, then warn by severity, then waived. A decision fetched from a server
 * (dfw check --server) is only checked for `allow` and `deny`, so absent groups read as empty.
 */
export function listFindings(decision: Decision): Finding[] {
  const findings: Finding[] = [];
  for (const outcome of ['deny', 'warn'] as const) {
    for (const severity of SEVERITIES) {
      for (const violation of decision[outcome]?.[severity] ?? []) findings.push({ outcome, severity, violation });
    }
  }
  for (const violation of decision.waived ?? []) findings.push({ outcome: 'waived', severity: violation.severity, violation });
  return findings;
}
