// dfw installs like a tool: `npm pack` of the checkout (dependencies bundled inside), then
// `npm install -g --offline` of the tarball into a scratch prefix, and the installed `dfw`
// runs policy init / test / build and check in a folder that is not dfw's checkout — with
// the built-in pack and its compiled bundle from inside the package.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { opaPath, ROOT } from './helpers/opa.js';

interface Ctx {
  dir: string;
  dfw: string;
  work: string;
}

const pkg = suite<Ctx>('the packed dfw installed from its tarball');

function run(cmd: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }) {
  const r = spawnSync(cmd, args, { cwd: options.cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

pkg.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-package-'));
  // dist/ and bundles/ are built by make test (make pack does the same), so the scripts that
  // would rebuild them are skipped here; the package's prepack runs them for `npm pack` alone.
  const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', ctx.dir], { cwd: ROOT, timeoutMs: 300_000 });
  assert.is(packed.status, 0, packed.stderr);
  const tarball = readdirSync(ctx.dir).find((f) => /^dfw-\d+\.\d+\.\d+.*\.tgz$/.test(f));
  assert.ok(tarball, `npm pack wrote a dfw-<version>.tgz: ${packed.stdout}`);
  const prefix = join(ctx.dir, 'prefix');
  // --offline: nothing may come from the registry; every dependency is inside the tarball.
  // --ignore-scripts: better-sqlite3's addon is the one packed (same platform); its install
  // script would otherwise compile SQLite again.
  const installed = run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(ctx.dir, tarball!)], { cwd: ctx.dir, timeoutMs: 300_000 });
  assert.is(installed.status, 0, installed.stdout + installed.stderr);
  ctx.dfw = join(prefix, 'bin', 'dfw');
  ctx.work = join(ctx.dir, 'work');
  mkdirSync(ctx.work);
});

pkg.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

function dfw(ctx: Ctx, args: string[], cwd = ctx.work) {
  return run(ctx.dfw, args, { cwd, env: { DFW_OPA: opaPath() } });
}

pkg('the package carries the built-in pack, its compiled bundles and the init templates, not the tests', (ctx) => {
  const root = join(ctx.dir, 'prefix', 'lib', 'node_modules', 'dfw');
  const files = readdirSync(root, { recursive: true }) as string[];
  for (const f of ['bundles/firewall.tar.gz', 'bundles/firewall-rego.tar.gz', 'rego/firewall/decision.rego', 'wasm/capabilities.json', 'docs/input.schema.json', 'templates/policy-repo/dfw-policy.yaml', 'dist/src/cli/main.js']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  assert.not.ok(files.some((f) => f.startsWith('test/') || f.startsWith('src/')), 'no tests or TypeScript sources');
  assert.is((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { private?: boolean }).private, undefined);
});

pkg('dfw policy init, test and build work outside the checkout', (ctx) => {
  const init = dfw(ctx, ['policy', 'init', 'acme-policy', '--team', 'acme']);
  assert.is(init.status, 0, init.stderr);
  const repo = join(ctx.work, 'acme-policy');
  const test = dfw(ctx, ['policy', 'test'], repo);
  assert.is(test.status, 0, test.stdout + test.stderr);
  assert.match(test.stdout, /8 passed, 0 failed/);
  const build = dfw(ctx, ['policy', 'build', '--revision', 'installed-1'], repo);
  assert.is(build.status, 0, build.stdout + build.stderr);
  assert.match(build.stdout, /ACME-CD-001 +high/);
});

pkg('dfw check decides with the packaged bundle from any folder, and with the team\'s bundle when given', (ctx) => {
  const example = JSON.parse(readFileSync(join(ctx.work, 'acme-policy', 'examples', 'unapproved-deployer.json'), 'utf8')) as { request: unknown };
  const request = join(ctx.work, 'request.json');
  writeFileSync(request, JSON.stringify(example.request));
  const builtin = dfw(ctx, ['check', '--env', 'production', '--input', request, '--format', 'json']);
  assert.is(builtin.status, 0, `the built-in pack alone allows it: ${builtin.stdout}${builtin.stderr}`);
  const team = dfw(ctx, ['check', '--env', 'production', '--input', request, '--format', 'json', '--bundle', join(ctx.work, 'acme-policy', 'build', 'firewall.tar.gz')]);
  assert.is(team.status, 1, team.stdout + team.stderr);
  const decision = JSON.parse(team.stdout) as { bundle: { revision: string }; deny: Record<string, Array<{ rule: string }>> };
  assert.is(decision.bundle.revision, 'installed-1');
  assert.equal(Object.values(decision.deny).flat().map((v) => v.rule), ['ACME-CD-001']);
});

pkg.run();
