// What every output format reads from a decision: its violations flattened, in reporting order.
import { SEVERITIES, type Decision, type Severity } from '../../engine/types.js';

/** The deployment the decision is about, as the check request named it (the decision itself does not carry it). */
export interface DeploymentSubject {
  application?: string;
  environment?: string;
  image?: string;
  /** dockerfile and manifest: repository-relative paths the request names (SARIF points at them). */
  source?: { repository?: string; commit?: string; dockerfile?: string; manifest?: string };
}

export { listFindings, type Finding, type Outcome } from '../../engine/findings.js';
import type { Finding, Outcome } from '../../engine/findings.js';

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
