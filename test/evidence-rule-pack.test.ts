// The evidence the rule pack of issue 16 reads, as dfw parses it from real reports: SPDX
// licence expressions into their alternatives (DFW-SBOM-002), OpenSSF Scorecard results
// (DFW-POSTURE-001) and Trivy publication dates (DFW-VULN-002), each judged by the real
// rules in the real Wasm bundle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import inputSchema from '../docs/input.schema.json' with { type: 'json' };
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import type { Decision, Evaluator } from '../src/engine/index.js';
import { licenseChoices, parseReport, ReportParseError } from '../src/evidence/index.js';
import { createStoreCollector } from '../src/collect/collectors/store.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { SHARED_FIXTURES } from './helpers/fixtures.js';
import { openAt, sqliteBackend } from './helpers/store-backends.js';
import { ROOT } from './helpers/opa.js';

const Ajv2020 = Ajv2020Import.default;
const addFormats = addFormatsImport.default;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(inputSchema);
const validateEvidence = ajv.compile({ $ref: `${inputSchema.$id}#/$defs/evidence` });

const NOW = new Date('2026-11-28T14:00:00Z');
/** Written in the documented shape of `scorecard --format json` (v5), for github.com/acme/payments. */
const SCORECARD = join(ROOT, 'test/fixtures/scorecard/payments-scorecard.json');

const Pack = suite<{ evaluator: Evaluator }>('evidence for the rule pack');

Pack.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'evidence-rule-pack' });
});

/** The compliant example with some evidence replaced, decided in production at NOW. */
async function decide(ctx: { evaluator: Evaluator }, evidence: Record<string, unknown>): Promise<Decision> {
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as { evidence: Record<string, unknown> };
  Object.assign(body.evidence, evidence);
  const input = await verifiedInput(parseCheckRequest(body), { id: 'evidence-rule-pack', via: 'cli' });
  return ctx.evaluator.evaluate(input, { now: NOW, decisionId: 'evidence-rule-pack' });
}

function rulesOf(decision: Decision): string[] {
  return [...new Set([...Object.values(decision.deny), ...Object.values(decision.warn)].flat().map((v) => v.rule))].sort();
}

Pack('an SPDX expression becomes its alternatives: OR offers a choice, AND requires both, WITH stays with its licence', () => {
  assert.equal(licenseChoices(['MIT OR GPL-3.0-only']), [['MIT'], ['GPL-3.0-only']]);
  assert.equal(licenseChoices(['MIT AND GPL-3.0-only']), [['MIT', 'GPL-3.0-only']]);
  assert.equal(licenseChoices(['(MIT OR Apache-2.0) AND BSD-3-Clause']), [['MIT', 'BSD-3-Clause'], ['Apache-2.0', 'BSD-3-Clause']]);
  // AND binds tighter than OR (SPDX 2.3 Annex D.4).
  assert.equal(licenseChoices(['MIT OR Apache-2.0 AND GPL-2.0-only']), [['MIT'], ['Apache-2.0', 'GPL-2.0-only']]);
  assert.equal(licenseChoices(['GPL-2.0-only WITH Classpath-exception-2.0 OR MIT']), [['GPL-2.0-only WITH Classpath-exception-2.0'], ['MIT']]);
  assert.equal(licenseChoices(['mit or apache-2.0']), [['mit'], ['apache-2.0']]);
  assert.equal(licenseChoices(['Apache License 2.0']), [['Apache', 'License', '2.0']]);
  assert.equal(licenseChoices([]), []);
});

Pack('several licences of one component all apply, and what cannot be parsed folds into one alternative', () => {
  assert.equal(licenseChoices(['MIT', 'Apache-2.0 OR GPL-3.0-only']), [['MIT', 'Apache-2.0'], ['MIT', 'GPL-3.0-only']]);
  // Unbalanced: every term in one alternative, so a banned one anywhere bans the component.
  assert.equal(licenseChoices(['(MIT OR AGPL-3.0-only']), [['MIT', 'AGPL-3.0-only']]);
  assert.equal(licenseChoices(['MIT OR']), [['MIT']]);
  // 2^7 alternatives would exceed the cap: folded into one.
  const wide = Array.from({ length: 7 }, (_, i) => `(A${i} OR B${i})`).join(' AND ');
  const folded = licenseChoices([wide]);
  assert.is(folded.length, 1);
  assert.is(folded[0]!.length, 14);
});

Pack('CycloneDX and SPDX SBOMs carry license_choices that validate against the input schema', () => {
  for (const [kind, file] of [['cyclonedx', 'sbom/trivy-conda.cdx.json'], ['spdx', 'sbom/trivy-conda.spdx.json']] as const) {
    const { sbom } = parseReport(kind, readFileSync(join(SHARED_FIXTURES, file), 'utf8'));
    const licensed = sbom!.components.filter((c) => c.licenses.length > 0);
    assert.ok(licensed.length > 0, `${file} has licensed components`);
    for (const c of licensed) assert.ok(Array.isArray(c.license_choices) && c.license_choices.length > 0, `${file}: ${c.name} has no license_choices`);
    assert.ok(validateEvidence({ sbom }), `${file}: ${ajv.errorsText(validateEvidence.errors)}`);
  }
});

