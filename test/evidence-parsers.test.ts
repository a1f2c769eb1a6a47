// Report parsers against the real sample reports in ../shared/fixtures: each parses to the
// expected normalized evidence, that evidence validates against the input schema and is
// read by the real rules, and broken reports are refused with messages that say what is wrong.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import inputSchema from '../docs/input.schema.json' with { type: 'json' };
import {
  ReportParseError,
  findJsonSyntaxError,
  parseReport,
  securitySeverityBand,
  type ParsedEvidence,
  type ReportKind,
} from '../src/evidence/index.js';
import { buildInput, type CheckRequest } from '../src/collect/check-request.js';
import type { Decision, Evaluator, Violation } from '../src/engine/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { SHARED_FIXTURES } from './helpers/fixtures.js';

const Ajv2020 = Ajv2020Import.default;
const addFormats = addFormatsImport.default;

const FIXTURES = SHARED_FIXTURES;
const COMMIT = '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(inputSchema);
const validateEvidence = ajv.compile({ $ref: `${inputSchema.$id}#/$defs/evidence` });

function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

function fixtureJson(path: string): any {
  return JSON.parse(fixture(path));
}

/** Parses and checks the result against the input schema's $defs/evidence. */
function parse(kind: ReportKind, text: string, options?: { commit?: string }): ParsedEvidence {
  const evidence = parseReport(kind, text, options);
  if (!validateEvidence(evidence)) assert.unreachable(`${kind} evidence does not validate: ${ajv.errorsText(validateEvidence.errors)}`);
  return evidence;
}

/** Asserts that parsing throws a ReportParseError for `kind` whose message matches. */
function assertRefused(kind: ReportKind, text: string, message: RegExp): ReportParseError {
  let error: unknown;
  try {
    parseReport(kind, text);
  } catch (err) {
    error = err;
  }
  if (error === undefined) assert.unreachable(`${kind} report was accepted; expected ${message}`);
  if (!(error instanceof ReportParseError)) throw error;
  assert.is(error.format, kind);
  assert.ok(error.message.startsWith(`${kind} report: `), error.message);
  assert.match(error.message, message);
  return error;
}

/** A copy of a fixture's JSON, changed by `edit`, as text. */
function variant(path: string, edit: (doc: any) => void): string {
  const doc = fixtureJson(path);
  edit(doc);
  return JSON.stringify(doc);
}

const evidenceParsers = suite<{ evaluator?: Evaluator }>('evidence-parsers');

// --- Trivy -------------------------------------------------------------------------------

evidenceParsers('Trivy alpine-39 image scan gives both critical musl CVEs with their fixed version', () => {
  const evidence = parse('trivy', fixture('trivy/alpine-39-high-critical.json'));
  assert.equal(Object.keys(evidence), ['vulnerabilities']);
  assert.equal(evidence.vulnerabilities, {
    tool: 'Trivy',
    findings: [
      { id: 'CVE-2019-14697', severity: 'critical', package: 'musl', installed_version: '1.1.20-r4', fixed_version: '1.1.20-r5', published_at: '2019-08-06T16:15:00Z' },
      { id: 'CVE-2019-14697', severity: 'critical', package: 'musl-utils', installed_version: '1.1.20-r4', fixed_version: '1.1.20-r5', published_at: '2019-08-06T16:15:00Z' },
    ],
  });
});

evidenceParsers('Trivy Dockerfile scan gives DS002 high as a container finding and no vulnerability evidence', () => {
  const evidence = parse('trivy', fixture('trivy/dockerfile-misconfig.json'));
  assert.equal(evidence, {
    container_scan: {
      tool: 'Trivy',
      scanned_at: '2021-08-25T12:20:30.000000005Z',
      findings: [{ id: 'DS002', severity: 'high', title: "Image user should not be 'root'", type: 'misconfiguration', location: 'Dockerfile' }],
    },
  });
});

evidenceParsers('Trivy npm lock-file scan gives the medium jquery CVE with its title and scan time', () => {
  const { vulnerabilities } = parse('trivy', fixture('trivy/npm-lang-pkgs.json'));
  assert.is(vulnerabilities?.scanned_at, '2021-08-25T12:20:30.000000005Z');
  assert.equal(vulnerabilities?.findings, [
    {
      id: 'CVE-2019-11358',
      severity: 'medium',
      package: 'jquery',
      installed_version: '3.3.9',
      fixed_version: '3.4.0',
      title: "jquery: Prototype pollution in object's prototype leading to denial of service, remote code execution, or property injection",
      published_at: '2019-04-20T00:29:00Z',
    },
  ]);
});

