// `dfw serve` on SIGTERM (issue 18, defect 3): it stops accepting work — every answer
// carries `Connection: close`, a request on an old keep-alive connection gets 503 with
// Retry-After —, finishes what is in flight, records it, and exits well before
// shutdown_timeout_seconds, under a steady keep-alive load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../src/store/index.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { runLoad, type Exchange } from './helpers/keep-alive-load.js';
import { ROOT } from './helpers/opa.js';

const SHUTDOWN_TIMEOUT_SECONDS = 30;
/** "Well before the timeout": the drain's idle grace (1 s) plus slack for a loaded machine. */
const EXIT_WITHIN_MS = 6000;

const body = readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8');

/** One HTTP/1.1 keep-alive connection written by hand, so the test knows it is the same socket. */
class RawConnection {
  private buffer = '';
  private waiting: (() => void) | undefined;
  ended = false;
  private readonly socket: Socket;
  /** A loopback Host: with no API tokens dfw answers nothing else (DNS rebinding). */
  private readonly host: string;

  constructor(url: string) {
    const { hostname, port, host } = new URL(url);
    this.host = host;
    this.socket = connect(Number(port), hostname);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.waiting?.();
    });
    this.socket.on('error', () => undefined);
  }

  /** Sends one check and reads its answer (status, headers, body by Content-Length). */
  async check(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    this.socket.write(
      `POST /v1/check HTTP/1.1\r\nHost: ${this.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
    );
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.buffer.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length']);
        if (Buffer.byteLength(this.buffer.slice(end + 4)) >= length) {
          const text = this.buffer.slice(end + 4, end + 4 + length);
          this.buffer = this.buffer.slice(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers, body: text };
        }
      }
      if (this.ended) throw new Error(`connection ended before an answer: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async closed(): Promise<boolean> {
    const deadline = Date.now() + 3000;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.ended;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

interface Context {
  dir: string;
  db: string;
  server: ServerProcess;
}

const test = suite<Context>('shutdown');

test.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-shutdown-'));
  ctx.db = join(ctx.dir, 'dfw.db');
  const config = join(ctx.dir, 'dfw.yaml');
  writeFileSync(
    config,
    [
      'server:',
      `  shutdown_timeout_seconds: ${SHUTDOWN_TIMEOUT_SECONDS}`,
      'bundle:',
      `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`,
      'store:',
      `  url: ${JSON.stringify(`sqlite:${ctx.db}`)}`,
      '',
    ].join('\n'),
  );
  ctx.server = await startDfw(['--config', config]);
});

test.after(async (ctx) => {
  if (ctx.server?.child.exitCode === null && ctx.server.child.signalCode === null) await ctx.server.stop('SIGKILL');
  rmSync(ctx.dir, { recursive: true, force: true });
});

test('SIGTERM under keep-alive load: in-flight checks answered and recorded, later ones refused with 503 + Retry-After or a refused connection, every answer after it says Connection: close, exit long before the timeout', async (ctx) => {
  const { server } = ctx;
  const idle = new RawConnection(server.url);
  const first = await idle.check();
  assert.is(first.status, 200, first.body);

  let signalledAt = Infinity;
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => server.child.once('exit', (code) => resolve({ code, at: performance.now() })));
  let exitedAt: number | undefined;
  void exited.then((e) => (exitedAt = e.at));
  const progress: Exchange[] = [];
  const load = runLoad({
    url: server.url,
    body,
    exchanges: progress,
    connections: 8,
    // Past the deadline a server that kept serving would keep the clients going forever.
    stop: () => exitedAt !== undefined || performance.now() > signalledAt + EXIT_WITHIN_MS + 2000,
  });
  // Some load first, so that checks are in flight when the signal arrives.
  while (progress.length < 40) await new Promise((r) => setTimeout(r, 20));
  signalledAt = performance.now();
  server.child.kill('SIGTERM');

  // The server logs "shutting down" and starts the drain in the same turn of its event loop:
  // from the moment that line is read, nothing newly sent may be served.
  while (!server.logs.some((l) => l.includes('"msg":"shutting down"'))) {
    if (performance.now() > signalledAt + EXIT_WITHIN_MS) throw new Error(`no "shutting down" line after SIGTERM:\n${server.logs.slice(-5).join('\n')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const drainingAt = performance.now();
  // A request on a keep-alive connection opened before the signal, idle at that moment.
  const late = await idle.check();
  assert.is(late.status, 503, `a request on an old connection after SIGTERM: ${late.status} ${late.body}`);
  assert.is(late.headers['retry-after'], '1');
  assert.is(late.headers.connection, 'close');
  assert.is((JSON.parse(late.body) as { error: { code: string } }).error.code, 'shutting_down');
  assert.ok(await idle.closed(), 'the server closes the connection after the 503');
  idle.destroy();

  const exchanges: Exchange[] = await load;
  const exit = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(r, EXIT_WITHIN_MS + 3000))]);
  assert.ok(exit, `dfw serve was still running ${EXIT_WITHIN_MS + 3000} ms after SIGTERM (shutdown_timeout_seconds: ${SHUTDOWN_TIMEOUT_SECONDS})`);
  assert.is(exit!.code, 0, server.logs.slice(-5).join('\n'));
  assert.ok(exit!.at - signalledAt < EXIT_WITHIN_MS, `exited ${Math.round(exit!.at - signalledAt)} ms after SIGTERM`);

  const before = exchanges.filter((e) => e.sentAt < signalledAt);
  const after = exchanges.filter((e) => e.sentAt > drainingAt);
  assert.ok(before.length > 20, `${before.length} checks before the signal`);
  // Nothing sent before the signal is reset or refused: in flight means finished.
  assert.equal(before.filter((e) => e.status !== 200).map((e) => e.error ?? `${e.status} ${e.body}`), []);
  assert.equal(after.filter((e) => e.status === 200).length, 0, 'checks sent after SIGTERM were served');
  for (const e of exchanges.filter((x) => x.sentAt > signalledAt)) {
    if (e.status === 503) assert.is(e.retryAfter, '1', 'a 503 says when to retry');
    else if (e.status === undefined) assert.is(e.error, 'ECONNREFUSED', 'after SIGTERM a client meets a refused connection, never a reset');
  }
  // Every answer to a check sent after the drain began closed its connection. (Not "every
  // answer that ended after": the client may read an answer the server wrote before the
  // signal only after it read the log line, since pipe and socket events are not ordered.)
  const closing = exchanges.filter((e) => e.sentAt > drainingAt && e.status !== undefined);
  assert.ok(closing.every((e) => e.connection === 'close'), 'answers after SIGTERM carry Connection: close');
  assert.ok(server.logs.some((l) => l.includes('"msg":"stopped"')), 'the server logged "stopped"');
  assert.not.ok(server.logs.some((l) => l.includes('shutdown timeout')), 'no connection was cut by the timeout');

  // Everything answered 200 is in the decision log.
  const answered = [first, ...exchanges].filter((e) => e.status === 200).map((e) => (JSON.parse(e.body!) as { decision_id: string }).decision_id);
  const store = await openStore(`sqlite:${ctx.db}`);
  try {
    const stored = new Set<string>();
    for await (const record of store.decisionsSince(new Date(0))) stored.add(record.decision_id);
    assert.equal(answered.filter((id) => !stored.has(id)), [], 'answered decisions missing from the log');
  } finally {
    await store.close();
  }
});

test.run();
