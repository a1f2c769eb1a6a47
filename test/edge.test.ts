// Edge evaluators: a real `dfw serve --bundle-url` child pulling from a real central
// `dfw serve`, under load while revisions are published and a tampered bundle is slipped
// in on the way (a relay standing where a CDN or proxy would stand: the central server
// never accepts a tampered bundle, so the edge must catch it itself); then the edge
// restarted with the centre down; and the poller's protocol fallbacks in-process.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256Hex } from '../src/shared/sha256.js';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import { backoffDelayMs, BundlePoller, createDiskCache, GZIP_MEDIA_TYPE, pollIntervalMs } from '../src/bundles/index.js';
import { ActivePolicy, type Decision } from '../src/engine/index.js';
import { loadTestEvaluator, readExamples, SIGNING_PUB } from './helpers/bundle.js';
import { runDfw, startDfw, type ServerProcess } from './helpers/cli.js';
import { buildSignedBundle, tamperRevision, testVerification } from './helpers/edge-bundles.js';
import { runDfwAsync, startRelay, waitFor, type Relay } from './helpers/edge-servers.js';

const ADMIN = 'admin-secret';
const EDGE = 'edge-secret';
const CLIENT = 'client-secret';
/** The revisions published during the load test, in order; e0 is active before it starts. */
const REVISIONS = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'];
const LOAD_SECONDS = Number(process.env.DFW_EDGE_LOAD_SECONDS ?? 28);
const WORKERS = 8;

interface Ctx {
  dir: string;
  files: Record<string, string>;
  tampered: Uint8Array;
  central?: ServerProcess;
  relay?: Relay;
  edge?: ServerProcess;
  edgeConfig: string;
  children: ServerProcess[];
}

const edge = suite<Ctx>('edge');

edge.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-edge-'));
  ctx.files = {};
  for (const revision of REVISIONS) {
    ctx.files[revision] = join(ctx.dir, `${revision}.tar.gz`);
    writeFileSync(ctx.files[revision]!, buildSignedBundle({ revision }));
  }
  ctx.tampered = await tamperRevision(new Uint8Array(readFileSync(ctx.files.e3!)), 'tampered');
  ctx.children = [];
});

// Processes outlive single tests (the restart test takes over the load test's), so they stop here.
edge.after(async (ctx) => {
  await ctx.relay?.close();
  for (const child of ctx.children) await child.stop();
});

const bearer = (token: string, headers: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...headers });

