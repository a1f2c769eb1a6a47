// Realistic decision records for the store tests, generated deterministically from a number
// so that a test can compute what each filter must find.
import type { BySeverity, Decision, Severity, Violation, WaivedViolation } from '../../src/engine/index.js';
import type { NewDecisionRecord } from '../../src/store/index.js';

export const APPLICATIONS = ['payments', 'ledger', 'search', 'checkout'] as const;
export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const RULES = ['DFW-VULN-001', 'DFW-GIT-001', 'DFW-SCAN-001', 'DFW-CHG-001', 'DFW-WF-002'] as const;
/** 2026-11-20T00:00:00Z: the generated decisions span the ten days after it. */
export const BASE_TIME_MS = Date.UTC(2026, 10, 20);

function violation(rule: string, severity: Severity): Violation {
  return {
    rule,
    title: `${rule} title`,
    severity,
    category: rule.split('-')[1]!.toLowerCase(),
    message: `${rule} was violated`,
    remediation: `fix ${rule}`,
    evidence: 'seen in the test',
  };
}

const emptyBySeverity = (): BySeverity => ({ critical: [], high: [], medium: [], low: [] });

export interface GeneratedDecision {
  record: NewDecisionRecord;
  /** The rule ids the record mentions anywhere (deny, warn or waived). */
  rules: string[];
}

/**
 * Decision number `i` of a test run. Every 7th shares its millisecond with the one before,
 * so pages must order ties by id; ids are random, so id order is not insertion order.
 */
export function generateDecision(i: number, prefix = 'run'): GeneratedDecision {
  const application = APPLICATIONS[i % APPLICATIONS.length]!;
  const environment = ENVIRONMENTS[Math.floor(i / 4) % ENVIRONMENTS.length]!;
  const step = i % 7 === 0 && i > 0 ? i - 1 : i;
  const timeMs = BASE_TIME_MS + step * 853_117; // about 10 days for 1,000 decisions
  const deny = emptyBySeverity();
  const warn = emptyBySeverity();
  const waived: WaivedViolation[] = [];
  const rules: string[] = [];
  if (i % 3 === 0) {
    deny.critical.push(violation(RULES[i % 5]!, 'critical'));
    rules.push(RULES[i % 5]!);
  }
  if (i % 5 === 1) {
    warn.medium.push(violation(RULES[(i + 2) % 5]!, 'medium'));
    rules.push(RULES[(i + 2) % 5]!);
  }
  if (i % 11 === 4) {
    const rule = RULES[(i + 3) % 5]!;
    waived.push({ ...violation(rule, 'high'), waiver_id: `waiver-${i}`, approved_by: 'security-lead', expires_at: '2027-01-01T00:00:00Z' });
    rules.push(rule);
  }
  const allow = deny.critical.length === 0;
  const decisionId = `${prefix}-${hash(i, prefix)}-${String(i).padStart(4, '0')}`;
  const time = new Date(timeMs).toISOString();
  const input = {
    request: { id: decisionId, time, time_ns: String(BigInt(timeMs) * 1_000_000n), application, service: `${application}-api`, environment, requested_by: 'spinnaker', via: 'api', extra: { webhook: { token: `tok-${i}` } } },
    artifact: { image: `registry.example.com/${application}/api:1.${i}.0`, digest: `sha256:${hash(i, 'digest').repeat(8)}` },
    evidence: { change_ticket: { id: `CHG${i}`, state: 'approved', approved_by: ['alice@example.com'] } },
  };
  const decision: Decision = {
    decision_id: decisionId,
    allow,
    environment,
    deny,
    warn,
    waived,
    bundle: { name: 'firewall', revision: 'rev-42' },
    evaluated_at: time,
    timing_ms: { collect: 1.5, evaluate: 0.25 },
  };
  return {
    rules: [...new Set(rules)],
    record: {
      decision_id: decisionId,
      time,
      application,
      service: `${application}-api`,
      environment,
      ...(i % 2 === 0 ? { artifact_digest: input.artifact.digest } : {}),
      allow,
      deny,
      warn,
      waived,
      bundle: decision.bundle,
      timing_ms: decision.timing_ms,
      caller: i % 2 ? 'spinnaker' : 'argocd',
      via: 'api',
      dry_run: i % 13 === 0,
      input,
      decision,
    },
  };
}

/** A short, well-mixed hex string: ids whose order differs from their number's. */
function hash(i: number, salt: string): string {
  let h = 2166136261;
  for (const c of `${salt}:${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The order the store lists in: newest first by time, then by id (bytewise). */
export function newestFirst(a: { time: string; decision_id: string }, b: { time: string; decision_id: string }): number {
  const byTime = Date.parse(b.time) - Date.parse(a.time);
  if (byTime !== 0) return byTime;
  return a.decision_id < b.decision_id ? 1 : a.decision_id > b.decision_id ? -1 : 0;
}
