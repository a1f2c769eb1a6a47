// The body limit over real HTTP (src/api/body-limit.ts): a declared Content-Length beyond the
// limit is refused from the header alone; a chunked body (no length) is counted as it
// arrives, refused past the limit and otherwise handed to the route whole; bodies read from
// the Node request give the same decision as through the Web Request (app.request).
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore, type Store } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';

const LIMIT = 64 * 1024;
const limit = suite<{ dir: string; store: Store; url: string; close: () => Promise<void>; app: ReturnType<typeof createApp> }>('body limit over HTTP');

limit.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-body-limit-'));
  ctx.store = await openStore(`sqlite:${join(ctx.dir, 'dfw.db')}`);
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ revision: 'body-limit-test' }));
  ctx.app = createApp({ policy, logger: createMemoryLogger(), store: ctx.store, checks: createCheckService(policy, { store: ctx.store }), maxBodyBytes: LIMIT });
  const server = serve({ fetch: ctx.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  ctx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx.close = () => new Promise((resolve) => server.close(() => resolve()));
});
limit.after(async (ctx) => {
  await ctx.close();
  await ctx.store.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** POSTs `chunks` to /v1/check, chunked unless `length` is declared. */
function post(url: string, chunks: string[], declareLength: boolean): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const length = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
    const req = request(`${url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(length) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** The text in pieces of `size` characters, so a chunked request carries several chunks. */
const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

limit('a body with Content-Length and the same body chunked get the decision app.request gives', async (ctx) => {
  const text = JSON.stringify(readExamples().get('compliant.allow.json'));
  const viaWeb = await ctx.app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const expected = ((await viaWeb.json()) as { allow: boolean }).allow;
  assert.is(expected, true);
  for (const declared of [true, false]) {
    const { status, body } = await post(ctx.url, pieces(text, 1000), declared);
    assert.is(status, 200, `declared length: ${declared}: ${JSON.stringify(body)}`);
    assert.is(body.allow, expected);
  }
});

limit('past the limit: 413 from the header, and 413 for a chunked body once it is counted past it', async (ctx) => {
  const big = JSON.stringify({ ...readExamples().get('compliant.allow.json'), padding: 'x'.repeat(LIMIT) });
  for (const declared of [true, false]) {
    const { status, body } = await post(ctx.url, pieces(big, 8192), declared);
    assert.is(status, 413, `declared length: ${declared}`);
    assert.is((body.error as { code: string }).code, 'payload_too_large');
  }
  // Far past the limit, sent as fast as the client can: still a 413, not a reset connection.
  const huge = JSON.stringify({ ...readExamples().get('compliant.allow.json'), padding: 'x'.repeat(4 * 1024 * 1024) });
  const refused = await post(ctx.url, pieces(huge, 64 * 1024), false);
  assert.is(refused.status, 413);
  // The server still answers afterwards.
  const { status } = await post(ctx.url, [JSON.stringify(readExamples().get('compliant.allow.json'))], true);
  assert.is(status, 200);
});

limit('a chunked body that is not JSON is a 400 naming the problem, not a hang', async (ctx) => {
  const { status, body } = await post(ctx.url, ['{"application": ', '"payments",'], false);
  assert.is(status, 400);
  assert.match((body.error as { message: string }).message, /not valid JSON/);
});

limit.run();