evidenceParsers('Trivy UNKNOWN maps to high, passed checks are dropped and secrets carry their line', () => {
  const text = variant('trivy/dockerfile-misconfig.json', (doc) => {
    const result = doc.Results[0];
    result.Misconfigurations[0].Severity = 'UNKNOWN';
    result.Misconfigurations[0].CauseMetadata.StartLine = 3;
    result.Misconfigurations.push({ ...result.Misconfigurations[0], ID: 'DS001', Status: 'PASS' });
    doc.Results.push({
      Target: 'app/config.py',
      Class: 'secret',
      Secrets: [{ RuleID: 'aws-access-key-id', Category: 'AWS', Severity: 'CRITICAL', Title: 'AWS Access Key ID', StartLine: 12 }],
    });
  });
  assert.equal(parse('trivy', text).container_scan?.findings, [
    { id: 'DS002', severity: 'high', title: "Image user should not be 'root'", type: 'misconfiguration', location: 'Dockerfile:3' },
    { id: 'aws-access-key-id', severity: 'critical', title: 'AWS Access Key ID', type: 'secret', location: 'app/config.py:12' },
  ]);
});

evidenceParsers('a clean Trivy image scan is an empty findings list, not missing evidence', () => {
  const text = variant('trivy/alpine-39-high-critical.json', (doc) => delete doc.Results[0].Vulnerabilities);
  assert.equal(parse('trivy', text), { vulnerabilities: { tool: 'Trivy', findings: [] } });
});

// --- Grype -------------------------------------------------------------------------------

evidenceParsers('Grype image snapshot gives Low and Critical, fixed version only when the fix state is fixed', () => {
  const evidence = parse('grype', fixture('grype/grype-image-matches.json'));
  assert.equal(evidence, {
    vulnerabilities: {
      tool: 'Grype',
      findings: [
        { id: 'CVE-1999-0001', severity: 'low', package: 'package-1', installed_version: '1.1.1', fixed_version: '1.2.1' },
        { id: 'CVE-1999-0002', severity: 'critical', package: 'package-2', installed_version: '2.2.2' },
      ],
    },
  });
});

evidenceParsers('Grype 0.32 real image scan gives libcurl CVE-2021-22946 high, fixed in 7.79.0-r0', () => {
  const { vulnerabilities } = parse('grype', fixture('grype/grype-0.32-real-image-alpine.json'));
  assert.is(vulnerabilities?.tool, 'Grype 0.32.0');
  assert.equal(vulnerabilities?.findings, [
    { id: 'CVE-2021-22946', severity: 'high', package: 'libcurl', installed_version: '7.67.0-r3', fixed_version: '7.79.0-r0' },
  ]);
});

evidenceParsers('Grype empty scan is a clean scan: an empty findings list', () => {
  assert.equal(parse('grype', fixture('grype/grype-empty.json')), { vulnerabilities: { tool: 'Grype', findings: [] } });
});

evidenceParsers('Grype Negligible maps to low, Unknown to high, and the descriptor timestamp is the scan time', () => {
  const text = variant('grype/grype-image-matches.json', (doc) => {
    doc.matches[0].vulnerability.severity = 'Negligible';
    doc.matches[1].vulnerability.severity = 'Unknown';
    doc.descriptor.timestamp = '2024-05-01T10:00:00.123456+02:00';
  });
  const { vulnerabilities } = parse('grype', text);
  assert.equal(vulnerabilities?.findings.map((f) => f.severity), ['low', 'high']);
  assert.is(vulnerabilities?.scanned_at, '2024-05-01T10:00:00.123456+02:00');
});

// --- SARIF -------------------------------------------------------------------------------

evidenceParsers('Trivy SARIF gives 4 medium findings from security-severity 5.3, located at uri:line', () => {
  const { code_scanning } = parse('sarif', fixture('sarif/trivy-alpine-310.sarif.json'), { commit: COMMIT });
  assert.is(code_scanning?.tool, 'Trivy');
  assert.is(code_scanning?.commit, COMMIT);
  assert.is(code_scanning?.findings.length, 4);
  assert.equal(code_scanning?.findings.map((f) => [f.rule, f.severity]), [
    ['CVE-2019-1549', 'medium'],
    ['CVE-2019-1551', 'medium'],
    ['CVE-2019-1549', 'medium'],
    ['CVE-2019-1551', 'medium'],
  ]);
  assert.is(code_scanning?.findings[0]?.location, 'testdata/fixtures/images/alpine-310.tar.gz:1');
  assert.match(code_scanning?.findings[0]?.message ?? '', /^Package: libcrypto1\.1\n/);
});

