// What dfw policy refuses or reports so that a team's repository cannot ship something other
// than what it shows: a deny in a package shape the decision never reads, an
// unknown_environment more lenient than production, enforcement changes invisible to diff,
// two different builds at one revision, numeric flags that switch a gate off, example fields
// of the wrong type, a team named like a built-in category, and a CI workflow that dfw's own
// DFW-BUILD-002 would refuse. All through the real CLI (dist/) and the real opa.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import { parseWorkflow } from '../src/collect/collectors/github-workflows.js';
import { buildBundle } from './helpers/bundle.js';
import { runDfw } from './helpers/cli.js';
import { policyBuildEnv, ROOT } from './helpers/opa.js';

interface Ctx {
  dir: string;
  /** A fresh `dfw policy init` repository, copied for each test. */
  template: string;
  /** rego/ as committed (git HEAD): rules being written beside these tests must not move them. */
  committedRego: string;
}

const guards = suite<Ctx>('dfw policy guards against what would ship unseen');

guards.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-policy-guards-'));
  ctx.template = join(ctx.dir, 'template');
  const init = runDfw(['policy', 'init', ctx.template, '--team', 'acme'], { cwd: ctx.dir });
  assert.is(init.status, 0, init.stderr);
  const tar = spawnSync('git', ['archive', '--format=tar', 'HEAD', 'rego'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  mkdirSync(join(ctx.dir, 'committed'));
  spawnSync('tar', ['-x', '-C', join(ctx.dir, 'committed')], { input: tar.stdout });
  ctx.committedRego = join(ctx.dir, 'committed', 'rego');
});

guards.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

let copies = 0;
function repo(ctx: Ctx): string {
  const dir = join(ctx.dir, `repo-${++copies}`);
  cpSync(ctx.template, dir, { recursive: true });
  return dir;
}

const env = policyBuildEnv;

/** The scaffold's rule under another package and id, as a team that moves it would write it. */
function movedRule(dir: string, pkg: string, id: string): { rule: string; test: string } {
  const rule = readFileSync(join(dir, 'policy', 'approved_deployer.rego'), 'utf8').replace('package firewall.rules.acme.approved_deployer', `package ${pkg}`).replaceAll('ACME-CD-001', id);
  const test = readFileSync(join(dir, 'policy', 'approved_deployer_test.rego'), 'utf8').replaceAll('firewall.rules.acme.approved_deployer', pkg).replaceAll('ACME-CD-001', id);
  return { rule, test };
}

/** One step's line of the `dfw policy test` table. */
function step(stdout: string, name: string): string {
  return stdout.split('\n').find((l) => new RegExp(`^ {2}(PASS|FAIL|SKIP) {2}${name} `).test(l)) ?? `(no ${name} step in:\n${stdout})`;
}

