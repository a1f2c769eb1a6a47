// dfw policy test refusing what would ship wrong, each with the file and line or path:
// a misspelled input path, builtins outside dfw's capabilities, a rule id that collides
// with a built-in one, a package outside the team's namespace, a pinned pack version this
// dfw does not ship, a missing opa; and dfw policy diff / push to a dfw bundle server.
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDfw, startDfw } from './helpers/cli.js';
import { SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { policyBuildEnv, ROOT } from './helpers/opa.js';
import { loadBundle } from '../src/engine/index.js';
import { PINNED_OPA_VERSION } from '../src/policy/index.js';

interface Ctx {
  dir: string;
  /** A fresh `dfw policy init` repository, copied for each test. */
  template: string;
}

const checks = suite<Ctx>('dfw policy test refuses what would ship wrong');

checks.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-policy-checks-'));
  ctx.template = join(ctx.dir, 'template');
  const init = runDfw(['policy', 'init', ctx.template, '--team', 'acme'], { cwd: ctx.dir });
  assert.is(init.status, 0, init.stderr);
});

checks.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

let copies = 0;
function repo(ctx: Ctx): string {
  const dir = join(ctx.dir, `repo-${++copies}`);
  cpSync(ctx.template, dir, { recursive: true });
  return dir;
}

function policyTest(dir: string, env: Record<string, string> = {}) {
  return runDfw(['policy', 'test'], { cwd: dir, env: { ...policyBuildEnv(), ...env } });
}

/** A rule file of the team's, reading `condition` from the input. */
function rule(id: string, name: string, condition: string): string {
  return `# METADATA
# description: ${id}
package firewall.rules.acme.${name}

import data.firewall.lib

# METADATA
# title: ${name}
# custom:
#   id: ${id}
#   severity: high
#   category: test
#   remediation: Fix it.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.finding("bad", "bad") if {
\t${condition}
}
`;
}

checks('a rule reading a misspelled input path fails, naming the path, the file and the line', (ctx) => {
  const dir = repo(ctx);
  writeFileSync(join(dir, 'policy', 'registry_path.rego'), rule('ACME-PATH-001', 'registry_path', 'input.request.artifact.image == "x"'));
  const r = policyTest(dir);
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL {2}input-schema +reads input paths the input document does not have: input\.request\.artifact\.image/);
  assert.match(r.stdout, /policy\/registry_path\.rego:17: rego_type_error: undefined ref: input\.request\.artifact\.image/);
  // The same rule with the right path passes that step.
  writeFileSync(join(dir, 'policy', 'registry_path.rego'), rule('ACME-PATH-001', 'registry_path', 'input.artifact.image == "x"'));
  assert.match(policyTest(dir).stdout, /PASS {2}input-schema/);
});

checks('http.send and time.now_ns are refused with file and line', (ctx) => {
  const dir = repo(ctx);
  writeFileSync(join(dir, 'policy', 'clock.rego'), rule('ACME-CLOCK-001', 'clock', 'time.now_ns() > 0'));
  writeFileSync(join(dir, 'policy', 'remote.rego'), rule('ACME-HTTP-001', 'remote', 'http.send({"method": "GET", "url": "http://127.0.0.1:1"}).status_code == 200'));
  const r = policyTest(dir);
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL {2}check +opa check --strict failed/);
  assert.match(r.stdout, /policy\/clock\.rego:17: rego_type_error: undefined function time\.now_ns/);
  assert.match(r.stdout, /policy\/remote\.rego:17: rego_type_error: undefined function http\.send/);
  assert.match(r.stdout, /no http\.send, no time\.now_ns/);
  assert.match(r.stdout, /SKIP {2}examples/);
});

checks('a rule id that collides with a built-in one is an error naming both files', (ctx) => {
  const dir = repo(ctx);
  writeFileSync(join(dir, 'policy', 'mine.rego'), rule('DFW-GIT-001', 'mine', 'input.artifact.image == "x"'));
  const r = policyTest(dir);
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`rule id DFW-GIT-001 in policy/mine\\.rego:\\d+ collides with the built-in rule DFW-GIT-001 in ${ROOT.replace(/\/$/, '')}/rego/firewall/rules/git/branch_protection\\.rego:\\d+`));
  const build = runDfw(['policy', 'build'], { cwd: dir, env: policyBuildEnv() });
  assert.is(build.status, 2, 'build refuses it too');
  assert.match(build.stderr, /collides with the built-in rule DFW-GIT-001/);
});

