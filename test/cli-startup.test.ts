// What a `dfw` process loads before it does its work. Every command imports main.ts and, with
// it, every other command's definition; the engine, the store's drivers, the server and the
// decision pipeline are loaded by the command that runs them (main.ts). Measured here by what
// a real process resolved (test/helpers/module-trace-preload.mjs), never by a time.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDfw, startDfw } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const PRELOAD = pathToFileURL(join(ROOT, 'test/helpers/module-trace-preload.mjs')).href;
const TYPICAL = readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8');

/**
 * What only the work of a command needs: none of it for `--version` or `--help`. The trace
 * sees ES module resolution, so a package is seen when dfw's own code imports it, not the
 * files a CommonJS package requires inside itself.
 */
const HEAVY = [
  'dist/src/engine/index.js',
  'dist/src/engine/evaluator.js',
  'dist/src/decide/index.js',
  'dist/src/collect/check-request.js',
  'dist/src/store/index.js',
  'dist/src/api/index.js',
  'dist/src/host/server.js',
  'dist/src/config/load.js',
  'node_modules/@open-policy-agent/opa-wasm/',
  'node_modules/better-sqlite3/',
  'node_modules/pg/',
  'node_modules/hono/',
  'node_modules/ajv/',
  'node_modules/yaml/',
  'node_modules/ical.js/',
  'node_modules/luxon/',
  'node_modules/@sigstore/',
];

/** What a cluster's primary must never load: it relays rows to its writer thread. */
const SERVER_ONLY = [
  'dist/src/host/server.js',
  'dist/src/api/index.js',
  'dist/src/decide/index.js',
  'dist/src/engine/index.js',
  'dist/src/collect/collectors/index.js',
  'dist/src/collect/collectors/registry.js',
  'node_modules/@open-policy-agent/opa-wasm/',
  'node_modules/hono/',
  'node_modules/@sigstore/',
];

const test = suite<{ dir: string }>('cli startup');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-cli-startup-'));
});
test.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const traced = (dir: string) => ({ NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PRELOAD}`.trim(), DFW_TEST_MODULE_TRACE_DIR: dir });

/** The project files and packages each process resolved, by pid. */
function loadedByPid(dir: string): Map<number, Set<string>> {
  const root = pathToFileURL(join(ROOT, '/')).href;
  const out = new Map<number, Set<string>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
    const urls = readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean);
    out.set(Number(file.slice(0, -4)), new Set(urls.map((u) => u.replace(root, ''))));
  }
  return out;
}

const among = (list: string[], loaded: Set<string>) => list.filter((h) => [...loaded].some((m) => m.startsWith(h)));
const heavyIn = (loaded: Set<string>) => among(HEAVY, loaded);

for (const args of [['--version'], ['--help'], ['check', '--help'], ['serve', '--help'], ['what-if', '--help'], ['policy', 'build', '--help']]) {
  test(`dfw ${args.join(' ')} loads none of the engine, the store, the server or the decision pipeline`, (ctx) => {
    const r = runDfw(args, { env: traced(ctx.dir) });
    assert.is(r.status, 0, r.stderr);
    const processes = [...loadedByPid(ctx.dir).values()];
    assert.is(processes.length, 1, 'one process traced');
    const loaded = processes[0]!;
    assert.ok(loaded.has('dist/src/cli/main.js'), 'the trace saw the command line load');
    assert.equal(heavyIn(loaded), []);
  });
}

test('dfw check --server loads neither the engine nor the store: the server decides', (ctx) => {
  // Nothing listens on port 9 of this machine: the check fails (exit 2), after parsing the request.
  const r = runDfw(['check', '--input', 'examples/compliant.allow.json', '--server', 'http://127.0.0.1:9', '--timeout', '5'], { env: traced(ctx.dir) });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot be reached/);
  const loaded = [...loadedByPid(ctx.dir).values()][0]!;
  assert.ok(loaded.has('dist/src/collect/check-request.js'), 'the request is validated before it is sent');
  // The request's schema (Ajv) is all it compiles.
  assert.equal(heavyIn(loaded).filter((h) => h !== 'dist/src/collect/check-request.js' && h !== 'node_modules/ajv/'), []);
});

test('dfw check (local) loads the engine and decides', (ctx) => {
  const r = runDfw(['check', '--input', 'examples/compliant.allow.json', '--format', 'json'], { env: traced(ctx.dir) });
  assert.is(r.status, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { allow: boolean }).allow, true);
  const loaded = [...loadedByPid(ctx.dir).values()][0]!;
  assert.ok(heavyIn(loaded).includes('dist/src/engine/index.js'));
});

test('dfw serve --workers 2: the primary loads neither the server nor the engine; each worker does, and answers; none loads node-postgres for SQLite', async (ctx) => {
  const config = join(ctx.dir, 'dfw.yaml');
  writeFileSync(config, ['bundle:', `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`, 'store:', `  url: ${JSON.stringify(`sqlite:${join(ctx.dir, 'dfw.db')}`)}`, 'server:', '  workers: 2', ''].join('\n'));
  const traceDir = join(ctx.dir, 'trace');
  mkdirSync(traceDir);
  const server = await startDfw(['--config', config], traced(traceDir));
  const answers: Array<{ status: number; allow?: boolean }> = [];
  let exitCode: number | null;
  try {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TYPICAL });
      answers.push({ status: res.status, ...((await res.json()) as { allow?: boolean }) });
    }
  } finally {
    exitCode = await server.stop();
  }
  assert.equal(answers.map((a) => [a.status, a.allow]), Array.from({ length: 4 }, () => [200, true]));
  assert.is(exitCode, 0, 'stopped cleanly by SIGTERM');
  const byPid = loadedByPid(traceDir);
  const primary = byPid.get(server.child.pid!);
  assert.ok(primary, `the primary (pid ${server.child.pid}) was traced`);
  assert.ok(primary.has('dist/src/host/cluster.js'), 'the primary ran the cluster');
  assert.ok(primary.has('dist/src/store/writer-thread-main.js'), 'the primary runs the decision writer thread');
  assert.equal(among(SERVER_ONLY, primary), [], 'the primary loads neither the server nor the engine');
  const workers = [...byPid].filter(([pid]) => pid !== server.child.pid);
  assert.is(workers.length, 2, 'two workers traced');
  for (const [pid, loaded] of workers) assert.ok(loaded.has('dist/src/host/server.js') && loaded.has('dist/src/engine/index.js'), `worker ${pid} runs the server`);
  for (const [pid, loaded] of byPid) assert.equal(among(['node_modules/pg/'], loaded), [], `process ${pid}: a SQLite server never loads node-postgres`);
});

test.run();
