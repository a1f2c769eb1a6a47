// What every output format reads from a decision: its violations flattened, in reporting order.
import { SEVERITIES, type Decision, type Severity, type Violation, type WaivedViolation } from '../../engine/types.js';

/** The deployment the decision is about, as the check request named it (the decision itself does not carry it). */
export interface DeploymentSubject {
  application?: string;
  environment?: string;
  image?: string;
  source?: { repository?: string; commit?: string };
}

export type Outcome = 'deny' | 'warn' | 'waived';

/** One violation and what the decision did with it; `severity` is the group it was reported under. */
export type Finding =
  | { outcome: 'deny' | 'warn'; severity: Severity; violation: Violation }
  | { outcome: 'waived'; severity: Severity; violation: WaivedViolation };

/**
 * deny by severity, then warn by severity, then waived. A decision fetched with --server is
 * only checked for `allow` and `deny` by the CLI, so absent groups read as empty.
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

// Messages carry text from scanners, registries and tickets: C0/C1 controls (ESC above all)
// would let that text drive a terminal or a log viewer, so they are replaced; tab, newline and
// carriage return stay (formats escape those in their own way).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function replaceControls(text: string): string {
  return text.replace(CONTROL, '\uFFFD');
}

/** The environment the decision names, else the one the request asked for. */
export function environmentOf(decision: Decision, request?: DeploymentSubject): string {
  return decision.environment || request?.environment || 'unknown environment';
}

/** The highest of the given severities (SEVERITIES is ordered from critical down). */
export function highestSeverity(severities: Iterable<Severity>): Severity | undefined {
  const present = new Set(severities);
  return SEVERITIES.find((severity) => present.has(severity));
}

/** Counts for headlines: blocking (deny), warnings, waived. */
export function countFindings(findings: readonly Finding[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { deny: 0, warn: 0, waived: 0 };
  for (const finding of findings) counts[finding.outcome]++;
  return counts;
}

/** "1 warning", "2 warnings". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