async function statusOf(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/v1/status`, { headers: bearer(CLIENT) })).json()) as Record<string, any>;
}

async function tokenLines(): Promise<string> {
  const lines = [
    `  - { name: release, sha256: ${await sha256Hex(ADMIN)}, roles: [admin] }`,
    `  - { name: edge-eu, sha256: ${await sha256Hex(EDGE)}, roles: [check] }`,
    `  - { name: spinnaker, sha256: ${await sha256Hex(CLIENT)}, roles: [check] }`,
  ];
  return `tokens:\n${lines.join('\n')}\n`;
}

edge('an edge evaluator refuses to start without a key to verify bundles with', () => {
  const r = runDfw(['serve', '--port', '0', '--bundle-url', 'http://127.0.0.1:9/v1/bundles/firewall']);
  assert.is(r.status, 2);
  assert.match(r.stderr, 'needs bundle.public_key');
});

edge('under load, five revisions and one tampered bundle arrive: no request fails, the tampered one is never active', async (ctx) => {
  const centralConfig = join(ctx.dir, 'central.yaml');
  writeFileSync(centralConfig, `bundle: { path: ${ctx.files.e0}, public_key: ${SIGNING_PUB} }\npublish: { dir: ${join(ctx.dir, 'published')}, keep: 10 }\n${await tokenLines()}`);
  ctx.central = await startDfw(['--config', centralConfig]);
  ctx.children.push(ctx.central);
  const publish = async (revision: string) => {
    const r = await runDfwAsync(['bundle', 'publish', ctx.files[revision]!, '--server', ctx.central!.url, '--token', ADMIN]);
    assert.is(r.status, 0, r.stderr);
  };
  await publish('e0');
  ctx.relay = await startRelay(ctx.central.url);

  ctx.edgeConfig = join(ctx.dir, 'edge.yaml');
  writeFileSync(
    ctx.edgeConfig,
    `bundle: { url: ${ctx.relay.url}/v1/bundles/firewall, public_key: ${SIGNING_PUB}, cache_dir: ${join(ctx.dir, 'cache')},\n` +
      `          poll_min_seconds: 0.5, poll_max_seconds: 2, long_poll_seconds: 10 }\n${await tokenLines()}`,
  );
  ctx.edge = await startDfw(['--config', ctx.edgeConfig], { DFW_BUNDLE_TOKEN: EDGE });
  ctx.children.push(ctx.edge);
  const first = await statusOf(ctx.edge.url);
  assert.is(first.mode, 'edge');
  assert.is(first.bundle.revision, 'e0');

  const examples = [...readExamples()];
  const reference = await loadTestEvaluator({ revision: 'reference' });
  const expected = new Map(await Promise.all(examples.map(async ([file, body]) => [file, reference.evaluate(await verifiedInput(parseCheckRequest(body), { id: file, via: 'api' })).allow] as const)));
  assert.ok([...expected.values()].includes(false) && [...expected.values()].includes(true));
  const start = Date.now();
  // Extended below until the last revision has answered too, however slow activation is.
  let end = start + LOAD_SECONDS * 1000;
  let lastActive = false;
  const failures: string[] = [];
  const perWorker: string[][] = [];
  let answered = 0;
  const worker = async (id: number) => {
    const seen: string[] = [];
    perWorker[id] = seen;
    for (let i = id; Date.now() < end || !lastActive; i++) {
      const [file, body] = examples[i % examples.length]!;
      try {
        const res = await fetch(`${ctx.edge!.url}/v1/check`, { method: 'POST', headers: bearer(CLIENT, { 'content-type': 'application/json' }), body: JSON.stringify(body) });
        const text = await res.text();
        if (res.status !== 200) {
          failures.push(`${file}: ${res.status} ${text.slice(0, 200)}`);
          continue;
        }
        const decision = JSON.parse(text) as Decision;
        // Every revision is built from the same sources, so each example is decided alike; the
        // tampered data (nothing blocks) would turn denies into allows.
        if (decision.allow !== expected.get(file)) failures.push(`${file}: allow ${decision.allow} under ${decision.bundle.revision}`);
        if (seen.at(-1) !== decision.bundle.revision) seen.push(decision.bundle.revision);
        answered++;
      } catch (err) {
        failures.push(`${file}: ${(err as Error).message}`);
      }
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));

  const at = (seconds: number) => new Promise((r) => setTimeout(r, Math.max(0, start + seconds * 1000 - Date.now())));
  const step = LOAD_SECONDS / 6;
  await at(step * 0.5);
  await publish('e1');
  await at(step * 1.5);
  await publish('e2');
  await at(step * 2.5);
  // The edge's next request after e3 gets the tampered archive from the relay.
  ctx.relay.injectOnce(ctx.tampered, '"tampered-in-transit"');
  await publish('e3');
  await waitFor('the edge to refuse the tampered bundle', async () => ((await statusOf(ctx.edge!.url)).last_error ? true : undefined), 10_000);
  await at(step * 3.5);
  await publish('e4');
  await at(step * 4.5);
  await publish('e5');
  await waitFor('the edge to activate e5', async () => ((await statusOf(ctx.edge!.url)).bundle.revision === 'e5' ? true : undefined), 30_000);
  end = Math.max(end, Date.now() + 1000);
  lastActive = true;
  await load;

  assert.equal(failures, [], `${failures.length} requests failed:\n${failures.slice(0, 10).join('\n')}`);
  assert.ok(answered > 500, `only ${answered} answers`);
  const seen = new Set(perWorker.flat());
  assert.not.ok(seen.has('tampered'), 'the tampered revision answered');
  for (const revision of seen) assert.ok(REVISIONS.includes(revision), `unexpected revision ${revision}`);
  assert.equal([...seen].sort(), REVISIONS, 'every published revision decided some requests');
  for (const sequence of perWorker) {
    const order = sequence.map((r) => REVISIONS.indexOf(r));
    assert.equal(order, [...order].sort((a, b) => a - b), `a worker went back in revisions: ${sequence.join(' -> ')}`);
  }
  assert.is(ctx.relay.injected, 1);

  const status = await statusOf(ctx.edge.url);
  assert.is(status.bundle.revision, 'e5');
  assert.match(status.last_error.message, /refused: .*: digest mismatch/);
  assert.match(status.last_error.message, 'tampered-in-transit');
  assert.match(status.source.last_refusal.error, 'tampered-in-transit');
  assert.is(status.source.long_polling, true);
  assert.ok(['activated', 'not_modified'].includes(status.last_attempt.outcome), JSON.stringify(status.last_attempt));
  assert.ok(ctx.edge.logs.some((l) => l.includes('bundle refused; the last good one keeps serving')));
  console.log(`  load: ${answered} answers from ${WORKERS} workers in ${LOAD_SECONDS} s, revisions ${[...seen].join(', ')}`);
});

edge('an edge evaluator started while the centre is down serves the last good bundle from its cache', async (ctx) => {
  assert.ok(ctx.edge && ctx.central && ctx.relay, 'needs the processes of the load test');
  await ctx.edge.stop();
  await ctx.central.stop();
  await ctx.relay.close();
  const restarted = await startDfw(['--config', ctx.edgeConfig], { DFW_BUNDLE_TOKEN: EDGE });
  ctx.children.push(restarted);
  const res = await fetch(`${restarted.url}/v1/check`, {
    method: 'POST',
    headers: bearer(CLIENT, { 'content-type': 'application/json' }),
    body: JSON.stringify(readExamples().get('compliant.allow.json')),
  });
  assert.is(res.status, 200);
  assert.is(((await res.json()) as Decision).bundle.revision, 'e5');
  const status = await waitFor('a failed attempt', async () => {
    const s = await statusOf(restarted.url);
    return s.last_attempt ? s : undefined;
  });
  assert.is(status.bundle.revision, 'e5');
  assert.is(status.source.active.source, 'cache');
  assert.is(status.last_attempt.outcome, 'failed');
  assert.match(status.last_error.message, 'bundle download from');
  await restarted.stop();

  // The cache is verified again: a tampered cache file is refused, and nothing is allowed.
  writeFileSync(join(ctx.dir, 'cache', 'firewall.tar.gz'), ctx.tampered);
  const refusing = await startDfw(['--config', ctx.edgeConfig], { DFW_BUNDLE_TOKEN: EDGE });
  ctx.children.push(refusing);
  assert.is((await fetch(`${refusing.url}/readyz`)).status, 503);
  const closed = await fetch(`${refusing.url}/v1/check`, {
    method: 'POST',
    headers: bearer(CLIENT, { 'content-type': 'application/json' }),
    body: JSON.stringify(readExamples().get('compliant.allow.json')),
  });
  assert.is(closed.status, 503);
  assert.ok(refusing.logs.some((l) => l.includes('cached bundle refused') && l.includes('digest mismatch')));
  await refusing.stop();
});

edge('jittered intervals stay within bounds; backoff doubles up to the maximum', () => {
  for (const r of [0, 0.5, 0.999]) {
    const d = pollIntervalMs(10, 30, () => r);
    assert.ok(d >= 10_000 && d <= 30_000);
  }
  assert.is(backoffDelayMs(1, 30, () => 0), 125);
  assert.is(backoffDelayMs(1, 30, () => 1), 250);
  assert.is(backoffDelayMs(3, 30, () => 1), 1000);
  assert.is(backoffDelayMs(50, 30, () => 1), 30_000);
  assert.is(backoffDelayMs(50, 30, () => 0), 15_000);
});

edge('against a plain file server the poller polls at intervals, and a failing server leaves the last good bundle serving', async (ctx) => {
  let served: { bytes: Uint8Array; etag: string } | { status: number } = { bytes: readFileSync(ctx.files.e1!), etag: '"one"' };
  let requests = 0;
  const prefers: string[] = [];
  const server: Server = createServer((req, res) => {
    requests++;
    prefers.push(String(req.headers.prefer));
    if ('status' in served) {
      res.writeHead(served.status).end('down for maintenance');
      return;
    }
    if (req.headers['if-none-match'] === served.etag) {
      res.writeHead(304, { etag: served.etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': GZIP_MEDIA_TYPE, etag: served.etag }).end(served.bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/firewall.tar.gz`;
  const policy = new ActivePolicy();
  const cacheDir = mkdtempSync(join(tmpdir(), 'dfw-edge-cache-'));
  const poller = new BundlePoller({ url, name: 'firewall', verification: testVerification(), policy, cache: createDiskCache(cacheDir, 'firewall'), pollMinSeconds: 0.1, pollMaxSeconds: 0.2, longPollSeconds: 10 });
  try {
    poller.start();
    await waitFor('e1', async () => (policy.current()?.bundle.manifest.revision === 'e1' ? true : undefined), 5000, 20);
    assert.is(poller.status().long_polling, false, 'a gzip answer turns long polling off');
    served = { bytes: readFileSync(ctx.files.e2!), etag: '"two"' };
    await waitFor('e2', async () => (policy.current()?.bundle.manifest.revision === 'e2' ? true : undefined), 5000, 20);
    assert.match(prefers[0]!, 'wait=10');
    assert.not.match(prefers.at(-1)!, 'wait=');
    served = { status: 503 };
    await waitFor('failures', async () => (poller.status().consecutive_failures >= 3 ? true : undefined), 10_000, 20);
    assert.is(policy.current()?.bundle.manifest.revision, 'e2');
    assert.match(policy.status().last_error!, 'answered 503: down for maintenance');
    assert.is(poller.status().last_attempt?.outcome, 'failed');
    assert.ok(requests < 40, `${requests} requests: polling did not back off`);
    const cached = await createDiskCache(cacheDir, 'firewall').read();
    assert.is(cached?.revision, 'e2');
    assert.is(cached?.etag, '"two"');
  } finally {
    await poller.stop();
    await new Promise((r) => server.close(r));
  }
});

edge.run();
