// POST /v1/check for a caller that gave up: a client that closes its connection before the
// answer (its own timeout) was told nothing, so its check must record nothing — it stops at
// its next step, as an admission past its deadline does. A request answered in full on a
// keep-alive connection is not "gone" when that connection later closes. And only the abort
// itself is a client event: another error after the client left is still logged as an error.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { createCheckService, type CheckService } from '../src/decide/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import type { Collector } from '../src/collect/collector.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { startDfw } from './helpers/cli.js';
import { FakeServer } from './helpers/fake-servers.js';
import { ROOT } from './helpers/opa.js';

const COLLECTOR_TIMEOUT_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const compliant = JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8')) as Record<string, unknown>;

/** The compliant request without its inline branch protection, so the GitHub collector is asked. */
function needingGitHub(): string {
  const evidence = { ...(compliant.evidence as Record<string, unknown>) };
  delete evidence.branch_protection;
  return JSON.stringify({ ...compliant, evidence });
}

/** HTTP/1.1 over one socket written by hand, so the test knows every check shares it. */
class KeepAlive {
  private buffer = '';
  private wake: (() => void) | undefined;
  private readonly socket: Socket;
  constructor(private readonly url: URL) {
    this.socket = connect(Number(url.port), url.hostname);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    this.socket.on('error', () => undefined);
  }
  send(body: string): void {
    this.socket.write(`POST /v1/check HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  async answer(): Promise<{ status: number; body: string }> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      const length = end < 0 ? NaN : Number(/content-length: *(\d+)/i.exec(this.buffer.slice(0, end))?.[1]);
      if (end >= 0 && Buffer.byteLength(this.buffer.slice(end + 4)) >= length) {
        const status = Number(this.buffer.slice(0, end).split(' ')[1]);
        const body = this.buffer.slice(end + 4, end + 4 + length);
        this.buffer = this.buffer.slice(end + 4 + length);
        return { status, body };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
  destroy(): void {
    this.socket.destroy();
  }
}

const test = suite<{ dir: string }>('client gone');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-client-gone-'));
});
test.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

test('dfw serve: a client that hangs up mid-check leaves no decision in the log; checks answered on a keep-alive connection are all recorded', async ({ dir }) => {
  // GitHub never answers: each check waits for the collector's timeout, long after the client left.
  const github = await new FakeServer(() => ({ delayMs: 60_000, body: {} })).start();
  const db = join(dir, 'dfw.db');
  const config = join(dir, 'dfw.yaml');
  writeFileSync(
    config,
    [
      'bundle:',
      `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`,
      'store:',
      `  url: ${JSON.stringify(`sqlite:${db}`)}`,
      'collectors:',
      '  github:',
      `    base_url: ${github.url}`,
      '    token: t',
      '    hosts: [github.com]',
      `    timeout_ms: ${COLLECTOR_TIMEOUT_MS}`,
      '',
    ].join('\n'),
  );
  const server = await startDfw(['--config', config]);
  const answered: string[] = [];
  try {
    const url = new URL(server.url);
    const impatient = new KeepAlive(url);
    impatient.send(needingGitHub());
    await sleep(300);
    impatient.destroy(); // curl --max-time: the caller gave up and was told nothing.

    const patient = new KeepAlive(url);
    for (let i = 0; i < 2; i++) {
      patient.send(needingGitHub());
      const { status, body } = await patient.answer();
      assert.is(status, 200, body);
      answered.push((JSON.parse(body) as { decision_id: string }).decision_id);
    }
    patient.destroy();
    // The abandoned check has long met its collector's timeout and its last step.
    await sleep(COLLECTOR_TIMEOUT_MS);
  } finally {
    assert.is(await server.stop(), 0);
    await github.close();
  }
  const store = await openStore(`sqlite:${db}`);
  try {
    const logged = (await store.listDecisions()).items.map((d) => d.decision_id);
    assert.equal(logged.sort(), answered.sort(), 'exactly the answered decisions are in the log');
  } finally {
    await store.close();
  }
});

/** app.request with a signal the test aborts, as the edge runtime's platform does for a gone client. */
async function postThenLeave(checks: CheckService, leaveAfterMs: number) {
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ revision: 'client-gone' }));
  const logger = createMemoryLogger();
  const aborts: number[] = [];
  const app = createApp({ policy, logger, checks, metrics: { clientAborted: () => aborts.push(1) } as never });
  const client = new AbortController();
  setTimeout(() => client.abort(), leaveAfterMs);
  const res = await app.request(new Request('http://127.0.0.1/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: needingGitHub(), signal: client.signal }));
  return { res, logger, aborts };
}

test('an abandoned check is a client event: logged at debug and counted, nothing at error', async () => {
  const slow: Collector = {
    name: 'slow-source',
    kinds: ['security_review'],
    timeoutMs: 5_000,
    cacheTtlMs: 0,
    cacheKey: () => 'always',
    collect: () => new Promise((resolve) => setTimeout(() => resolve({ evidence: {}, unavailable: { security_review: 'answered late' } }), 500)),
  };
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ revision: 'client-gone' }));
  const { logger, aborts } = await postThenLeave(createCheckService(policy, { collectors: new CollectorRunner([slow]) }), 100);
  assert.equal(logger.lines.filter((l) => l.level === 'error'), []);
  assert.ok(logger.lines.some((l) => l.msg === 'client aborted' && String(l.error).includes('abandoned before its decision was recorded')), JSON.stringify(logger.lines));
  assert.is(aborts.length, 1);
});

test('another failure after the client left is still an error in the log, not a client abort', async () => {
  const failing: CheckService = {
    check: async () => {
      await sleep(300);
      throw new TypeError('a bug, not the client');
    },
  };
  const { res, logger, aborts } = await postThenLeave(failing, 50);
  assert.is(res.status, 500);
  assert.ok(logger.lines.some((l) => l.level === 'error' && String(l.error).includes('a bug, not the client')), JSON.stringify(logger.lines));
  assert.is(aborts.length, 0);
});

test.run();