checks('a package outside firewall.rules.<team> and a deny without METADATA are refused', (ctx) => {
  const dir = repo(ctx);
  writeFileSync(join(dir, 'policy', 'sneaky.rego'), 'package firewall.rules.git.sneaky\n\ndeny contains "x" if input.artifact.image == "x"\n');
  const r = policyTest(dir);
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /policy\/sneaky\.rego: package firewall\.rules\.git\.sneaky is outside the team's namespace; use package firewall\.rules\.acme\.<rule>/);
  assert.match(r.stdout, /policy\/sneaky\.rego:3: deny has no # METADATA block/);
});

checks('a pinned built-in pack version this dfw does not ship stops test and build (exit 2)', (ctx) => {
  const dir = repo(ctx);
  const file = join(dir, 'dfw-policy.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/version: .*/, 'version: 99.0.0'));
  const r = policyTest(dir);
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /pins the built-in pack 99\.0\.0, but this dfw ships \d+\.\d+\.\d+: install that version \("npm install -g dfw@99\.0\.0"\)/);
});

checks('an opa of another version is refused with how to install the pinned one', (ctx) => {
  const dir = repo(ctx);
  mkdirSync(join(ctx.dir, 'fakebin'));
  const fake = join(ctx.dir, 'fakebin', 'opa');
  writeFileSync(fake, '#!/bin/sh\necho "Version: 0.70.0"\n', { mode: 0o755 });
  const r = policyTest(dir, { DFW_OPA: fake });
  assert.is(r.status, 2);
  assert.match(r.stderr, /is opa 0\.70\.0, but .* opa v1\.22\.3 only; install opa v1\.22\.3: "go install github\.com\/open-policy-agent\/opa@v1\.22\.3"/);
  // Without DFW_OPA, a wrong opa first on PATH is passed over for the checkout's pinned one (make tools).
  const fallback = policyTest(dir, { DFW_OPA: '', PATH: `${ctx.dir}/fakebin:${process.env.PATH}` });
  assert.is(fallback.status, 0, fallback.stdout + fallback.stderr);
  // The version dfw policy insists on is the one the Makefile builds dfw's own bundles with.
  assert.is(/^OPA_VERSION\s*\?=\s*(\S+)/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'))?.[1], PINNED_OPA_VERSION);
});

checks('dfw policy diff lists the rules added and the enforcement changed', (ctx) => {
  const dir = repo(ctx);
  const env = policyBuildEnv();
  assert.is(runDfw(['policy', 'build', '-o', 'old', '--revision', 'r1'], { cwd: dir, env }).status, 0);
  writeFileSync(join(dir, 'policy', 'tagged.rego'), rule('ACME-TAG-002', 'tagged', 'input.artifact.tag == "latest"'));
  writeFileSync(join(dir, 'enforcement.yaml'), 'environments:\n  production:\n    rules:\n      DFW-CLOUD-001: { enabled: false }\n');
  assert.is(runDfw(['policy', 'build', '-o', 'new', '--revision', 'r2'], { cwd: dir, env }).status, 0);
  const d = runDfw(['policy', 'diff', 'old/firewall.tar.gz', 'new/firewall.tar.gz'], { cwd: dir });
  assert.is(d.status, 1, d.stdout + d.stderr);
  assert.match(d.stdout, /\+ ACME-TAG-002 {2}high {2}tagged/);
  assert.match(d.stdout, /~ DFW-CLOUD-001 .*\n {4}production: warn \(medium\) -> off/);
  assert.match(d.stdout, /~ ACME-CD-001 .*\n {4}staging: warn \(medium\) -> warn \(high\)/);
  const same = runDfw(['policy', 'diff', 'new/firewall.tar.gz', 'new/firewall.tar.gz'], { cwd: dir });
  assert.is(same.status, 0);
});

checks('enforcement.yaml switches a built-in rule off and changes another\'s severity, and the examples see it', (ctx) => {
  const dir = repo(ctx);
  const compliant = JSON.parse(readFileSync(join(dir, 'examples', 'approved-deployer.json'), 'utf8')) as { request: { evidence: Record<string, unknown> } };
  const unreviewed = structuredClone(compliant.request);
  delete unreviewed.evidence.security_review;
  writeFileSync(join(dir, 'examples', 'unreviewed.json'), JSON.stringify({ request: unreviewed, expect: { allow: false, deny: ['DFW-REVIEW-001'] } }));
  const before = policyTest(dir);
  assert.is(before.status, 0, `the built-in review rule blocks in production: ${before.stdout}`);
  writeFileSync(join(dir, 'enforcement.yaml'), 'environments:\n  production:\n    rules:\n      DFW-REVIEW-001: { enabled: false }\n      DFW-CLOUD-001: { severity: critical }\n');
  const after = policyTest(dir);
  assert.is(after.status, 1);
  assert.match(after.stdout, /FAIL {2}example:examples\/unreviewed\.json +expected deny, got allow; expected deny by DFW-REVIEW-001, got nothing \(production\)/);
  writeFileSync(join(dir, 'enforcement.yaml'), 'environments:\n  production:\n    rules:\n      DFW-REVEIW-001: { enabled: false }\n');
  assert.match(policyTest(dir).stdout, /enforcement\.yaml: environments\.production\.rules\.DFW-REVEIW-001 names no rule \(built-in or the team's\)/);
  // A signed-evidence requirement no predicate type can meet would deny every deployment.
  writeFileSync(join(dir, 'enforcement.yaml'), 'trust:\n  evidence_predicates:\n    sbom: [https://cosign.sigstore.dev/attestation/vuln/v1]\n  environments:\n    staging: { verified_evidence: [sbom] }\n');
  const unmeetable = policyTest(dir);
  assert.is(unmeetable.status, 1, unmeetable.stdout);
  assert.match(unmeetable.stdout, /enforcement\.yaml: trust\.environments\.staging\.verified_evidence requires sbom signed, but dfw reads none of trust\.evidence_predicates\.sbom \(https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1\) as sbom/);
});

checks('dfw policy build --signing-alg ES256 signs with an EC key that dfw verifies', async (ctx) => {
  const dir = repo(ctx);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = join(ctx.dir, 'ec.key.pem');
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const build = runDfw(['policy', 'build', '--signing-key', key, '--signing-alg', 'ES256', '--revision', 'ec-1'], { cwd: dir, env: policyBuildEnv() });
  assert.is(build.status, 0, build.stdout + build.stderr);
  assert.match(build.stdout, /signed \(ES256\)/);
  const bytes = readFileSync(join(dir, 'build', 'firewall.tar.gz'));
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const bundle = await loadBundle(bytes, { verification: { keys: { default: { key: pem, algorithm: 'ES256' } } } });
  assert.is(bundle.manifest.revision, 'ec-1');
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const refused = await loadBundle(bytes, { verification: { keys: { default: { key: other, algorithm: 'ES256' } } } }).then(() => 'loaded', (err: Error) => err.message);
  assert.match(refused, /signature/i);
});

checks('dfw what-if takes the repository (or its build folder) as the candidate bundle', (ctx) => {
  const dir = repo(ctx);
  assert.is(runDfw(['policy', 'build', '--revision', 'candidate-7'], { cwd: dir, env: policyBuildEnv() }).status, 0);
  for (const bundle of [dir, join(dir, 'build')]) {
    const r = runDfw(['what-if', '--bundle', bundle, '--store', `sqlite:${join(ctx.dir, 'what-if.db')}`, '--format', 'json'], { cwd: ctx.dir });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.is((JSON.parse(r.stdout) as { candidate: { revision: string } }).candidate.revision, 'candidate-7');
  }
  const unbuilt = runDfw(['what-if', '--bundle', repo(ctx), '--store', `sqlite:${join(ctx.dir, 'what-if.db')}`], { cwd: ctx.dir });
  assert.is(unbuilt.status, 2);
  assert.match(unbuilt.stderr, /is a policy repository without a build: run "dfw policy build" first/);
});

checks('dfw policy push publishes both bundles on a dfw bundle server', async (ctx) => {
  const dir = repo(ctx);
  assert.is(runDfw(['policy', 'build', '--signing-key', SIGNING_KEY, '--revision', 'pushed-0'], { cwd: dir, env: policyBuildEnv() }).status, 0);
  cpSync(join(dir, 'build'), join(dir, 'first'), { recursive: true });
  assert.is(runDfw(['policy', 'build', '--signing-key', SIGNING_KEY, '--revision', 'pushed-1'], { cwd: dir, env: policyBuildEnv() }).status, 0);
  const config = join(ctx.dir, 'central.yaml');
  writeFileSync(config, `bundle: { path: ${join(dir, 'first', 'firewall.tar.gz')}, public_key: ${SIGNING_PUB} }\npublish: { dir: ${join(ctx.dir, 'published')} }\nstore: { url: "sqlite:${join(ctx.dir, 'central.db')}" }\n`);
  const server = await startDfw(['--config', config]);
  try {
    const push = runDfw(['policy', 'push', server.url], { cwd: dir });
    assert.is(push.status, 0, push.stdout + push.stderr);
    assert.match(push.stdout, /pushed wasm bundle revision pushed-1 to .*\/v1\/bundles\/firewall /);
    assert.match(push.stdout, /pushed rego bundle revision pushed-1 to .*\/v1\/bundles\/firewall-rego /);
    const rules = (await (await fetch(`${server.url}/v1/rules`)).json()) as { rules: Array<{ id: string }> };
    assert.ok(rules.rules.some((r) => r.id === 'ACME-CD-001'), 'the server now decides with the team\'s rules');
  } finally {
    await server.stop();
  }
});

checks.run();
