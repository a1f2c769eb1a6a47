// Normalized evidence (the input document's `evidence`, DESIGN.md) and the report kinds
// CI pushes. Parsers turn each tool's format into these shapes.
import type { Severity } from '../engine/index.js';
import { InvalidInputError } from '../shared/errors.js';

export type EvidenceKind =
  | 'branch_protection'
  | 'workflows'
  | 'code_scanning'
  | 'vulnerabilities'
  | 'container_scan'
  | 'registry'
  | 'runtime'
  | 'change_ticket'
  | 'security_review'
  | 'provenance'
  | 'sbom'
  | 'signatures'
  | 'attestations'
  | 'scorecard'
  | 'repository'
  | 'dependabot_alerts'
  | 'pull_request'
  | 'promotion'
  | 'workload';

export const EVIDENCE_KINDS: readonly EvidenceKind[] = [
  'branch_protection', 'workflows', 'code_scanning', 'vulnerabilities', 'container_scan',
  'registry', 'runtime', 'change_ticket', 'security_review', 'provenance', 'sbom',
  'signatures', 'attestations', 'scorecard', 'repository', 'dependabot_alerts', 'pull_request',
  'promotion', 'workload',
];

/** What `dfw evidence push --kind` and POST /v1/evidence accept. */
export type ReportKind = 'trivy' | 'grype' | 'sarif' | 'cyclonedx' | 'spdx' | 'slsa' | 'review' | 'attestation' | 'scorecard';
/** `attestation` (a DSSE envelope or Sigstore bundle) is verified when a check reads it, not when it is pushed. */
export const REPORT_KINDS: readonly ReportKind[] = ['trivy', 'grype', 'sarif', 'cyclonedx', 'spdx', 'slsa', 'review', 'attestation', 'scorecard'];

export interface VulnerabilityFinding {
  id: string;
  severity: Severity;
  package: string;
  installed_version: string;
  fixed_version?: string;
  title?: string;
  /** When the vulnerability was published (RFC 3339), for remediation SLAs. */
  published_at?: string;
}

export interface Vulnerabilities {
  tool: string;
  scanned_at?: string;
  findings: VulnerabilityFinding[];
}

export interface ContainerScan {
  tool: string;
  scanned_at?: string;
  findings: Array<{ id: string; severity: Severity; title: string; type?: 'misconfiguration' | 'secret'; location?: string }>;
}

export interface CodeScanning {
  tool: string;
  completed_at?: string;
  commit?: string;
  /** location is "uri:line" (or just the uri); absent when the result names no file. */
  findings: Array<{ rule: string; severity: Severity; location?: string; message?: string; suppressed?: boolean }>;
}

export interface Sbom {
  format: 'cyclonedx' | 'spdx';
  spec_version: string;
  components: Array<{
    name: string;
    version?: string;
    purl?: string;
    /** As the document wrote them: SPDX identifiers, expressions or free text. */
    licenses: string[];
    /** The licences as alternatives, each a list of terms that all apply (spdx-license.ts); absent when there are none. */
    license_choices?: string[][];
  }>;
}

/** An OpenSSF Scorecard result. Scores run 0-10; -1 is a check that could not run. */
export interface Scorecard {
  tool: string;
  version?: string;
  date?: string;
  repository: string;
  commit?: string;
  score?: number;
  checks: Array<{ name: string; score: number; reason?: string }>;
}

export interface Provenance {
  predicate_type: string;
  builder_id: string;
  /** repository as host/path (github.com/acme/payments), as source.repository is written. */
  source?: { repository?: string; commit?: string; ref?: string };
  subjects: Array<{ name: string; digest: string }>;
  /** True only when read from an attestation whose signature dfw verified (src/collect/trust). */
  verified: boolean;
  /** Why it is not verified: pushed as --kind slsa, dfw does not check signatures. */
  unverified_reason?: string;
}

export interface SecurityReview {
  state: string;
  reviewer?: string;
  completed_at?: string;
  /** What was reviewed (an application, repository or digest), as the review names it. */
  subject?: string;
}

/** The evidence one report contributes, by kind (a Trivy report gives two kinds). */
export type ParsedEvidence = Partial<{
  vulnerabilities: Vulnerabilities;
  container_scan: ContainerScan;
  code_scanning: CodeScanning;
  sbom: Sbom;
  provenance: Provenance;
  security_review: SecurityReview;
  scorecard: Scorecard;
}>;

/** A report that cannot be read: names the format and what is wrong. */
export class ReportParseError extends InvalidInputError {
  override name = 'ReportParseError';
  constructor(readonly format: ReportKind, message: string, options: { cause?: unknown } = {}) {
    super('invalid_report', `${format} report: ${message}`, undefined, options);
  }
}