evidenceParsers('SARIF security-severity wins over the level, in GitHub bands', () => {
  const scored = (score: string) =>
    parse(
      'sarif',
      variant('sarif/trivy-alpine-310.sarif.json', (doc) => {
        doc.runs[0].tool.driver.rules[0].properties['security-severity'] = score;
      }),
      { commit: COMMIT },
    ).code_scanning?.findings[0]?.severity;
  assert.is(scored('9.8'), 'critical');
  assert.is(scored('9.0'), 'critical');
  assert.is(scored('8.9'), 'high');
  assert.is(scored('7.0'), 'high');
  assert.is(scored('4.0'), 'medium');
  assert.is(scored('0.1'), 'low');
  assert.is(scored('0.0'), 'medium', 'a score of 0 rates nothing: the result level (warning) decides');
  assert.equal([10, 9, 6.9, 3.9, 0].map(securitySeverityBand), ['critical', 'critical', 'medium', 'low', undefined]);
});

evidenceParsers('GitHub docs SARIF: levels from the result, the rule default (by index or id) or "warning"', () => {
  const { code_scanning } = parse('sarif', fixture('sarif/github-docs-all-supported-properties.sarif.json'), { commit: COMMIT });
  assert.is(code_scanning?.tool, 'Tool Name');
  assert.equal(code_scanning?.findings, [
    { rule: '3f292041e51d22005ce48f39df3585d44ce1b0ad', severity: 'low', location: 'main.js:2', message: 'Unused variable foo.' },
    {
      rule: 'd5b664aefd5ca4b21b52fdc1d744d7d6ab6886d0',
      severity: 'medium',
      location: 'src/promises.js:2',
      message: 'Function resolvingPromise is sometimes invoked as a constructor (for example [here](1)), and sometimes as a normal function (for example [here](2)).',
    },
    { rule: 'R01', severity: 'high', location: 'full.sarif:54', message: 'Specifying both [ruleIndex](1) and [ruleID](2) might lead to inconsistencies.' },
  ]);
});

evidenceParsers('Semgrep SARIF: results without a level take the rule default error, so high', () => {
  const { code_scanning } = parse('sarif', fixture('sarif/semgrep-cwe-tag.sarif.json'), { commit: COMMIT });
  assert.is(code_scanning?.tool, 'Semgrep OSS');
  assert.equal(code_scanning?.findings.map((f) => [f.rule, f.severity, f.location]), [
    ['rules.rule-with-cwe-tag', 'high', 'targets/basic/stupid.py:3'],
    ['rules.rule-with-cwe-tag', 'high', 'targets/basic/stupid.py:3'],
  ]);
});

evidenceParsers('CodeQL multi-run SARIF names both tools and gives 3 low findings (rule default note)', () => {
  const { code_scanning } = parse('sarif', fixture('sarif/codeql-action-valid-multi-run.sarif.json'), { commit: COMMIT });
  assert.is(code_scanning?.tool, 'LGTM.com + CodeQL command-line toolchain');
  assert.is(code_scanning?.findings.length, 3);
  assert.ok(code_scanning?.findings.every((f) => f.severity === 'low'));
  assert.equal(code_scanning?.findings[2], {
    rule: 'js/inconsistent-use-of-new',
    severity: 'low',
    location: 'src/promiseUtils.js:2',
    message: 'Function resolvingPromise is sometimes invoked as a constructor (for example [here](1)), and sometimes as a normal function (for example [here](2)).',
  });
});

evidenceParsers('SARIF commit and completion time come from versionControlProvenance and invocations', () => {
  const text = variant('sarif/semgrep-cwe-tag.sarif.json', (doc) => {
    doc.runs[0].invocations[0].endTimeUtc = '2026-11-27T18:02:11Z';
    doc.runs[0].versionControlProvenance = [{ repositoryUri: 'https://github.com/acme/payments', revisionId: COMMIT }];
  });
  const { code_scanning } = parse('sarif', text);
  assert.is(code_scanning?.commit, COMMIT);
  assert.is(code_scanning?.completed_at, '2026-11-27T18:02:11Z');
  assert.is(parse('sarif', text, { commit: COMMIT }).code_scanning?.commit, COMMIT);
});

evidenceParsers('a SARIF log without a commit gives none, and the input schema then requires one', () => {
  const evidence = parseReport('sarif', fixture('sarif/semgrep-cwe-tag.sarif.json'));
  assert.is(evidence.code_scanning?.commit, undefined);
  assert.is(validateEvidence(evidence), false);
  assert.equal(validateEvidence.errors?.map((e) => e.params), [{ missingProperty: 'commit' }]);
});

