// A security team's own policy repository, end to end with real parts, from an empty folder
// outside dfw's checkout: dfw policy init, a rule of the team's own, dfw policy test (passes,
// then fails naming the example a broken rule breaks), build --signing-key, push to a real
// OCI registry (crane registry serve), dfw serve pulling from it denying with the new rule,
// stock OPA pulling the same bundle and deciding the same, and a tampered artifact refused
// while the last good bundle keeps serving, also from the disk cache once the registry is gone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import type { Decision, PolicyDecision } from '../src/engine/index.js';
import { SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { runDfw, startDfw, type ServerProcess } from './helpers/cli.js';
import { opaPath } from './helpers/opa.js';
import { runGoTool, startRegistry, type Registry } from './helpers/registry.js';
import { fileName, tamperBundle, unpackBundle } from './helpers/tamper.js';

interface Ctx {
  dir: string;
  repo: string;
  registry: Registry;
  registryStopped?: boolean;
  dfw?: ServerProcess;
  opa?: ChildProcess;
}

const flow = suite<Ctx>('policy repository: init, test, build, push, serve');

const RULE = `# METADATA
# description: ACME-TAG-001 — images are deployed by a version tag, never "latest".
package firewall.rules.acme.no_latest_tag

import data.firewall.lib

# METADATA
# title: Image is not deployed as latest
# description: |-
#   The deployed image names a version tag: "latest" moves, so what was tested is not
#   what runs.
# custom:
#   id: ACME-TAG-001
#   severity: critical
#   category: supply-chain
#   remediation: Tag the image with its version (1.4.2) and deploy that tag.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.finding(
\tsprintf("image %s is deployed as latest", [lib.artifact_ref]),
\t"artifact.tag = latest",
) if {
\tlib.field("artifact", "tag", "") == "latest"
}
`;

const RULE_TEST = `package firewall.rules.acme.no_latest_tag_test

import data.firewall.rules.acme.no_latest_tag

test_deny_latest if {
\tviolations := no_latest_tag.deny with input as {"artifact": {"image": "r.example/a:latest", "tag": "latest"}}
\tsome v in violations
\tv.rule == "ACME-TAG-001"
}

test_allow_version_tag if {
\tcount(no_latest_tag.deny) == 0 with input as {"artifact": {"image": "r.example/a:1.5.0", "tag": "1.5.0"}}
}
`;

function dfw(ctx: Ctx, args: string[], env: Record<string, string> = {}) {
  return runDfw(args, { cwd: ctx.repo, env: { DFW_OPA: opaPath(), ...env } });
}

/** The scaffold's compliant request deployed as :latest. */
function latestRequest(ctx: Ctx): Record<string, unknown> {
  const example = JSON.parse(readFileSync(join(ctx.repo, 'examples', 'approved-deployer.json'), 'utf8')) as { request: { artifact: { image: string } } };
  const request = structuredClone(example.request);
  request.artifact.image = request.artifact.image.replace(/:[^:/]+$/, ':latest');
  return request as unknown as Record<string, unknown>;
}

function ruleIds(groups: PolicyDecision['deny']): string[] {
  return [...new Set(Object.values(groups).flat().map((v) => v.rule))].sort();
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function check(ctx: Ctx, request: Record<string, unknown>): Promise<Decision> {
  const r = await fetch(`${ctx.dfw!.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  const body = (await r.json()) as Decision;
  assert.ok(typeof body.allow === 'boolean', JSON.stringify(body));
  return body;
}

flow.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-policy-flow-'));
  ctx.repo = join(ctx.dir, 'acme-policy');
  ctx.registry = await startRegistry();
});

flow.after(async (ctx) => {
  await ctx.dfw?.stop();
  ctx.opa?.kill('SIGTERM');
  if (!ctx.registryStopped) await ctx.registry?.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

flow('dfw policy init scaffolds a repository that passes its own tests at once', (ctx) => {
  const init = runDfw(['policy', 'init', 'acme-policy', '--team', 'acme'], { cwd: ctx.dir });
  assert.is(init.status, 0, init.stderr);
  for (const f of ['dfw-policy.yaml', 'enforcement.yaml', '.gitignore', '.github/workflows/policy.yml', 'policy/approved_deployer.rego', 'policy/approved_deployer_test.rego', 'examples/approved-deployer.json']) {
    assert.ok(init.stdout.includes(f), `init lists ${f}`);
  }
  const workflow = readFileSync(join(ctx.repo, '.github/workflows/policy.yml'), 'utf8');
  assert.match(workflow, 'dfw policy test');
  assert.match(workflow, 'dfw policy build');
  assert.match(workflow, 'apt-get install -y binaryen');
  const test = dfw(ctx, ['policy', 'test']);
  assert.is(test.status, 0, test.stdout + test.stderr);
  assert.match(test.stdout, /PASS {2}example:examples\/unapproved-deployer\.json +deny by ACME-CD-001 in production/);
  assert.match(test.stdout, /8 passed, 0 failed/);
});

flow('a rule of the team\'s own passes dfw policy test with its example', (ctx) => {
  writeFileSync(join(ctx.repo, 'policy', 'no_latest_tag.rego'), RULE);
  writeFileSync(join(ctx.repo, 'policy', 'no_latest_tag_test.rego'), RULE_TEST);
  writeFileSync(join(ctx.repo, 'examples', 'latest-tag.json'), JSON.stringify({ request: latestRequest(ctx), expect: { allow: false, deny: ['ACME-TAG-001'] } }, null, 2));
  const test = dfw(ctx, ['policy', 'test', '--format', 'json']);
  assert.is(test.status, 0, test.stdout + test.stderr);
  const report = JSON.parse(test.stdout) as { ok: boolean; steps: Array<{ name: string; status: string; summary: string }> };
  assert.ok(report.ok);
  assert.equal(report.steps.find((s) => s.name === 'example:examples/latest-tag.json')?.status, 'pass');
  assert.match(report.steps.find((s) => s.name === 'layering')!.summary, /^2 rules in firewall\.rules\.acme/);
});

flow('breaking the rule fails dfw policy test, naming the example that broke (and JUnit says so too)', (ctx) => {
  const file = join(ctx.repo, 'policy', 'no_latest_tag.rego');
  writeFileSync(file, RULE.replace('== "latest"', '== "lastest"'));
  try {
    const test = dfw(ctx, ['policy', 'test']);
    assert.is(test.status, 1, test.stdout + test.stderr);
    assert.match(test.stdout, /FAIL {2}example:examples\/latest-tag\.json +expected deny, got allow; expected deny by ACME-TAG-001, got nothing/);
    assert.match(test.stdout, /policy\/no_latest_tag_test\.rego:\d+: test_deny_latest failed/);
    const junit = dfw(ctx, ['policy', 'test', '--format', 'junit']);
    assert.is(junit.status, 1);
    assert.match(junit.stdout, /<testcase classname="dfw\.policy\.acme" name="example:examples\/latest-tag\.json">\s*<failure message="expected deny, got allow/);
  } finally {
    writeFileSync(file, RULE);
  }
});

flow('dfw policy build --signing-key compiles both bundles at the git revision and prints the catalog', async (ctx) => {
  git(ctx.repo, ['init', '-q']);
  git(ctx.repo, ['add', '-A']);
  git(ctx.repo, ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'rules']);
  const head = git(ctx.repo, ['rev-parse', 'HEAD']);
  const build = dfw(ctx, ['policy', 'build', '--signing-key', SIGNING_KEY]);
  assert.is(build.status, 0, build.stdout + build.stderr);
  assert.match(build.stdout, `at revision ${head}, signed (RS256)`);
  // The shipped module is wasm-opt's (installed by scripts/ensure-packages.sh); the rest of
  // this flow pushes, pulls, verifies and serves that bundle.
  assert.match(build.stdout, /policy\.wasm optimized by wasm-opt version \d+[^\n]* in [\d.]+ s \(\d+ KiB → \d+ KiB\)/);
  assert.match(build.stdout, /ACME-TAG-001 +critical +warn +deny +deny +Image is not deployed as latest/);
  const files = await unpackBundle(readFileSync(join(ctx.repo, 'build', 'firewall.tar.gz')));
  assert.ok(files.has(fileName(files, '.signatures.json')));
  assert.ok(files.has(fileName(files, 'firewall/rules/acme/no_latest_tag.rego')), [...files.keys()].join(', '));
  assert.ok(![...files.keys()].some((f) => f.endsWith('_test.rego')), 'no tests in the bundle');
});

flow('dfw policy push puts both bundles in the registry as OPA bundle artifacts', (ctx) => {
  const push = dfw(ctx, ['policy', 'push', `oci://${ctx.registry.host}/acme/policy:v1`]);
  assert.is(push.status, 0, push.stdout + push.stderr);
  for (const tag of ['v1', 'v1-rego']) {
    const manifest = JSON.parse(runGoTool('crane', ['manifest', '--insecure', `${ctx.registry.host}/acme/policy:${tag}`])) as { config: { mediaType: string }; layers: Array<{ mediaType: string }> };
    assert.is(manifest.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    assert.equal(manifest.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+gzip']);
  }
});

flow('dfw serve --bundle-url oci://… verifies the pulled bundle and denies with the new rule', async (ctx) => {
  const config = join(ctx.dir, 'dfw.yaml');
  writeFileSync(
    config,
    `bundle: { url: "oci://${ctx.registry.host}/acme/policy:v1", public_key: ${SIGNING_PUB}, cache_dir: ${join(ctx.dir, 'cache')}, poll_min_seconds: 0.2, poll_max_seconds: 0.5 }\n` +
      `store: { url: "sqlite:${join(ctx.dir, 'dfw.db')}" }\npublish: { dir: ${join(ctx.dir, 'published')} }\n`,
  );
  ctx.dfw = await startDfw(['--config', config]);
  const decision = await check(ctx, latestRequest(ctx));
  assert.is(decision.allow, false);
  assert.equal(ruleIds(decision.deny), ['ACME-TAG-001']);
  assert.is(decision.bundle.revision, git(ctx.repo, ['rev-parse', 'HEAD']));
  assert.ok(ctx.dfw.logs.some((l) => l.includes('"bundle activated"') && l.includes(`oci://${ctx.registry.host}/acme/policy:v1`)));
});

flow('stock OPA pulls the Rego bundle from the registry (type: oci) and returns the same decision', async (ctx) => {
  const port = await freePort();
  const opaConfig = join(ctx.dir, 'opa.json');
  writeFileSync(
    opaConfig,
    JSON.stringify({
      services: { registry: { url: `http://${ctx.registry.host}`, type: 'oci' } },
      bundles: { firewall: { service: 'registry', resource: `${ctx.registry.host}/acme/policy:v1-rego`, polling: { min_delay_seconds: 1, max_delay_seconds: 2 }, signing: { keyid: 'default' } } },
      keys: { default: { algorithm: 'RS256', key: readFileSync(SIGNING_PUB, 'utf8') } },
      persistence_directory: join(ctx.dir, 'opa-persist'),
    }),
  );
  ctx.opa = spawn(opaPath(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--config-file', opaConfig], { stdio: 'ignore' });
  await waitFor('OPA to activate the bundle from the registry', async () => ((await fetch(`http://127.0.0.1:${port}/health?bundles`)).status === 200 ? true : undefined));
  const request = latestRequest(ctx);
  const input = await verifiedInput(parseCheckRequest(request), { id: 'opa-oracle', via: 'api' });
  const now = new Date();
  Object.assign(input.request as Record<string, unknown>, { time: now.toISOString(), time_ns: '__NS__' });
  const body = `{"input":${JSON.stringify(input).replace('"__NS__"', `${BigInt(now.getTime()) * 1_000_000n}`)}}`;
  const answer = (await (await fetch(`http://127.0.0.1:${port}/v1/data/firewall/decision`, { method: 'POST', body })).json()) as { result: PolicyDecision };
  const ours = await check(ctx, request);
  assert.is(answer.result.allow, ours.allow);
  assert.equal(ruleIds(answer.result.deny), ruleIds(ours.deny));
  assert.equal(ruleIds(answer.result.warn), ruleIds(ours.warn));
  assert.equal(ruleIds(answer.result.deny), ['ACME-TAG-001']);
});

flow('a tampered artifact in the registry is refused with a log line saying why; the last good bundle keeps serving', async (ctx) => {
  const tampered = join(ctx.dir, 'tampered.tar.gz');
  // The rule switched off in production inside data.json, the signature left as it was.
  await tamperBundle(readFileSync(join(ctx.repo, 'build', 'firewall.tar.gz')), tampered, (files) => {
    const name = fileName(files, 'data.json');
    const data = JSON.parse(new TextDecoder().decode(files.get(name))) as { firewall: { config: { environments: Record<string, { rules?: Record<string, unknown> }> } } };
    data.firewall.config.environments.production!.rules = { ...data.firewall.config.environments.production!.rules, 'ACME-TAG-001': { enabled: false } };
    files.set(name, new TextEncoder().encode(JSON.stringify(data)));
  });
  const push = dfw(ctx, ['policy', 'push', `oci://${ctx.registry.host}/acme/policy:v1`, '--bundle', tampered]);
  assert.is(push.status, 0, push.stdout + push.stderr);
  const refusal = await waitFor('dfw to refuse the tampered bundle', async () => ctx.dfw!.logs.find((l) => l.includes('"bundle refused; the last good one keeps serving"')));
  assert.match(refusal, `oci://${ctx.registry.host}/acme/policy:v1`);
  assert.match(refusal, /data\.json/);
  const decision = await check(ctx, latestRequest(ctx));
  assert.is(decision.allow, false, 'the last good bundle still denies');
  assert.equal(ruleIds(decision.deny), ['ACME-TAG-001']);
});

flow('with the registry gone, a restarted dfw serves the last good bundle from its cache, verified again', async (ctx) => {
  await ctx.dfw!.stop();
  // Stopped here, not in after(): a process killed by a signal never emits 'exit' twice.
  await ctx.registry.stop();
  ctx.registryStopped = true;
  ctx.dfw = await startDfw(['--config', join(ctx.dir, 'dfw.yaml')]);
  assert.ok(ctx.dfw.logs.some((l) => l.includes('"bundle restored from cache"')), ctx.dfw.logs.join('\n'));
  const decision = await check(ctx, latestRequest(ctx));
  assert.is(decision.allow, false);
  assert.equal(ruleIds(decision.deny), ['ACME-TAG-001']);
  assert.is(decision.bundle.revision, git(ctx.repo, ['rev-parse', 'HEAD']));
});

flow.run();
