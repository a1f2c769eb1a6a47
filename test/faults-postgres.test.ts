// PostgreSQL stopped and restarted under load. A cluster of this test's own (another port,
// another folder: the shared one on 55432 is never touched) serves a real dfw app over HTTP
// while workers post checks without pause. While the database is down every check fails
// closed with 503 and Retry-After (never a 500, never an allow without a record); once it is
// back, checks recover by themselves; and every decision that was answered 200 is in the log.
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Evaluator } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';

const PORT = String(56_000 + (process.pid % 1000));
const DIR = `/tmp/dfw-faults-pg-${PORT}`;
const faults = suite<{ evaluator: Evaluator; url: string }>('faults-postgres');

function postgres(command: 'start' | 'stop'): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts/postgres.sh'), command], { encoding: 'utf8', env: { ...process.env, DFW_PG_PORT: PORT, DFW_PG_DIR: DIR }, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`postgres.sh ${command} on ${PORT} failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

faults.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'faults-postgres' });
  ctx.url = postgres('start');
});
faults.after(() => {
  postgres('stop');
  spawnSync('rm', ['-rf', DIR]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

faults('checks fail closed with 503 while PostgreSQL is down, recover by themselves, and every answered decision is in the log', async (ctx) => {
  const store = await openStore(ctx.url, { schema: `faults_${process.pid}`, poolSize: 4 });
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const logger = createMemoryLogger();
  const app = createApp({ policy, logger, store, checks: createCheckService(policy, { store }) });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const body = JSON.stringify(readExamples().get('compliant.allow.json'));

  type Answer = { at: number; phase: 'before' | 'down' | 'after'; status: number; decisionId?: string; retryAfter?: string | null; code?: string };
  const answers: Answer[] = [];
  let phase: Answer['phase'] = 'before';
  let running = true;
  const worker = async () => {
    while (running) {
      const asked = phase;
      const res = await fetch(`${base}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { decision_id?: string; error?: { code: string } };
      answers.push({ at: Date.now(), phase: asked === phase ? phase : 'down', status: res.status, retryAfter: res.headers.get('retry-after'), ...(json.decision_id ? { decisionId: json.decision_id } : {}), ...(json.error ? { code: json.error.code } : {}) });
      if (res.status !== 200) await sleep(20);
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  try {
    // Under load, not after a fixed time: the machine may be slow.
    const answeredNow = () => answers.filter((a) => a.status === 200).length;
    for (let waited = 0; waited < 60_000 && answeredNow() < 10; waited += 50) await sleep(50);
    phase = 'down';
    const stopped = Date.now();
    postgres('stop');
    await sleep(2_000);
    postgres('start');
    const restarted = Date.now();
    phase = 'after';
    // Recovery is by itself: no restart of dfw, no reconnect call.
    let recoveredAt: number | undefined;
    for (let waited = 0; waited < 20_000 && recoveredAt === undefined; waited += 100) {
      await sleep(100);
      recoveredAt = answers.find((a) => a.at > restarted && a.status === 200)?.at;
    }
    const afterRecovery = answers.length;
    for (let waited = 0; waited < 60_000 && answers.slice(afterRecovery).filter((a) => a.status === 200).length < 20; waited += 50) await sleep(50);
    running = false;
    await Promise.all(workers);

    const by = (phase: Answer['phase'], status?: number) => answers.filter((a) => a.phase === phase && (status === undefined || a.status === status)).length;
    const statuses = [...new Set(answers.map((a) => a.status))].sort();
    const unavailable = answers.filter((a) => a.status === 503);
    console.log(
      `faults-postgres: ${answers.length} checks; before: ${by('before', 200)} answered; while down (${restarted - stopped} ms): ${by('down', 200)} answered, ${by('down', 503)} refused 503; ` +
        `after restart: recovered in ${recoveredAt === undefined ? 'never' : `${recoveredAt - restarted} ms`}, ${by('after', 200)} answered, ${by('after', 503)} refused 503`,
    );
    assert.equal(statuses.filter((s) => s !== 200 && s !== 503), [], `only 200 or 503: ${JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 503).slice(0, 3))}`);
    assert.ok(by('before', 200) >= 10, 'checks were answered before the stop');
    assert.ok(unavailable.length > 0, 'checks failed closed while the database was down');
    assert.ok(unavailable.every((a) => a.retryAfter === '5' && (a.code === 'store_unavailable' || a.code === 'decision_log_failed')), JSON.stringify(unavailable.slice(0, 2)));
    assert.ok(recoveredAt !== undefined, 'checks recovered by themselves after the restart');
    const tail = answers.slice(-20);
    assert.ok(tail.every((a) => a.status === 200), `the last answers are decisions again: ${tail.map((a) => a.status).join(',')}`);
    assert.equal(logger.lines.filter((l) => l.level === 'error' && l.msg === 'unhandled error'), []);

    // Nothing answered is lost: every 200 is in the log.
    const answered = answers.filter((a) => a.status === 200).map((a) => a.decisionId!);
    const missing: string[] = [];
    for (const id of answered) if (!(await store.getDecision(id))) missing.push(id);
    assert.equal(missing, [], `${missing.length} of ${answered.length} answered decisions are missing from the log`);
    console.log(`faults-postgres: all ${answered.length} answered decisions are in the log`);
  } finally {
    running = false;
    await Promise.allSettled(workers);
    await new Promise((resolve) => server.close(resolve));
    await store.close().catch(() => undefined);
  }
});

faults.run();