evidenceParsers('SARIF rules in extensions, suppressed results and passing results', () => {
  const text = variant('sarif/codeql-action-valid-multi-run.sarif.json', (doc) => {
    const run = doc.runs[1];
    run.tool.extensions = [{ name: 'codeql/javascript-queries', rules: [{ id: 'js/sql-injection', properties: { 'security-severity': '8.8' } }] }];
    run.results.push(
      { rule: { id: 'js/sql-injection', index: 0, toolComponent: { index: 0 } }, message: { text: 'SQL built from user input.' }, locations: [{ physicalLocation: { artifactLocation: { index: 3 }, region: { startLine: 42 } } }] },
      { ruleId: 'js/unused-local-variable', kind: 'pass', message: { text: 'ok' } },
      { ruleId: 'js/unused-local-variable', baselineState: 'absent', message: { text: 'fixed' } },
      { ruleId: 'js/unused-local-variable', suppressions: [{ kind: 'inSource' }], message: { text: 'suppressed' } },
      { ruleId: 'js/unused-local-variable', suppressions: [{ kind: 'external', status: 'underReview' }], message: { text: 'under review' } },
    );
  });
  const findings = parse('sarif', text, { commit: COMMIT }).code_scanning?.findings ?? [];
  assert.equal(findings.slice(3), [
    { rule: 'js/sql-injection', severity: 'high', location: 'src/ParseObject.js:42', message: 'SQL built from user input.' },
    { rule: 'js/unused-local-variable', severity: 'low', message: 'suppressed', suppressed: true },
    { rule: 'js/unused-local-variable', severity: 'low', message: 'under review' },
  ]);
});

// --- SBOMs -------------------------------------------------------------------------------

evidenceParsers('CycloneDX 1.6 from Trivy gives openssl and pip with purls and licenses', () => {
  assert.equal(parse('cyclonedx', fixture('sbom/trivy-conda.cdx.json')), {
    sbom: {
      format: 'cyclonedx',
      spec_version: '1.6',
      components: [
        { name: 'openssl', version: '1.1.1q', purl: 'pkg:conda/openssl@1.1.1q', licenses: ['OpenSSL'], license_choices: [['OpenSSL']] },
        { name: 'pip', version: '22.2.2', purl: 'pkg:conda/pip@22.2.2', licenses: ['MIT'], license_choices: [['MIT']] },
      ],
    },
  });
});

evidenceParsers('CycloneDX 1.4 VEX without components gives an empty component list', () => {
  assert.equal(parse('cyclonedx', fixture('sbom/cyclonedx-1.4-vex-affected-log4shell.json')), {
    sbom: { format: 'cyclonedx', spec_version: '1.4', components: [] },
  });
});

evidenceParsers('CycloneDX nested components are flattened; license ids, names and expressions are kept', () => {
  const text = variant('sbom/trivy-conda.cdx.json', (doc) => {
    doc.components[0].licenses = [{ license: { id: 'Apache-2.0' } }, { expression: 'MIT OR BSD-3-Clause' }];
    doc.components[0].components = [{ type: 'library', name: 'libcrypto', version: '1.1.1q', components: [{ type: 'file', name: 'libcrypto.so.1.1' }] }];
  });
  const { sbom } = parse('cyclonedx', text);
  assert.equal(sbom?.components.map((c) => c.name), ['openssl', 'libcrypto', 'libcrypto.so.1.1', 'pip']);
  assert.equal(sbom?.components[0]?.licenses, ['Apache-2.0', 'MIT OR BSD-3-Clause']);
});

evidenceParsers('SPDX 2.2 from Trivy gives its packages without the described root, with purls and licenses', () => {
  const { sbom } = parse('spdx', fixture('sbom/trivy-conda.spdx.json'));
  assert.is(sbom?.format, 'spdx');
  assert.is(sbom?.spec_version, '2.2');
  assert.is(sbom?.components.length, 3);
  assert.equal(sbom?.components, [
    { name: 'conda-pkg', licenses: [] },
    { name: 'openssl', version: '1.1.1q', purl: 'pkg:conda/openssl@1.1.1q', licenses: ['OpenSSL'], license_choices: [['OpenSSL']] },
    { name: 'pip', version: '22.2.2', purl: 'pkg:conda/pip@22.2.2', licenses: ['MIT'], license_choices: [['MIT']] },
  ]);
});

evidenceParsers('SPDX 2.3 NOASSERTION and NONE are not licenses; concluded and declared are merged', () => {
  const text = variant('sbom/trivy-conda.spdx.json', (doc) => {
    doc.spdxVersion = 'SPDX-2.3';
    doc.packages[2].licenseConcluded = 'NOASSERTION';
    doc.packages[3].licenseConcluded = 'Apache-2.0';
    doc.packages[0].licenseDeclared = 'NONE';
  });
  const { sbom } = parse('spdx', text);
  assert.is(sbom?.spec_version, '2.3');
  assert.equal(sbom?.components.map((c) => c.licenses), [[], ['OpenSSL'], ['Apache-2.0', 'MIT']]);
});

// --- Provenance ----------------------------------------------------------------------------