Pack('DFW-SBOM-002 allows "MIT OR GPL-3.0-only" and denies "MIT AND GPL-3.0-only" parsed from a CycloneDX BOM', async (ctx) => {
  const bom = (expression: string) =>
    JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [{ type: 'library', name: 'dual', version: '1.0.0', purl: 'pkg:npm/dual@1.0.0', licenses: [{ expression }] }],
    });
  const either = await decide(ctx, parseReport('cyclonedx', bom('MIT OR GPL-3.0-only')));
  assert.equal(rulesOf(either), [], JSON.stringify(either.deny));
  const both = await decide(ctx, parseReport('cyclonedx', bom('MIT AND GPL-3.0-only')));
  assert.equal(rulesOf(both), ['DFW-SBOM-002']);
  assert.match(both.deny.high[0]!.message, 'dual 1.0.0');
  assert.match(both.deny.high[0]!.message, '(MIT AND GPL-3.0-only)');
});

Pack('a Scorecard result parses to scorecard evidence; DFW-POSTURE-001 denies its 6.4 and the checks below their minimums', async (ctx) => {
  const parsed = parseReport('scorecard', readFileSync(SCORECARD, 'utf8'));
  assert.equal(parsed.scorecard!.repository, 'github.com/acme/payments');
  assert.is(parsed.scorecard!.score, 6.4);
  assert.is(parsed.scorecard!.checks.find((c) => c.name === 'Branch-Protection')!.score, -1);
  assert.ok(validateEvidence(parsed), ajv.errorsText(validateEvidence.errors));
  const decision = await decide(ctx, parsed);
  assert.equal(rulesOf(decision), ['DFW-POSTURE-001']);
  const messages = decision.warn.medium.map((v) => v.message).sort();
  assert.equal(messages, [
    'github.com/acme/payments scores 0 on the Scorecard check Token-Permissions; at least 5 is required',
    'github.com/acme/payments scores 6.4 on OpenSSF Scorecard; at least 7 is required',
  ]);
});

Pack('a Scorecard result pushed for repository@commit reaches the input of a check of that commit through the store', async () => {
  const backend = sqliteBackend();
  const store = await openAt(backend.fresh());
  try {
    const raw = readFileSync(SCORECARD, 'utf8');
    const commit = '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e';
    await store.putReport({ kind: 'scorecard', subject: { repository: 'github.com/acme/payments', commit }, raw, normalized: parseReport('scorecard', raw), pushed_by: 'ci', received_at: NOW });
    const body = structuredClone(readExamples().get('compliant.allow.json')!) as { evidence: Record<string, unknown> };
    delete body.evidence.scorecard;
    const request = parseCheckRequest(body);
    const input = buildInput(request, { id: 'scorecard-store', via: 'api' });
    await new CollectorRunner([createStoreCollector(store)]).collect(request, input);
    assert.is((input.evidence as { scorecard?: { score: number } }).scorecard?.score, 6.4);
    // Another commit has no result: unknown, with the reason.
    const other = parseCheckRequest({ ...body, source: { repository: 'github.com/acme/payments', branch: 'main', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' } });
    const otherInput = buildInput(other, { id: 'scorecard-store-other', via: 'api' });
    await new CollectorRunner([createStoreCollector(store)]).collect(other, otherInput);
    assert.match(String((otherInput.unavailable as Record<string, string>).scorecard), 'no report with scorecard was pushed');
  } finally {
    await store.close();
    await backend.cleanup();
  }
});

Pack('a Scorecard result that is not one is refused, naming what is wrong', () => {
  const refused = (text: string): string => {
    try {
      parseReport('scorecard', text);
    } catch (err) {
      assert.instance(err, ReportParseError);
      return (err as Error).message;
    }
    assert.unreachable('parsed');
    return '';
  };
  assert.match(refused('{"score": 7}'), 'repo or checks is missing');
  assert.match(refused('{"repo": {"name": "github.com/acme/payments"}, "checks": [{"name": "Code-Review", "score": 11}]}'), "checks[0].score 11 is outside Scorecard's -1 to 10");
  assert.match(refused('{"repo": {}, "checks": []}'), 'repo.name must be a string');
  assert.match(refused(readFileSync(join(SHARED_FIXTURES, 'trivy/alpine-39-high-critical.json'), 'utf8')), 'push it as kind trivy');
});

Pack('Trivy publication dates reach DFW-VULN-002: a 2019 CVE with a fix, graded high, is past its 30-day SLA', async (ctx) => {
  const parsed = parseReport('trivy', readFileSync(join(SHARED_FIXTURES, 'trivy/alpine-39-high-critical.json'), 'utf8'));
  const findings = parsed.vulnerabilities!.findings;
  assert.ok(findings.length > 0 && findings.every((f) => f.published_at === '2019-08-06T16:15:00Z'), JSON.stringify(findings));
  assert.ok(validateEvidence({ vulnerabilities: parsed.vulnerabilities }), ajv.errorsText(validateEvidence.errors));
  // The fixture's findings are critical (DFW-VULN-001 blocks those at once, with no SLA in
  // the shipped data); graded high, the same finding is judged by its SLA.
  const high = { ...parsed.vulnerabilities!, findings: findings.map((f) => ({ ...f, severity: 'high' as const })) };
  const decision = await decide(ctx, { vulnerabilities: high });
  assert.equal(rulesOf(decision), ['DFW-VULN-002']);
  const deployed = 'registry.example.com/payments/api:1.5.0 (sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b)';
  assert.equal(decision.deny.high.map((v) => v.message).sort(), ['musl', 'musl-utils'].map(
    (pkg) => `CVE-2019-14697 (high) in ${pkg} 1.1.20-r4 of ${deployed} was published 2019-08-06T16:15:00Z and is fixed in 1.1.20-r5; the SLA for high is 30 days`,
  ));
  // Published three days before the request: inside the SLA.
  const recent = { ...high, findings: high.findings.map((f) => ({ ...f, published_at: '2026-11-25T14:00:00Z' })) };
  assert.equal(rulesOf(await decide(ctx, { vulnerabilities: recent })), []);
});

Pack.run();
