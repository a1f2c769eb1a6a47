// A verified attestation's predicate read as evidence, through the same parsers a pushed
// report of that kind goes through, so that where an environment requires a kind verified
// the rules judge what was signed (rego/firewall/lib/verified_evidence.rego), in the shape
// they already read. Web-standard: the edge runtime's inline verifier completes facts too.
import { parseCycloneDxBom } from '../../evidence/cyclonedx.js';
import { guessReportKind, isObject } from '../../evidence/fields.js';
import { parseGrypeReport } from '../../evidence/grype.js';
import { parseSpdxDocument } from '../../evidence/spdx.js';
import { parseTrivyReport } from '../../evidence/trivy.js';
import { SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1 } from '../../evidence/slsa.js';
import type { EvidenceKind, ParsedEvidence } from '../../evidence/types.js';

/** cosign's vulnerability predicate (`cosign attest --type vuln`; `trivy --format cosign-vuln` writes it). */
export const COSIGN_VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';
/** `cosign attest --type cyclonedx`: the predicate is the CycloneDX JSON BOM. */
export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';
/** `cosign attest --type spdxjson`: the predicate is the SPDX JSON document. */
export const SPDX_PREDICATE = 'https://spdx.dev/Document';

/** What a verified fact gains: the evidence read, or why there is none (the fact stays verified). */
export type PredicateEvidence = { evidence: ParsedEvidence } | { evidence_reason: string };

// cosign's CosignVulnPredicate: {invocation, scanner: {uri, version, db, result}, metadata}.
// scanner.result is the scanner's own report; cosign leaves it null when the file given to
// --predicate was the bare report rather than the predicate (cosign unmarshals the file into
// the predicate struct), which is worth saying plainly.
function vulnerabilityEvidence(predicate: unknown): ParsedEvidence {
  const scanner = isObject(predicate) && isObject(predicate.scanner) ? predicate.scanner : undefined;
  if (!scanner) throw new Error('the vuln predicate has no scanner object');
  const result = scanner.result;
  if (result === null || result === undefined) {
    throw new Error('the vuln predicate carries no scanner.result (give cosign a cosign-vuln predicate, such as trivy --format cosign-vuln writes, not the bare report)');
  }
  switch (guessReportKind(result)) {
    case 'trivy':
      return parseTrivyReport(result);
    case 'grype':
      return parseGrypeReport(result);
    default:
      throw new Error(`scanner.result${typeof scanner.uri === 'string' && scanner.uri ? ` (from ${scanner.uri})` : ''} is neither a Trivy nor a Grype JSON report`);
  }
}

const READERS: Record<string, (predicate: unknown) => ParsedEvidence> = {
  [COSIGN_VULN_PREDICATE]: vulnerabilityEvidence,
  [CYCLONEDX_PREDICATE]: parseCycloneDxBom,
  [SPDX_PREDICATE]: parseSpdxDocument,
};

/**
 * The evidence kinds dfw reads from an attestation of each predicate type: the only kinds an
 * environment can require signed (DFW-SIGN-002), each through a type listed here.
 */
export const PREDICATE_KINDS: Readonly<Record<string, readonly EvidenceKind[]>> = {
  [COSIGN_VULN_PREDICATE]: ['vulnerabilities', 'container_scan'],
  [CYCLONEDX_PREDICATE]: ['sbom'],
  [SPDX_PREDICATE]: ['sbom'],
  [SLSA_PROVENANCE_V02]: ['provenance'],
  [SLSA_PROVENANCE_V1]: ['provenance'],
};

/**
 * The evidence a verified predicate of a known type holds, or why it cannot be read;
 * undefined for predicate types dfw reads no evidence from (SLSA provenance has its own
 * field, statement.ts). Never throws: a signed report that cannot be read is evidence of
 * nothing, and the rules say so.
 */
export function readPredicateEvidence(predicateType: string, predicate: unknown): PredicateEvidence | undefined {
  const read = READERS[predicateType];
  if (!read) return undefined;
  try {
    return { evidence: read(predicate) };
  } catch (err) {
    return { evidence_reason: `the signed ${predicateType} predicate cannot be read as evidence: ${(err as Error)?.message ?? String(err)}` };
  }
}