evidenceParsers('SLSA v0.2 statement (Azure kubectl) gives the builder, the source material and 11 subjects', () => {
  const { provenance } = parse('slsa', fixture('provenance/slsa-provenance-v0.2-statement-kubectl-azure.json'));
  assert.is(provenance?.predicate_type, 'https://slsa.dev/provenance/v0.2');
  assert.is(provenance?.builder_id, 'Project Collection Build Service (AzureContainerUpstream)');
  assert.equal(provenance?.source, { repository: 'github.com/kubernetes/kubernetes', commit: '8dc49c4b984b897d423aab4971090e1879eb4f23' });
  assert.is(provenance?.subjects.length, 11);
  assert.equal(provenance?.subjects[0], {
    name: '/mnt/vss/_work/1/a/release-tars/client/darwin/amd64/kubectl',
    digest: 'sha256:8202add66a93bcb7219ed7bb16438caf82a80c60348cace2381c678b99d65638',
  });
});

const SLSA_V1_PROVENANCE = {
  predicate_type: 'https://slsa.dev/provenance/v1',
  builder_id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/heads/main',
  source: { repository: 'github.com/slsa-framework/example-package', ref: 'refs/heads/main', commit: 'dd2b347f226ab2e80440046be2294c1bfeac361f' },
  subjects: [{ name: 'config.toml', digest: 'sha256:5d672b0dbb696a3289632bf241cc4bb08dbb32c3e9559ea7e9f96b0490209891' }],
  verified: false,
  unverified_reason: 'a bare in-toto statement carries no signature',
};
// Parsing is not verification (issue 15): an envelope pushed as --kind slsa stays unverified.
const SLSA_V1_ENVELOPED = {
  ...SLSA_V1_PROVENANCE,
  unverified_reason: 'pushed as --kind slsa, whose signatures dfw does not check; push the envelope or bundle with --kind attestation to have it verified',
};

evidenceParsers('SLSA v1 statement gives runDetails.builder.id, the external source and the subject digest', () => {
  assert.equal(parse('slsa', fixture('provenance/slsa-provenance-v1-statement-container-based.json')), { provenance: SLSA_V1_PROVENANCE });
});

