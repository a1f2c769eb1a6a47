// A verified attestation's predicate read as evidence by the parsers pushed reports go
// through: cosign vuln predicates holding real Trivy and Grype reports, CycloneDX and SPDX
// JSON documents (recorded tool output from ../shared/fixtures), through statementFact as
// every verifier completes a fact.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseReport } from '../src/evidence/index.js';
import { COSIGN_VULN_PREDICATE, CYCLONEDX_PREDICATE, readPredicateEvidence, SPDX_PREDICATE } from '../src/collect/trust/predicate-evidence.js';
import { statementFact } from '../src/collect/trust/statement.js';
import { SHARED_FIXTURES } from './helpers/fixtures.js';

const predicateEvidence = suite('predicate evidence');

const fixture = (...path: string[]) => readFileSync(join(SHARED_FIXTURES, ...path), 'utf8');
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The cosign vuln predicate `trivy --format cosign-vuln` writes around a report. */
function vulnPredicate(result: unknown, uri = 'pkg:github/aquasecurity/trivy@0.58.1') {
  return { invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' }, scanner: { uri, version: '', db: { uri: '', version: '' }, result }, metadata: { scanStartedOn: '2026-11-28T13:50:00Z', scanFinishedOn: '2026-11-28T13:51:00Z' } };
}

function statement(predicateType: string, predicate: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'registry.example.com/payments/api', digest: { sha256: DIGEST.slice(7) } }], predicateType, predicate }));
}

const BASE = { source: 'registry' as const, format: 'dsse' as const, location: 'registry.example.com/payments/api:sha256-abab.att layer 0', signer: { key: 'sha256:c212' } };

predicateEvidence('a vuln predicate holding a Trivy report gives what the trivy parser gives', () => {
  const text = fixture('trivy', 'alpine-39-high-critical.json');
  const read = readPredicateEvidence(COSIGN_VULN_PREDICATE, vulnPredicate(JSON.parse(text)));
  assert.equal(read, { evidence: parseReport('trivy', text) });
  assert.ok(parseReport('trivy', text).vulnerabilities!.findings.some((f) => f.severity === 'critical'));
});

predicateEvidence('a vuln predicate holding a Grype report gives what the grype parser gives', () => {
  const text = fixture('grype', 'grype-image-matches.json');
  const read = readPredicateEvidence(COSIGN_VULN_PREDICATE, vulnPredicate(JSON.parse(text), 'pkg:github/anchore/grype'));
  assert.equal(read, { evidence: parseReport('grype', text) });
});

predicateEvidence('CycloneDX and SPDX predicates give what the cyclonedx and spdx parsers give', () => {
  const cdx = fixture('sbom', 'trivy-conda.cdx.json');
  assert.equal(readPredicateEvidence(CYCLONEDX_PREDICATE, JSON.parse(cdx)), { evidence: parseReport('cyclonedx', cdx) });
  const spdx = fixture('sbom', 'trivy-conda.spdx.json');
  assert.equal(readPredicateEvidence(SPDX_PREDICATE, JSON.parse(spdx)), { evidence: parseReport('spdx', spdx) });
});

predicateEvidence('a predicate that cannot be read says why, naming the predicate type', () => {
  assert.equal(readPredicateEvidence(COSIGN_VULN_PREDICATE, vulnPredicate(null)), {
    evidence_reason: `the signed ${COSIGN_VULN_PREDICATE} predicate cannot be read as evidence: the vuln predicate carries no scanner.result (give cosign a cosign-vuln predicate, such as trivy --format cosign-vuln writes, not the bare report)`,
  });
  const snyk = readPredicateEvidence(COSIGN_VULN_PREDICATE, vulnPredicate({ vulnerabilities: [] }, 'pkg:github/snyk/cli'));
  assert.match((snyk as { evidence_reason: string }).evidence_reason, 'scanner.result (from pkg:github/snyk/cli) is neither a Trivy nor a Grype JSON report');
  const broken = readPredicateEvidence(CYCLONEDX_PREDICATE, { bomFormat: 'CycloneDX', specVersion: '9.9' });
  assert.match((broken as { evidence_reason: string }).evidence_reason, 'specVersion "9.9" is not supported');
  assert.is(readPredicateEvidence('https://example.com/custom/v1', {}), undefined);
});

predicateEvidence('statementFact puts the evidence on a verified fact over the deployed digest, never on one over another digest', () => {
  const report = JSON.parse(fixture('trivy', 'alpine-39-high-critical.json'));
  const payload = statement(COSIGN_VULN_PREDICATE, vulnPredicate(report));
  const fact = statementFact(BASE, payload, DIGEST);
  assert.is(fact.verified, true);
  assert.equal(fact.evidence, parseReport('trivy', JSON.stringify(report)));
  const other = statementFact(BASE, payload, `sha256:${'cd'.repeat(32)}`);
  assert.is(other.verified, false);
  assert.is(other.evidence, undefined);
  assert.is(other.evidence_reason, undefined);
});

predicateEvidence.run();
