// A bundle whose .manifest names no revision (opa build without --revision). Every decision
// names the revision it was made with and the decision log refuses one without, so such a
// bundle once loaded, reported ready, and then answered every check 500. It is refused where
// it is loaded instead: `dfw serve` does not start with it (exit 2, the remedy named), a
// publish of it is refused and an edge evaluator does not take it, and in both cases the
// bundle before it keeps deciding — and recording.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BundlePoller } from '../src/bundles/agent/poller.js';
import { createApp } from '../src/api/index.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, BundleError, loadBundle, type Decision } from '../src/engine/index.js';
import { loadConfig } from '../src/config/load.js';
import { startServer } from '../src/host/server.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import { readExamples, SIGNING_PUB } from './helpers/bundle.js';
import { buildSignedBundle, testVerification } from './helpers/edge-bundles.js';
import { runDfwAsync } from './helpers/edge-servers.js';

interface Ctx {
  dir: string;
  /** Built by the real opa without --revision, signed with the test key. */
  unrevised: Uint8Array;
  r1: Uint8Array;
  compliant: Record<string, unknown>;
}
const test = suite<Ctx>('bundle revision');

test.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-bundle-revision-'));
  ctx.unrevised = buildSignedBundle({ revision: '' });
  ctx.r1 = buildSignedBundle({ revision: 'revision-r1' });
  ctx.compliant = readExamples().get('compliant.allow.json')!;
});
test.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

test('loadBundle refuses a bundle without a revision, naming the remedy', async ({ unrevised }) => {
  try {
    await loadBundle(unrevised);
    assert.unreachable('loaded a bundle without a revision');
  } catch (err) {
    assert.instance(err, BundleError);
    assert.is((err as BundleError).code, 'bundle_revision_missing');
    assert.match((err as Error).message, 'opa build --revision');
  }
});

test('dfw serve does not start with a bundle without a revision: exit 2, the file and the remedy named', async ({ dir, unrevised }) => {
  const file = join(dir, 'unrevised.tar.gz');
  writeFileSync(file, unrevised);
  const r = await runDfwAsync(['serve', '--port', '0', '--bundle', file], { DFW_STORE_URL: `sqlite:${join(dir, 'startup.db')}` });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, `bundle ${file} refused`);
  assert.match(r.stderr, 'opa build --revision');
});

test('a publish of a bundle without a revision is refused; the revision before it keeps deciding and recording', async ({ dir, unrevised, r1, compliant }) => {
  const fileBundle = join(dir, 'r1.tar.gz');
  writeFileSync(fileBundle, r1);
  const config = join(dir, 'central.yaml');
  const db = join(dir, 'central.db');
  writeFileSync(config, `server: { port: 0 }\nbundle: { path: ${fileBundle}, public_key: ${SIGNING_PUB} }\npublish: { dir: ${join(dir, 'published')} }\nstore: { url: "sqlite:${db}" }\n`);
  const running = await startServer(loadConfig(config), createMemoryLogger());
  try {
    const publish = await fetch(`${running.url}/v1/bundles/firewall`, { method: 'PUT', headers: { 'content-type': 'application/gzip' }, body: unrevised as Uint8Array<ArrayBuffer> });
    assert.is(publish.status, 422);
    assert.is(((await publish.json()) as { error: { code: string } }).error.code, 'bundle_revision_missing');
    const res = await fetch(`${running.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(compliant) });
    assert.is(res.status, 200);
    const decision = (await res.json()) as Decision;
    assert.is(decision.bundle.revision, 'revision-r1');
    assert.ok(await running.store.getDecision(decision.decision_id), 'the decision is in the log');
  } finally {
    await running.close();
  }
});

test('an edge evaluator does not take a bundle without a revision: the one before it keeps deciding and recording, the refusal is reported', async ({ dir, unrevised, r1, compliant }) => {
  let serving = { bytes: r1, etag: '"r1"' };
  const server = createServer((req, res) => {
    if (req.headers['if-none-match'] === serving.etag) return void res.writeHead(304, { etag: serving.etag }).end();
    res.writeHead(200, { 'content-type': 'application/gzip', etag: serving.etag, 'content-length': serving.bytes.length }).end(serving.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const policy = new ActivePolicy();
  const poller = new BundlePoller({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/bundles/firewall`,
    name: 'firewall',
    verification: testVerification(),
    policy,
    pollMinSeconds: 0.05,
    pollMaxSeconds: 0.1,
    longPollSeconds: 0,
    logger: createMemoryLogger(),
  });
  const store = await openStore(`sqlite:${join(dir, 'edge.db')}`);
  const app = createApp({ policy, store, logger: createMemoryLogger(), checks: createCheckService(policy, { store }) });
  try {
    assert.is((await poller.pollOnce()).outcome, 'activated');
    assert.is(policy.current()?.bundle.manifest.revision, 'revision-r1');
    serving = { bytes: unrevised, etag: '"unrevised"' };
    const refused = await poller.pollOnce();
    assert.is(refused.outcome, 'refused', JSON.stringify(refused));
    assert.match(refused.error ?? '', 'no revision');
    assert.is(policy.current()?.bundle.manifest.revision, 'revision-r1', 'the verified bundle before it stays active');
    const res = await app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json', host: '127.0.0.1' }, body: JSON.stringify(compliant) });
    assert.is(res.status, 200, await res.clone().text());
    const decision = (await res.json()) as Decision;
    assert.is(decision.bundle.revision, 'revision-r1');
    assert.ok(await store.getDecision(decision.decision_id), 'the decision is in the log');
  } finally {
    await poller.stop();
    await store.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
