// DNS rebinding against a real `dfw serve` without tokens (in process: the same startServer
// as the CLI, bound to 127.0.0.1, raw HTTP so the Host header is what a rebound browser
// sends): a request addressed to another name is refused with 403 host_not_allowed, on the
// API and on the console, while loopback names work. With tokens, and on the edge runtime's
// store-less app, other names are answered.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { loadConfig } from '../src/config/load.js';
import { ActivePolicy } from '../src/engine/index.js';
import { startServer, type RunningServer } from '../src/host/server.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { ROOT } from './helpers/opa.js';

interface Ctx {
  dir: string;
  server: RunningServer;
  port: string;
}

const test = suite<Ctx>('loopback Host names without tokens');

test.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-loopback-host-'));
  const file = join(ctx.dir, 'dfw.yaml');
  writeFileSync(
    file,
    [
      'server: { host: 127.0.0.1, port: 0, evaluation_threads: 0 }',
      `bundle: { path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))} }`,
      'store: { url: "sqlite:dfw.db" }',
      'log: { level: error }',
      '',
    ].join('\n'),
  );
  ctx.server = await startServer(loadConfig(file, {}), createMemoryLogger());
  ctx.port = new URL(ctx.server.url).port;
});

test.after(async (ctx) => {
  await ctx.server?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
}

/** One request to the server with exactly these headers, Host included. */
function send(ctx: Ctx, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(ctx.port), method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

const waiver = JSON.stringify({ rule: 'DFW-VULN-001', application: 'payments', environment: 'staging', reason: 'fix ships next week', requested_by: 'alice', expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString() });

test('a page on a rebound name cannot grant a waiver through the API: 403 host_not_allowed, naming the Host', async (ctx) => {
  const rebound = `attacker.example:${ctx.port}`;
  const res = await send(ctx, 'POST', '/v1/waivers', { host: rebound, origin: `http://${rebound}`, 'content-type': 'application/json' }, waiver);
  assert.is(res.status, 403, res.body);
  const error = (JSON.parse(res.body) as { error: { code: string; message: string } }).error;
  assert.is(error.code, 'host_not_allowed');
  assert.match(error.message, `Host "${rebound}"`);
  assert.match(error.message, 'localhost, 127.x.x.x or [::1]');
  assert.equal(await ctx.server.store.listWaivers(), [], 'nothing granted');
  assert.is((await send(ctx, 'GET', '/v1/decisions', { host: rebound })).status, 403, 'nor read the decision log');
});

test('nor through the console: its pages and its grant form are refused', async (ctx) => {
  const rebound = `attacker.example:${ctx.port}`;
  const page = await send(ctx, 'GET', '/ui/waivers', { host: rebound });
  assert.is(page.status, 403);
  assert.match(page.body, 'host_not_allowed');
  const form = new URLSearchParams({ _csrf: 'from-the-page', rule: 'DFW-VULN-001', application: 'payments', environment: 'staging', reason: 'x', requested_by: 'alice', expires_at: '2099-01-01T00:00' }).toString();
  const grant = await send(ctx, 'POST', '/ui/waivers', { host: rebound, origin: `http://${rebound}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' }, form);
  assert.is(grant.status, 403);
  assert.equal(await ctx.server.store.listWaivers(), []);
});

test('loopback names, with or without a port, are answered as before', async (ctx) => {
  const granted = await send(ctx, 'POST', '/v1/waivers', { host: `127.0.0.1:${ctx.port}`, 'content-type': 'application/json' }, waiver);
  assert.is(granted.status, 201, granted.body);
  for (const host of [`localhost:${ctx.port}`, 'localhost', `[::1]:${ctx.port}`, '127.0.0.1']) {
    const res = await send(ctx, 'GET', '/v1/waivers', { host });
    assert.is(res.status, 200, `${host}: ${res.body}`);
  }
  assert.is((await send(ctx, 'GET', '/ui', { host: `localhost:${ctx.port}` })).status, 200, 'the console');
});

test('the edge runtime\'s app (no store: checks only, public on purpose) answers any name without tokens', async () => {
  const app = createApp({ policy: new ActivePolicy(), logger: createMemoryLogger() });
  assert.is((await app.request('http://edge/healthz')).status, 200);
  const refused = createApp({ policy: new ActivePolicy(), logger: createMemoryLogger(), anonymousHosts: 'loopback' });
  assert.is((await refused.request('http://edge/healthz')).status, 403, 'unless told to');
});

test.run();
