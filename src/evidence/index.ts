// Report parsers: each tool's report text -> the normalized evidence rules read.
import { parseAttestation } from './attestation.js';
import { parseCycloneDxBom } from './cyclonedx.js';
import { parseJson } from './fields.js';
import { parseGrypeReport } from './grype.js';
import { parseSecurityReview } from './review.js';
import { parseSarifLog, type SarifOptions } from './sarif.js';
import { parseScorecardResult } from './scorecard.js';
import { parseSlsaProvenance } from './slsa.js';
import { parseSpdxDocument } from './spdx.js';
import { parseTrivyReport } from './trivy.js';
import { REPORT_KINDS, type ParsedEvidence, type ReportKind } from './types.js';

export interface ParseReportOptions {
  /** For SARIF: the commit the scan covered, when the log does not name one (see SarifOptions). */
  commit?: SarifOptions['commit'];
}

/**
 * Parses one report of the given kind into the evidence it contributes (a Trivy report may
 * give both vulnerabilities and container_scan). Throws ReportParseError, naming the format
 * and what is wrong (with line and column for broken JSON), for anything it cannot read.
 */
export function parseReport(kind: ReportKind, text: string, options: ParseReportOptions = {}): ParsedEvidence {
  if (!REPORT_KINDS.includes(kind)) throw new TypeError(`unknown report kind ${JSON.stringify(kind)}; expected one of ${REPORT_KINDS.join(', ')}`);
  const document = parseJson(kind, text);
  switch (kind) {
    case 'trivy':
      return parseTrivyReport(document);
    case 'grype':
      return parseGrypeReport(document);
    case 'sarif':
      return parseSarifLog(document, options);
    case 'cyclonedx':
      return parseCycloneDxBom(document);
    case 'spdx':
      return parseSpdxDocument(document);
    case 'slsa':
      return parseSlsaProvenance(document);
    case 'review':
      return parseSecurityReview(document);
    case 'scorecard':
      return parseScorecardResult(document);
    case 'attestation':
      return parseAttestation(document);
  }
}

export { licenseChoices } from './spdx-license.js';
export { findJsonSyntaxError } from './fields.js';
export { securitySeverityBand } from './severity.js';
export * from './types.js';