evidenceParsers('the Sigstore bundle and its bare DSSE envelope give the same provenance as the statement, unverified', () => {
  const bundleText = fixture('provenance/slsa-github-generator-container-based.sigstore-bundle.json');
  assert.equal(parse('slsa', bundleText), { provenance: SLSA_V1_ENVELOPED });
  const envelope = JSON.parse(bundleText).dsseEnvelope;
  assert.equal(parse('slsa', JSON.stringify(envelope)), { provenance: SLSA_V1_ENVELOPED });
  const urlSafe = { ...envelope, payload: envelope.payload.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') };
  assert.equal(parse('slsa', JSON.stringify(urlSafe)), { provenance: SLSA_V1_ENVELOPED });
});

evidenceParsers('SLSA v1 GitHub Actions workflow build takes the source from the first resolved dependency', () => {
  const text = variant('provenance/slsa-provenance-v1-statement-container-based.json', (doc) => {
    doc._type = 'https://in-toto.io/Statement/v1';
    doc.predicate.buildDefinition.externalParameters = { workflow: { ref: 'refs/tags/v1.2.0', repository: 'https://github.com/acme/payments', path: '.github/workflows/release.yml' } };
    doc.predicate.buildDefinition.resolvedDependencies = [
      { uri: 'git+https://github.com/acme/payments@refs/tags/v1.2.0', digest: { gitCommit: COMMIT } },
      { uri: 'pkg:docker/golang@1.22', digest: { sha256: 'a'.repeat(64) } },
    ];
  });
  assert.equal(parse('slsa', text).provenance?.source, { repository: 'github.com/acme/payments', ref: 'refs/tags/v1.2.0', commit: COMMIT });
});

// --- Security review -------------------------------------------------------------------------

evidenceParsers('a security review is lower-cased and keeps reviewer, completion time and subject', () => {
  const review = { state: 'APPROVED', reviewer: 'appsec@acme.example', completed_at: '2026-11-26T10:00:00Z', subject: 'payments' };
  assert.equal(parse('review', JSON.stringify(review)), { security_review: { ...review, state: 'approved' } });
  const changes = parse('review', JSON.stringify({ ...review, state: 'CHANGES_REQUESTED', completed_at: '2026-11-26T11:00:00.5+01:00' }));
  assert.is(changes.security_review?.state, 'changes_requested');
  assert.equal(parse('review', '{"state":"pending"}'), { security_review: { state: 'pending' } });
});

evidenceParsers('a security review in another state, without a decider or with a bad time is refused', () => {
  assertRefused('review', '{"state":"done","reviewer":"a","completed_at":"2026-11-26T10:00:00Z"}', /state "done" is not one of approved, rejected, pending, changes_requested/);
  assertRefused('review', '{"state":"approved","completed_at":"2026-11-26T10:00:00Z"}', /reviewer is missing; a approved review must say who decided and when/);
  assertRefused('review', '{"state":"approved","reviewer":"a","completed_at":"26/11/2026"}', /completed_at "26\/11\/2026" is not an RFC 3339 date-time/);
  assertRefused('review', '{"state":"rejected","reviewer":"a","completed_at":"2026-02-30T10:00:00Z"}', /not an RFC 3339 date-time/);
  assertRefused('review', '{"state":1}', /state must be a string, not the number 1/);
});

// --- Broken reports ---------------------------------------------------------------------------

evidenceParsers('truncated JSON of every kind is refused naming the format, line and column', () => {
  const files: Array<[ReportKind, string]> = [
    ['trivy', 'trivy/alpine-39-high-critical.json'],
    ['grype', 'grype/grype-image-matches.json'],
    ['sarif', 'sarif/trivy-alpine-310.sarif.json'],
    ['cyclonedx', 'sbom/trivy-conda.cdx.json'],
    ['spdx', 'sbom/trivy-conda.spdx.json'],
    ['slsa', 'provenance/slsa-provenance-v0.2-statement-kubectl-azure.json'],
  ];
  for (const [kind, path] of files) {
    const text = fixture(path);
    const truncated = text.slice(0, Math.floor(text.length / 2));
    const lines = truncated.split('\n');
    const err = assertRefused(kind, truncated, /the report is not valid JSON: .* at line \d+, column \d+ \(offset \d+\)$/);
    assert.ok(err.cause instanceof SyntaxError);
    // A cut in the middle of a document ends it early: the error is at the end of the text.
    assert.match(err.message, new RegExp(`at line ${lines.length}, column ${lines[lines.length - 1]!.length + 1} \\(offset ${truncated.length}\\)`));
  }
});

evidenceParsers('a JSON syntax error is located exactly, even where V8 names no position', () => {
  assertRefused('trivy', '{"SchemaVersion": 2,\n  "Results": [}', /unexpected character "}" at line 2, column 15 \(offset 35\)/);
  assertRefused('grype', '{"matches": [tru]}', /unexpected character "t" at line 1, column 14 \(offset 13\)/);
  assertRefused('sarif', '', /the report is empty; expected SARIF/);
  assertRefused('cyclonedx', '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>', /this looks like XML; dfw reads the JSON form of CycloneDX JSON/);
  assertRefused('spdx', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n', /this looks like SPDX tag-value; dfw reads SPDX JSON/);
  assert.equal(parseReport('review', '\uFEFF{"state":"pending"}'), { security_review: { state: 'pending' } }, 'a byte order mark is ignored');
});

evidenceParsers('the JSON error locator agrees with JSON.parse on valid and broken documents', () => {
  const broken = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', '}', ']', ',', '"', ':', 'x', '\\', '\n', '[', '{')).map(([json, at, insert]) => {
    const cut = json.length === 0 ? 0 : at % (json.length + 1);
    return json.slice(0, cut) + insert + json.slice(cut + (insert === '' ? 1 : 0));
  });
  fc.assert(
    fc.property(fc.oneof(fc.json(), broken), (text) => {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const error = findJsonSyntaxError(text);
      return valid ? error === undefined : error !== undefined && error.offset >= 0 && error.offset <= text.length;
    }),
    { numRuns: 2000 },
  );
});

evidenceParsers('wrong schema and spec versions are refused with the versions dfw reads', () => {
  assertRefused('trivy', variant('trivy/alpine-39-high-critical.json', (d) => (d.SchemaVersion = 1)), /SchemaVersion 1 is not supported; dfw reads SchemaVersion 2$/);
  assertRefused('sarif', variant('sarif/semgrep-cwe-tag.sarif.json', (d) => (d.version = '2.0.0')), /version the string "2.0.0" is not supported; dfw reads SARIF 2.1.0/);
  assertRefused('sarif', variant('sarif/semgrep-cwe-tag.sarif.json', (d) => delete d.version), /version is missing; expected a SARIF 2.1.0 log/);
  assertRefused('cyclonedx', variant('sbom/trivy-conda.cdx.json', (d) => (d.specVersion = '1.1')), /specVersion "1.1" is not supported; dfw reads CycloneDX 1.2, 1.3, 1.4, 1.5, 1.6/);
  assertRefused('spdx', variant('sbom/trivy-conda.spdx.json', (d) => (d.spdxVersion = 'SPDX-3.0')), /spdxVersion "SPDX-3.0" is not supported; dfw reads SPDX-2.2, SPDX-2.3/);
  assertRefused('slsa', variant('provenance/slsa-provenance-v1-statement-container-based.json', (d) => (d.predicateType = 'https://spdx.dev/Document')), /predicateType "https:\/\/spdx.dev\/Document" is not SLSA provenance/);
  assertRefused('slsa', variant('provenance/slsa-provenance-v1-statement-container-based.json', (d) => (d._type = 'https://example.com/Statement')), /_type the string "https:\/\/example.com\/Statement" is not an in-toto Statement type/);
});

