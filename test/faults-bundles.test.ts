// A bundle server that dies mid-download. The edge evaluator's poller gets half a bundle —
// the connection cut after a declared Content-Length, or a chunked body cut short — and
// must keep the verified bundle it has (checks keep being decided by it), report the
// failure, and take the next complete bundle by itself once the server is back.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BundlePoller } from '../src/bundles/agent/poller.js';
import { ActivePolicy } from '../src/engine/index.js';
import { createApp } from '../src/api/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { buildBundle, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';

const faults = suite('faults-bundles');

type Serving = { mode: 'whole' | 'cut-length' | 'cut-chunked'; bytes: Buffer; etag: string };

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  for (let waited = 0; waited < ms; waited += 20) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function serveBundle(res: ServerResponse, serving: Serving): void {
  const half = serving.bytes.subarray(0, Math.floor(serving.bytes.length / 2));
  if (serving.mode === 'whole') {
    res.writeHead(200, { 'content-type': 'application/gzip', etag: serving.etag, 'content-length': serving.bytes.length }).end(serving.bytes);
  } else if (serving.mode === 'cut-length') {
    res.writeHead(200, { 'content-type': 'application/gzip', etag: serving.etag, 'content-length': serving.bytes.length });
    res.write(half, () => res.socket?.destroy());
  } else {
    res.writeHead(200, { 'content-type': 'application/gzip', etag: serving.etag });
    res.write(half, () => setTimeout(() => res.socket?.destroy(), 10));
  }
}

faults('a bundle server that dies mid-download: the verified bundle stays active, the failure is reported, the next whole bundle is taken', async () => {
  const r1 = readFileSync(buildBundle({ revision: 'fault-r1', signingKey: SIGNING_KEY }));
  const r2 = readFileSync(buildBundle({ revision: 'fault-r2', signingKey: SIGNING_KEY }));
  let serving: Serving = { mode: 'whole', bytes: r1, etag: '"r1"' };
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (req.headers['if-none-match'] === serving.etag && serving.mode === 'whole') return void res.writeHead(304, { etag: serving.etag }).end();
    serveBundle(res, serving);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/bundles/firewall`;
  const policy = new ActivePolicy();
  const errors: string[] = [];
  const poller = new BundlePoller({
    url,
    name: 'firewall',
    verification: { keys: { default: { key: readFileSync(SIGNING_PUB, 'utf8') } } },
    policy,
    pollMinSeconds: 0.05,
    pollMaxSeconds: 0.1,
    longPollSeconds: 0,
    logger: { info() {}, warn() {}, error: (msg: string, fields?: Record<string, unknown>) => void errors.push(`${msg} ${JSON.stringify(fields ?? {})}`) },
  });
  const app = createApp({ policy, logger: createMemoryLogger() });
  const check = async () => (await app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(readExamples().get('compliant.allow.json')) })).json() as Promise<{ bundle?: { revision: string } }>;
  try {
    poller.start();
    await waitFor('r1', () => (policy.current()?.bundle.manifest.revision === 'fault-r1' ? true : undefined));

    for (const mode of ['cut-length', 'cut-chunked'] as const) {
      serving = { mode, bytes: r2, etag: `"r2-${mode}"` };
      const failuresBefore = poller.status().consecutive_failures;
      await waitFor(`${mode} failures`, () => (poller.status().consecutive_failures >= failuresBefore + 2 ? true : undefined));
      const status = poller.status();
      assert.is(status.last_attempt?.outcome, 'failed', `${mode}: ${JSON.stringify(status.last_attempt)}`);
      assert.is(policy.current()?.bundle.manifest.revision, 'fault-r1', `${mode}: the verified bundle stays active`);
      assert.is((await check()).bundle?.revision, 'fault-r1', `${mode}: checks are still decided`);
      assert.match(policy.status().last_error ?? '', 'failed', mode);
    }

    serving = { mode: 'whole', bytes: r2, etag: '"r2"' };
    await waitFor('r2', () => (policy.current()?.bundle.manifest.revision === 'fault-r2' ? true : undefined));
    assert.is((await check()).bundle?.revision, 'fault-r2');
    assert.is(poller.status().consecutive_failures, 0);
    assert.ok(requests >= 5);
  } finally {
    await poller.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

faults.run();