guards('a rule package one level deeper than firewall.rules.<team>.<rule> is refused by test and build, with file:line and the shape that runs', (ctx) => {
  const dir = repo(ctx);
  mkdirSync(join(dir, 'policy', 'prod'));
  const nested = movedRule(dir, 'firewall.rules.acme.prod.approved_deployer', 'ACME-CD-002');
  writeFileSync(join(dir, 'policy', 'prod', 'approved_deployer.rego'), nested.rule);
  writeFileSync(join(dir, 'policy', 'prod', 'approved_deployer_test.rego'), nested.test);
  const test = runDfw(['policy', 'test'], { cwd: dir, env: env() });
  assert.is(test.status, 1, test.stdout + test.stderr);
  assert.match(step(test.stdout, 'layering'), /FAIL {2}layering +1 problem/);
  const why = /policy\/prod\/approved_deployer\.rego:3: package firewall\.rules\.acme\.prod\.approved_deployer is 1 level too deep: its deny at line 19 never runs, because dfw's decision reads data\.firewall\.rules\.<category>\.<rule>\.deny, exactly two levels below firewall\.rules; use package firewall\.rules\.acme\.<rule> \(e\.g\. firewall\.rules\.acme\.prod_approved_deployer/;
  assert.match(test.stdout, why);
  // Its own tests pass: only the layering knows it would never run.
  assert.match(step(test.stdout, 'opa-test'), /PASS/);
  const build = runDfw(['policy', 'build'], { cwd: dir, env: env() });
  assert.is(build.status, 2, build.stdout + build.stderr);
  assert.match(build.stderr, why);
  assert.not.ok(existsSync(join(dir, 'build', 'firewall.tar.gz')), 'nothing is built');
  // The same rule in the shape that runs, still in the sub-folder, layers.
  const flat = movedRule(dir, 'firewall.rules.acme.prod_approved_deployer', 'ACME-CD-002');
  writeFileSync(join(dir, 'policy', 'prod', 'approved_deployer.rego'), flat.rule);
  writeFileSync(join(dir, 'policy', 'prod', 'approved_deployer_test.rego'), flat.test);
  assert.match(step(runDfw(['policy', 'test'], { cwd: dir, env: env() }).stdout, 'layering'), /PASS {2}layering +2 rules in firewall\.rules\.acme/);
});