evidenceParsers('fields of the wrong type are refused naming their path', () => {
  assertRefused('trivy', variant('trivy/alpine-39-high-critical.json', (d) => (d.Results[0].Vulnerabilities = { musl: 1 })), /Results\[0\]\.Vulnerabilities must be an array, not an object/);
  assertRefused('trivy', variant('trivy/alpine-39-high-critical.json', (d) => (d.Results[0].Vulnerabilities[1].Severity = 9.8)), /Results\[0\]\.Vulnerabilities\[1\]\.Severity must be a string, not the number 9.8/);
  assertRefused('trivy', variant('trivy/alpine-39-high-critical.json', (d) => (d.Results[0].Vulnerabilities[0].Severity = 'SEVERE')), /Results\[0\]\.Vulnerabilities\[0\]\.Severity "SEVERE" is not one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN/);
  assertRefused('trivy', variant('trivy/alpine-39-high-critical.json', (d) => delete d.Results[0].Vulnerabilities[0].PkgName), /Results\[0\]\.Vulnerabilities\[0\]\.PkgName must be a string, not missing/);
  assertRefused('trivy', variant('trivy/alpine-39-high-critical.json', (d) => (d.Results = [])), /Results holds no package, config or secret scan result/);
  assertRefused('grype', variant('grype/grype-image-matches.json', (d) => (d.matches = 'none')), /matches must be an array, not the string "none"/);
  assertRefused('grype', variant('grype/grype-image-matches.json', (d) => (d.matches[1].vulnerability.severity = 4)), /matches\[1\]\.vulnerability\.severity must be a string, not the number 4/);
  assertRefused('sarif', variant('sarif/semgrep-cwe-tag.sarif.json', (d) => (d.runs[0].results = {})), /runs\[0\]\.results must be an array, not an object/);
  assertRefused('sarif', variant('sarif/semgrep-cwe-tag.sarif.json', (d) => delete d.runs[0].results), /runs\[0\]\.results is missing: the tool failed to start or to begin its analysis, which is not a clean scan/);
  assertRefused('sarif', variant('sarif/semgrep-cwe-tag.sarif.json', (d) => (d.runs[0].invocations[0].executionSuccessful = false)), /executionSuccessful is false: Semgrep OSS reports that it did not finish/);
  assertRefused('sarif', variant('sarif/semgrep-cwe-tag.sarif.json', (d) => (d.runs[0].results[0].level = 'fatal')), /runs\[0\]\.results\[0\]\.level the string "fatal" is not one of error, warning, note, none/);
  assertRefused('sarif', variant('sarif/trivy-alpine-310.sarif.json', (d) => (d.runs[0].tool.driver.rules[0].properties['security-severity'] = 'high')), /runs\[0\]\.tool\.driver\.rules\[0\]\.properties\.security-severity must be a score from 0.0 to 10.0, not the string "high"/);
  assertRefused('cyclonedx', variant('sbom/trivy-conda.cdx.json', (d) => (d.components = { openssl: {} })), /components must be an array, not an object/);
  assertRefused('cyclonedx', variant('sbom/trivy-conda.cdx.json', (d) => delete d.components[1].name), /components\[1\]\.name must be a string, not missing/);
  assertRefused('spdx', variant('sbom/trivy-conda.spdx.json', (d) => (d.packages = 'openssl')), /packages must be an array, not the string "openssl"/);
  assertRefused('slsa', variant('provenance/slsa-provenance-v0.2-statement-kubectl-azure.json', (d) => delete d.subject[0].digest), /subject\[0\]\.digest must be an object, not missing/);
  assertRefused('slsa', variant('provenance/slsa-provenance-v0.2-statement-kubectl-azure.json', (d) => (d.subject[0].digest.sha256 = 'abc')), /subject\[0\]\.digest\.sha256 must be 64 hexadecimal digits, not the string "abc"/);
  assertRefused('slsa', variant('provenance/slsa-provenance-v0.2-statement-kubectl-azure.json', (d) => delete d.predicate.builder), /predicate\.builder must be an object, not missing/);
});

evidenceParsers('SARIF runs that scanned different commits, or another commit than pushed, are refused', () => {
  const provenance = (commit: string) => [{ repositoryUri: 'https://github.com/acme/payments', revisionId: commit }];
  const twoCommits = variant('sarif/codeql-action-valid-multi-run.sarif.json', (d) => {
    d.runs[0].versionControlProvenance = provenance(COMMIT);
    d.runs[1].versionControlProvenance = provenance('1'.repeat(40));
  });
  assertRefused('sarif', twoCommits, /the runs scanned different commits/);
  const oneCommit = variant('sarif/semgrep-cwe-tag.sarif.json', (d) => (d.runs[0].versionControlProvenance = provenance(COMMIT)));
  assert.throws(() => parseReport('sarif', oneCommit, { commit: '1'.repeat(40) }), (err: Error) => err instanceof ReportParseError && /the log scanned commit 9f2c4e1b/.test(err.message));
});

