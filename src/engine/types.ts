// The public contracts of DESIGN.md as types: violations, decisions, the input document.

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Violation {
  rule: string;
  title: string;
  severity: Severity;
  category: string;
  message: string;
  remediation: string;
  evidence: string;
  /**
   * Compliance controls the rule serves, "<FRAMEWORK>:<control>" (e.g. "SOC2:CC8.1"), from
   * its METADATA custom.controls. Absent in decisions logged before rules carried them.
   */
  controls?: string[];
}

export interface WaivedViolation extends Violation {
  waiver_id: string;
  approved_by: string;
  expires_at: string;
}

export type BySeverity = Record<Severity, Violation[]>;

/** What the policy itself returns at firewall/decision. */
export interface PolicyDecision {
  allow: boolean;
  environment: string;
  deny: BySeverity;
  warn: BySeverity;
  waived: WaivedViolation[];
}

/** The decision dfw answers with: the policy's, plus what the evaluator knows. */
export interface Decision extends PolicyDecision {
  decision_id: string;
  bundle: { name: string; revision: string };
  evaluated_at: string;
  timing_ms: Record<string, number>;
  /** Where each piece of evidence came from (collectors arrive in a later issue). */
  evidence_sources?: Record<string, string>;
}

/** The input document rules read (DESIGN.md); only what the engine itself touches is typed. */
export interface InputDocument {
  request?: { time?: string; time_ns?: number | string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * input.verification_summary: a dfw verification summary whose signature, digest, repository
 * and environment the admission webhook verified (src/collect/trust/verification-summary.ts).
 * The policy decides whether it vouches (rego/firewall/lib/verification_summary.rego).
 */
export interface VerifiedSummary {
  verified: true;
  decision_id: string;
  environment: string;
  /** RFC 3339: when the summarized decision was made. */
  time_verified: string;
  /** The bundle that made the decision; the summary vouches only under the same one. */
  bundle: { name: string; revision: string };
  /** Where the summary was read. */
  location: string;
}