guards('a deny directly in package firewall.rules.<team>, or behind a ref head, is refused with its line', (ctx) => {
  const dir = repo(ctx);
  writeFileSync(join(dir, 'policy', 'flat.rego'), movedRule(dir, 'firewall.rules.acme', 'ACME-FLAT-001').rule);
  writeFileSync(
    join(dir, 'policy', 'nested_head.rego'),
    'package firewall.rules.acme.nested_head\n\nimport data.firewall.lib\n\n# METADATA\n# title: t\n# custom:\n#   id: ACME-HEAD-001\n#   severity: high\n#   category: test\n#   remediation: r\nsub.deny contains lib.violation(rego.metadata.rule(), lib.finding("x", "x")) if input.artifact.image == "x"\n',
  );
  const r = runDfw(['policy', 'test'], { cwd: dir, env: env() });
  assert.is(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /policy\/flat\.rego:3: package firewall\.rules\.acme declares deny directly \(deny at line 19\), which never runs: .* put each rule in its own package firewall\.rules\.acme\.<rule> \(e\.g\. firewall\.rules\.acme\.flat\)/);
  assert.match(r.stdout, /policy\/nested_head\.rego:12: rule sub\.deny puts deny at firewall\.rules\.acme\.nested_head\.sub\.deny, which never runs/);
  assert.not.match(r.stdout, /flat\.rego: package firewall\.rules\.acme is outside the team's namespace/, 'one message for one problem');
});

guards('unknown_environment more lenient than production is refused with each reason; a stricter one is accepted', (ctx) => {
  const dir = repo(ctx);
  const enforcement = join(dir, 'enforcement.yaml');
  const original = readFileSync(enforcement, 'utf8');
  writeFileSync(enforcement, `${original}unknown_environment: development\n`);
  const lenient = runDfw(['policy', 'test'], { cwd: dir, env: env() });
  assert.match(step(lenient.stdout, 'layering'), /FAIL/);
  assert.match(lenient.stdout, /enforcement\.yaml: unknown_environment: development is weaker than production, so an environment name dfw does not know \(a typo such as "prodution"\) would pass what production blocks: environments\.development\.blocking nothing where production has critical, high;/);
  assert.match(lenient.stdout, /trust\.environments\.development\.min_build_level 0 where production has 3/);
  const build = runDfw(['policy', 'build'], { cwd: dir, env: env() });
  assert.is(build.status, 2);
  assert.match(build.stderr, /unknown_environment: development is weaker than production/);
  writeFileSync(enforcement, `${original}unknown_environment: nowhere\n`);
  assert.match(runDfw(['policy', 'test'], { cwd: dir, env: env() }).stdout, /unknown_environment: nowhere is not an environment \(listed: production, staging, development\)/);
  // Stricter than production: every severity blocks, the same trust.
  writeFileSync(enforcement, `${original}  lockdown:\n    blocking: [critical, high, medium, low]\nunknown_environment: lockdown\ntrust:\n  environments:\n    lockdown: { min_build_level: 3, verified_evidence: [provenance] }\n`);
  const strict = runDfw(['policy', 'test'], { cwd: dir, env: env() });
  assert.match(step(strict.stdout, 'layering'), /PASS/, strict.stdout);
  const built = runDfw(['policy', 'build', '--revision', 'lockdown-1'], { cwd: dir, env: env() });
  assert.is(built.status, 0, built.stderr);
  assert.match(built.stdout, /environments \(an environment not listed is decided as lockdown\):/);
  assert.match(built.stdout, /\n {2}lockdown +critical, high, medium, low +3 +provenance\n/);
  assert.match(built.stdout, /\n {2}development +nothing +0 +nothing\n/);
});

guards('policy diff reports enforcement and trust changes, marks weakenings, and --fail-on-weaken exits 1 only for them', (ctx) => {
  const dir = repo(ctx);
  assert.is(runDfw(['policy', 'build', '-o', 'old', '--revision', 'r1'], { cwd: dir, env: env() }).status, 0);
  const enforcement = join(dir, 'enforcement.yaml');
  const original = readFileSync(enforcement, 'utf8');
  writeFileSync(enforcement, `${original}trust:\n  environments:\n    production: { min_build_level: 0, verified_evidence: [] }\n`);
  assert.is(runDfw(['policy', 'build', '-o', 'trust', '--revision', 'r2'], { cwd: dir, env: env() }).status, 0);
  const d = runDfw(['policy', 'diff', 'old/firewall.tar.gz', 'trust/firewall.tar.gz'], { cwd: dir });
  assert.is(d.status, 1, d.stdout + d.stderr);
  assert.not.match(d.stdout, /no rule added, removed or changed/);
  assert.match(d.stdout, /\n {2}trust\.environments\.production\.min_build_level: 3 -> 0 {4}\[weakens\]\n/);
  assert.match(d.stdout, /\n {2}trust\.environments\.production\.verified_evidence: provenance -> nothing \(provenance no longer required signed\) {4}\[weakens\]\n/);
  assert.match(d.stdout, /2 changes WEAKEN enforcement/);
  assert.is(runDfw(['policy', 'diff', 'old/firewall.tar.gz', 'trust/firewall.tar.gz', '--fail-on-weaken'], { cwd: dir }).status, 1);
  const json = JSON.parse(runDfw(['policy', 'diff', 'old/firewall.tar.gz', 'trust/firewall.tar.gz', '--format', 'json'], { cwd: dir }).stdout) as { weakening: number; enforcement: Array<{ key: string; weakens: boolean }> };
  assert.is(json.weakening, 2);
  assert.ok(json.enforcement.every((c) => c.weakens));
  // Stricter only: a difference (exit 1), but nothing weakens (exit 0 with --fail-on-weaken).
  writeFileSync(enforcement, original.replace('  staging:\n', '  staging:\n    blocking: [critical, high]\n'));
  assert.is(runDfw(['policy', 'build', '-o', 'stricter', '--revision', 'r3'], { cwd: dir, env: env() }).status, 0);
  const stricter = runDfw(['policy', 'diff', 'old/firewall.tar.gz', 'stricter/firewall.tar.gz'], { cwd: dir });
  assert.is(stricter.status, 1);
  assert.match(stricter.stdout, /environments\.staging\.blocking: critical -> critical, high\n/);
  assert.match(stricter.stdout, /nothing weakens enforcement/);
  assert.is(runDfw(['policy', 'diff', 'old/firewall.tar.gz', 'stricter/firewall.tar.gz', '--fail-on-weaken'], { cwd: dir }).status, 0);
});

guards('policy diff shows a bundle whose unknown_environment lets an unlisted environment through', (ctx) => {
  const lenientRego = join(ctx.dir, 'lenient', 'rego');
  cpSync(ctx.committedRego, lenientRego, { recursive: true });
  const dataFile = join(lenientRego, 'firewall', 'config', 'data.yaml');
  const data = yaml.load(readFileSync(dataFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(dataFile, yaml.dump({ ...data, unknown_environment: 'development' }));
  const before = buildBundle({ revision: 'strict-default', source: ctx.committedRego });
  const after = buildBundle({ revision: 'lenient-default', source: lenientRego });
  const d = runDfw(['policy', 'diff', before, after]);
  assert.is(d.status, 1, d.stdout + d.stderr);
  assert.match(d.stdout, /\n {2}unknown_environment: production -> development \(an environment not listed is decided as development\) {4}\[weakens\]\n/);
  assert.match(d.stdout, /\n {2}\(an environment not listed\)\.blocking: critical, high -> nothing \(critical, high no longer block\) {4}\[weakens\]\n/);
  assert.match(d.stdout, /\n {2}trust\.\(an environment not listed\)\.min_build_level: 3 -> 0 {4}\[weakens\]\n/);
});

guards('a build from an uncommitted tree has a revision carrying a digest of the sources: the same tree the same, a changed rule another', (ctx) => {
  const dir = repo(ctx);
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'policy');
  const commit = git('rev-parse', 'HEAD').stdout.trim();
  const revision = () => {
    // --no-optimize: the revision is of the sources; wasm-opt's seconds would only add up here.
    const r = runDfw(['policy', 'build', '--format', 'json', '--no-optimize'], { cwd: dir, env: env() });
    assert.is(r.status, 0, r.stderr);
    const built = JSON.parse(r.stdout) as { revision: string; optimization: unknown };
    assert.equal(built.optimization, { skipped: '--no-optimize' });
    return built.revision;
  };
  assert.is(revision(), commit);
  const rule = join(dir, 'policy', 'approved_deployer.rego');
  writeFileSync(rule, readFileSync(rule, 'utf8').replace('{"spinnaker", "argocd"}', '{"argocd", "flux", "spinnaker"}'));
  const first = revision();
  assert.match(first, new RegExp(`^${commit}-dirty\\.[0-9a-f]{12}$`));
  assert.is(revision(), first, 'the same tree builds at the same revision');
  writeFileSync(rule, readFileSync(rule, 'utf8').replace('"flux", ', ''));
  const second = revision();
  assert.match(second, new RegExp(`^${commit}-dirty\\.[0-9a-f]{12}$`));
  assert.is.not(second, first, 'a changed rule builds at another revision');
});

guards('numeric flags are refused at the boundary, naming the flag and what it takes', (ctx) => {
  const dir = repo(ctx);
  for (const value of ['abc', '101', '-5']) {
    const r = runDfw(['policy', 'test', '--coverage', value], { cwd: dir, env: env() });
    assert.is(r.status, 2, `--coverage ${value}: ${r.stdout}`);
    assert.match(r.stderr, `option '--coverage <percent>' argument '${value}' is invalid. expected a percentage from 0 to 100`);
  }
  const push = runDfw(['policy', 'push', 'oci://127.0.0.1:9/acme/policy:1', '--timeout', 'abc'], { cwd: dir });
  assert.is(push.status, 2);
  assert.match(push.stderr, "option '--timeout <seconds>' argument 'abc' is invalid. expected a number of seconds greater than 0");
  assert.not.match(push.stderr, 'out of range');
  const waivers = runDfw(['waivers', 'list', '--server', 'http://127.0.0.1:9', '--timeout', 'soon']);
  assert.is(waivers.status, 2);
  assert.match(waivers.stderr, "option '--timeout <seconds>' argument 'soon' is invalid");
});

guards('an example field of the wrong type fails naming the field and what it must be', (ctx) => {
  const dir = repo(ctx);
  const example = JSON.parse(readFileSync(join(dir, 'examples', 'unapproved-deployer.json'), 'utf8')) as { expect: Record<string, unknown> };
  writeFileSync(join(dir, 'examples', 'deny-as-string.json'), JSON.stringify({ ...example, expect: { allow: false, deny: 'ACME-CD-001' } }));
  writeFileSync(join(dir, 'examples', 'vague-time.json'), JSON.stringify({ ...example, time: 'next tuesday' }));
  writeFileSync(join(dir, 'examples', 'date-only.json'), JSON.stringify({ ...example, time: '2026-11-28' }));
  const r = runDfw(['policy', 'test'], { cwd: dir, env: env() });
  assert.is(r.status, 1);
  assert.match(step(r.stdout, 'example:examples/deny-as-string.json'), /FAIL .*"expect\.deny" must be a list of rule ids, e\.g\. \["ACME-CD-001"\], got the string "ACME-CD-001"/);
  assert.match(step(r.stdout, 'example:examples/vague-time.json'), /FAIL .*"time" must be an RFC 3339 time such as 2026-11-28T14:00:00Z, got "next tuesday"/);
  assert.match(step(r.stdout, 'example:examples/date-only.json'), /FAIL .*"time" must be an RFC 3339 time/);
});

guards('policy init refuses a team named like a built-in category before writing anything', (ctx) => {
  const explicit = runDfw(['policy', 'init', join(ctx.dir, 'git-team'), '--team', 'git'], { cwd: ctx.dir });
  assert.is(explicit.status, 2);
  assert.match(explicit.stderr, /team "git" is a built-in category of dfw's rule pack \(firewall\.rules\.git\); choose another with --team <name> \(the built-in categories: .*\bgit\b.*\)/);
  assert.not.ok(existsSync(join(ctx.dir, 'git-team')), 'no files written');
  const fromFolder = runDfw(['policy', 'init', join(ctx.dir, 'build')], { cwd: ctx.dir });
  assert.is(fromFolder.status, 2);
  assert.match(fromFolder.stderr, 'team "build" (from the folder name build) is a built-in category');
});

guards('the scaffolded CI workflow pins every action by commit SHA, and DFW-BUILD-002 passes it', (ctx) => {
  const path = '.github/workflows/policy.yml';
  const text = readFileSync(join(ctx.template, path), 'utf8');
  const uses = [...text.matchAll(/uses: (\S+)(.*)/g)];
  assert.ok(uses.length >= 3, text);
  for (const [, ref, comment] of uses) {
    assert.match(ref!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${ref} is pinned by full commit SHA`);
    assert.match(comment!, /^ # v\d+\.\d+\.\d+$/, `${ref} names its tag in a comment`);
  }
  const request = JSON.parse(readFileSync(join(ROOT, 'examples', 'compliant.allow.json'), 'utf8')) as { evidence: Record<string, unknown> };
  request.evidence.workflows = [parseWorkflow(path, text)];
  const input = join(ctx.dir, 'scaffold-workflow.json');
  writeFileSync(input, JSON.stringify(request));
  const r = runDfw(['check', '--input', input, '--bundle', buildBundle({ revision: 'committed', source: ctx.committedRego }), '--format', 'json']);
  assert.ok([0, 1].includes(r.status), r.stderr);
  const decision = JSON.parse(r.stdout) as { deny: Record<string, Array<{ rule: string }>>; warn: Record<string, Array<{ rule: string }>> };
  const flagged = [...Object.values(decision.deny), ...Object.values(decision.warn)].flat().map((v) => v.rule);
  assert.not.ok(flagged.includes('DFW-BUILD-002'), `DFW-BUILD-002 flags the scaffold's workflow: ${JSON.stringify(decision.deny)}`);
});

guards.run();