evidenceParsers('a report pushed as the wrong kind is refused and names the kind it looks like', () => {
  assertRefused('trivy', fixture('grype/grype-image-matches.json'), /SchemaVersion is missing; .*it looks like a Grype JSON report: push it as kind grype/);
  assertRefused('grype', fixture('trivy/alpine-39-high-critical.json'), /matches is missing; .*it looks like a Trivy JSON report: push it as kind trivy/);
  assertRefused('trivy', fixture('sarif/trivy-alpine-310.sarif.json'), /it looks like a SARIF report: push it as kind sarif/);
  assertRefused('spdx', fixture('sbom/trivy-conda.cdx.json'), /spdxVersion is missing; .*push it as kind cyclonedx/);
  assertRefused('cyclonedx', fixture('sbom/trivy-conda.spdx.json'), /bomFormat is missing; .*push it as kind spdx/);
  assertRefused('sarif', fixture('provenance/slsa-provenance-v1-statement-container-based.json'), /version is missing; .*push it as kind slsa/);
  assertRefused('slsa', fixture('provenance/cosign-simplesigning-payload.json'), /this is a cosign simple-signing payload .*not an in-toto statement/);
  assertRefused('slsa', '{"subject": []}', /_type is missing from the statement; expected an in-toto Statement/);
  assertRefused('review', fixture('grype/grype-empty.json'), /state is missing; .*push it as kind grype/);
  assertRefused('trivy', '[1, 2]', /the report must be an object, not an array/);
});

evidenceParsers('DSSE envelopes of another payload type or with a broken payload are refused', () => {
  const envelope = JSON.parse(fixture('provenance/slsa-github-generator-container-based.sigstore-bundle.json')).dsseEnvelope;
  assertRefused('slsa', JSON.stringify({ ...envelope, payloadType: 'application/vnd.cncf.notary.payload.v1+json' }), /payloadType "application\/vnd.cncf.notary.payload.v1\+json" is not application\/vnd.in-toto\+json/);
  assertRefused('slsa', JSON.stringify({ ...envelope, payload: 'not base64!' }), /payload is not base64/);
  assertRefused('slsa', JSON.stringify({ ...envelope, payload: btoa('{"_type": ') }), /the DSSE payload \(payload\) is not valid JSON: unexpected end of input at line 1, column 11/);
  assertRefused('slsa', JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2', messageSignature: {} }), /holds no dsseEnvelope/);
});

// --- The rules read what the parsers write ------------------------------------------------------

function decide(evaluator: Evaluator, evidence: ParsedEvidence): Decision {
  const request = readExamples().get('compliant.allow.json') as unknown as CheckRequest;
  const input = buildInput(request, { id: 'evidence-parsers-test', via: 'api' });
  Object.assign(input.evidence as object, evidence);
  return evaluator.evaluate(input);
}

function violations(decision: Decision, rule: string): Violation[] {
  return [...Object.values(decision.deny), ...Object.values(decision.warn)].flat().filter((v) => v.rule === rule);
}

evidenceParsers.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'evidence-parsers-test' });
});

evidenceParsers('the real rules deny the critical musl CVE from a Trivy report and allow the parsed review', ({ evaluator }) => {
  const decision = decide(evaluator!, {
    ...parseReport('trivy', fixture('trivy/alpine-39-high-critical.json')),
    ...parseReport('review', '{"state":"Approved","reviewer":"appsec@acme.example","completed_at":"2026-11-26T10:00:00Z"}'),
  });
  assert.is(decision.allow, false);
  const vuln = violations(decision, 'DFW-VULN-001');
  assert.is(vuln.length, 2);
  assert.match(vuln[0]!.message, /CVE-2019-14697 \(critical\) in musl(-utils)? 1\.1\.20-r4 .*fixed in 1\.1\.20-r5/);
  assert.equal(violations(decision, 'DFW-REVIEW-001'), []);
});

evidenceParsers('the real rules deny a high Semgrep finding on the pushed commit and pass Grype high CVEs', ({ evaluator }) => {
  const decision = decide(evaluator!, {
    ...parseReport('sarif', fixture('sarif/semgrep-cwe-tag.sarif.json'), { commit: COMMIT }),
    ...parseReport('grype', fixture('grype/grype-0.32-real-image-alpine.json')),
  });
  const scan = violations(decision, 'DFW-SCAN-001');
  assert.is(scan.length, 1, 'two identical findings at the same place are one violation');
  assert.match(scan[0]!.message, /^Semgrep OSS found rules\.rule-with-cwe-tag \(high\) at targets\/basic\/stupid\.py:3 in commit 9f2c4e1b/);
  assert.equal(violations(decision, 'DFW-VULN-001'), []);
});

evidenceParsers.run();
