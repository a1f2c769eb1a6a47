// A thread of `dfw serve` that stops on its own, in a real process (test/helpers/
// thread-exit-preload.mjs stops it with a message in flight), and an idle evaluation thread
// that must not keep a process alive:
// - the decision log's writer thread (one process, or a cluster's primary): the check waiting
//   on it fails closed, every decision answered before is in the log, and the server shuts
//   down with exit code 1 so that a supervisor restarts it (no check can be recorded any more);
// - an evaluation thread: the large check on it fails closed, the server goes on, and the
//   next large check starts another thread.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBenchInputs } from '../bench/inputs.js';
import { openStore } from '../src/store/index.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { runLoad } from './helpers/keep-alive-load.js';
import { ROOT } from './helpers/opa.js';

const PRELOAD = pathToFileURL(join(ROOT, 'test/helpers/thread-exit-preload.mjs')).href;
const TYPICAL = readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8');

const test = suite<{ dir: string }>('thread failures');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-thread-failures-'));
});
test.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** `dfw serve` on a SQLite file in `dir`, whose thread sent the `after`th message of `type` stops. */
function serveStopping(dir: string, type: 'records' | 'run', after: number, extra: string[] = []): Promise<ServerProcess> {
  const config = join(dir, 'dfw.yaml');
  writeFileSync(config, ['bundle:', `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`, 'store:', `  url: ${JSON.stringify(`sqlite:${join(dir, 'dfw.db')}`)}`, 'server:', '  evaluation_threads: 1', ...extra, ''].join('\n'));
  return startDfw(['--config', config], {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PRELOAD}`.trim(),
    DFW_TEST_THREAD_EXIT_ON: type,
    DFW_TEST_THREAD_EXIT_AFTER: String(after),
  });
}

const exitOf = (server: ServerProcess) =>
  new Promise<number | null>((resolve, reject) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    const timer = setTimeout(() => reject(new Error(`dfw serve did not exit:\n${server.logs.join('\n')}`)), 30_000);
    server.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

const logged = (server: ServerProcess, msg: string) => server.logs.filter((line) => line.includes(`"msg":"${msg}"`));

/**
 * The writer thread of a single process, or of a cluster's primary (which commits the rows its
 * workers send over IPC): the shutdown is logged by the one or the other.
 */
for (const mode of [
  { name: 'dfw serve', extra: [] as string[], stoppedLog: 'cannot go on: shutting down' },
  { name: 'dfw serve --workers 2 (the primary\'s writer)', extra: ['  workers: 2'], stoppedLog: 'the decision writer thread stopped: shutting down' },
]) {
  test(`${mode.name}: the decision writer thread stops mid-burst: the check waiting on it fails closed, every answered decision is in the log, and it exits 1`, async (ctx) => {
    const server = await serveStopping(ctx.dir, 'records', 25, mode.extra);
    let exchanges, code;
    try {
      // Clients stop at their first answer that is not a 200; the deadline only guards a preload
      // that did not take.
      const deadline = Date.now() + 60_000;
      exchanges = await runLoad({ url: server.url, body: TYPICAL, connections: 4, stop: () => Date.now() > deadline });
      code = await exitOf(server);
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    }
    assert.is(logged(server, 'test: stopping the thread').length, 1, 'the preload stopped the thread');

    const answered = exchanges.filter((e) => e.status === 200).map((e) => JSON.parse(e.body!) as { decision_id: string; allow: boolean });
    const refused = exchanges.filter((e) => e.status !== 200);
    // terminate() takes effect soon after the 25th row is sent, not at once: that row, or one
    // sent just after it, may still be committed and answered.
    assert.ok(answered.length >= 20 && answered.length <= 30, `${answered.length} checks answered; the thread stopped after the 25th row`);
    assert.ok(refused.length >= 1, 'no check failed');
    for (const e of refused) {
      // A check waiting on the stopped thread answers 500; one arriving during the shutdown is
      // refused or finds the port closed. None is an allow.
      if (e.status === undefined) continue;
      assert.ok(e.status === 500 || e.status === 503, `status ${e.status}: ${e.body}`);
      assert.not.match(e.body ?? '', /"allow":\s*true/);
    }
    assert.ok(
      refused.some((e) => e.status === 500 && /"code":"decision_log_failed".*decision writer thread stopped/.test(e.body ?? '')),
      `no 500 decision_log_failed naming the writer thread: ${JSON.stringify(refused.map((e) => e.body ?? e.error))}`,
    );

    assert.is(code, 1, 'dfw serve exits 1 so that a supervisor restarts it');
    // One error line says it all, with the thread's reason: not one for the thread and
    // another for the shutdown (each refused check has its own "request failed" line).
    const errors = server.logs.filter((line) => line.includes('"level":"error"') && !line.includes('"msg":"request failed"'));
    assert.is(logged(server, mode.stoppedLog).length, 1);
    assert.match(logged(server, mode.stoppedLog)[0]!, /"reason":"[^"]*(decision writer thread stopped|thread exited)/);
    assert.is(errors.length, 1, `one error line, not ${errors.length}:\n${errors.join('\n')}`);

    const store = await openStore(`sqlite:${join(ctx.dir, 'dfw.db')}`);
    try {
      for (const { decision_id } of answered) assert.ok(await store.getDecision(decision_id), `answered decision ${decision_id} is not in the log`);
    } finally {
      await store.close();
    }
  });
}

test('an evaluation thread stops with a large check on it: that check fails closed, the server goes on, and the next large check starts another thread', async (ctx) => {
  const large = (await loadBenchInputs()).large.requestJson;
  const server = await serveStopping(ctx.dir, 'run', 1);
  let stopped: number | null = null;
  try {
    const check = () => fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: large });
    const first = await check();
    const failed = (await first.json()) as { error?: { code?: string; message?: string }; allow?: boolean };
    assert.is(first.status, 500);
    assert.is(failed.allow, undefined);
    assert.is(failed.error?.code, 'evaluation_failed');
    assert.match(failed.error?.message ?? '', /evaluation thread exited/);

    const second = await check();
    const decided = (await second.json()) as { allow: boolean; deny: { critical: unknown[] } };
    assert.is(second.status, 200);
    assert.is(decided.allow, false, 'the large input denies');
    assert.ok(decided.deny.critical.length > 0);
    assert.ok((await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TYPICAL })).ok, 'a typical check');

    assert.is(logged(server, 'evaluation thread lost').length, 1);
    assert.is(logged(server, 'evaluation thread started').length, 2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^dfw_evaluation_threads_lost_total 1$/m);
    assert.match(metrics, /^dfw_evaluation_threads 1$/m);
    assert.match(metrics, /^dfw_evaluations_total\{thread="evaluation_thread"\} 1$/m);
    assert.is(logged(server, 'test: stopping the thread').length, 1, 'the preload stopped the thread');
  } finally {
    stopped = await server.stop();
  }
  assert.is(stopped, 0, 'stopped by SIGTERM');
});

test('an idle evaluation thread keeps no process alive', async () => {
  // A process that evaluates one large input on a pool thread, never closes the pool, and
  // has nothing else to do: it must end by itself.
  const script = [
    `import { readFileSync } from 'node:fs';`,
    `import { loadBenchInputs } from ${JSON.stringify(join(ROOT, 'bench/inputs.ts'))};`,
    `import { createEvaluator, loadBundle } from ${JSON.stringify(join(ROOT, 'src/engine/index.ts'))};`,
    `import { EvaluationPool } from ${JSON.stringify(join(ROOT, 'src/host/evaluation-pool.ts'))};`,
    `const evaluator = await createEvaluator(await loadBundle(readFileSync(${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))})));`,
    `const pool = new EvaluationPool({ threads: 1, current: () => evaluator });`,
    `const decision = await pool.evaluate(evaluator, (await loadBenchInputs()).large.input);`,
    `console.log(JSON.stringify({ allow: decision.allow, ...pool.stats() }));`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk));
  const code = await new Promise<number | null | 'hung'>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, 60_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.is(code, 0, `the process did not end by itself (${code}):\n${out}`);
  const stats = JSON.parse(out.trim().split('\n').pop()!) as { allow: boolean; running: number; evaluated: { thread: number } };
  assert.equal({ allow: stats.allow, running: stats.running, thread: stats.evaluated.thread }, { allow: false, running: 1, thread: 1 });
});

test.run();
