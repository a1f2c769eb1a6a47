// The bundle server: OPA's bundle protocol on GET /v1/bundles/:name (ETag, 304, long
// polling), publishing that verifies before it accepts, keeping N revisions on disk,
// rollback, restoring the active revision after a restart, and the `dfw bundle` CLI.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp, type ApiToken } from '../src/api/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { loadConfig } from '../src/config/load.js';
import { BUNDLE_MEDIA_TYPE, BundlePublisher, createDiskRevisionStore, digestBytes, GZIP_MEDIA_TYPE, preferredWaitSeconds } from '../src/bundles/index.js';
import { ActivePolicy, type Decision, type VerificationConfig } from '../src/engine/index.js';
import { startServer } from '../src/host/server.js';
import { OTHER_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { runDfwAsync } from './helpers/edge-servers.js';
import { buildSignedBundle, tamperRevision, testVerification } from './helpers/edge-bundles.js';

const ADMIN = 'admin-secret';
const CHECKER = 'check-secret';
const EVIDENCE = 'evidence-secret';

interface Ctx {
  tokens: ApiToken[];
  rev: Record<string, Uint8Array>;
  rego: Uint8Array;
  tampered: Uint8Array;
  unsigned: Uint8Array;
  foreign: Uint8Array;
  conflicting: Uint8Array;
}

const server = suite<Ctx>('bundle-server');

server.before(async (ctx) => {
  ctx.tokens = [
    { name: 'release', sha256: await sha256Hex(ADMIN), roles: ['admin'] },
    { name: 'edge', sha256: await sha256Hex(CHECKER), roles: ['check'] },
    { name: 'ci', sha256: await sha256Hex(EVIDENCE), roles: ['evidence'] },
  ];
  ctx.rev = {};
  for (const r of ['rev-1', 'rev-2', 'rev-3', 'rev-4']) ctx.rev[r] = buildSignedBundle({ revision: r });
  ctx.rego = buildSignedBundle({ revision: 'rev-1', target: 'rego' });
  ctx.tampered = await tamperRevision(ctx.rev['rev-2']!, 'rev-evil');
  ctx.unsigned = buildSignedBundle({ revision: 'rev-unsigned', signingKey: null });
  ctx.foreign = buildSignedBundle({ revision: 'rev-foreign', signingKey: OTHER_KEY });
  ctx.conflicting = buildSignedBundle({ revision: 'rev-1', ignore: ['security_review.rego'] });
});

async function open(dir: string, tokens: ApiToken[], options: { keep?: number; verification?: VerificationConfig | null } = {}) {
  const policy = new ActivePolicy();
  const logger = createMemoryLogger();
  const verification = options.verification === null ? undefined : (options.verification ?? testVerification());
  const publisher = await BundlePublisher.open({
    store: createDiskRevisionStore(dir),
    keep: options.keep ?? 3,
    ...(verification ? { verification } : {}),
    policyName: 'firewall',
    policy,
    logger,
  });
  return { app: createApp({ policy, tokens, logger, bundles: publisher }), policy, publisher, logger };
}

const bearer = (token: string, headers: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...headers });
const put = (bytes: Uint8Array, token = ADMIN) => ({ method: 'PUT', headers: bearer(token, { 'content-type': 'application/gzip' }), body: bytes as Uint8Array<ArrayBuffer> });
const rollback = (body?: unknown, token = ADMIN) => ({
  method: 'POST',
  headers: bearer(token, body === undefined ? {} : { 'content-type': 'application/json' }),
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const tempDir = () => mkdtempSync(join(tmpdir(), 'dfw-publish-'));
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

server('publishing needs an admin token; the bundle then is active for /v1/check too', async ({ tokens, rev }) => {
  const { app, policy } = await open(tempDir(), tokens);
  assert.is((await app.request('/v1/bundles/firewall', { method: 'PUT', body: rev['rev-1'] as Uint8Array<ArrayBuffer> })).status, 401);
  const forbidden = await app.request('/v1/bundles/firewall', put(rev['rev-1']!, CHECKER));
  assert.is(forbidden.status, 403);
  assert.is(policy.current(), undefined);
  const res = await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  assert.is(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { revision: string; digest: string; etag: string; policy_activated: boolean; published_by: string };
  assert.is(body.revision, 'rev-1');
  assert.is(body.digest, await digestBytes(rev['rev-1']!));
  assert.is(body.etag, `"${body.digest}"`);
  assert.is(body.policy_activated, true);
  assert.is(body.published_by, 'release');
  assert.is(policy.current()?.bundle.manifest.revision, 'rev-1');
});

server('GET serves the published bytes with a strong ETag; If-None-Match answers 304', async ({ tokens, rev }) => {
  const { app } = await open(tempDir(), tokens);
  assert.is((await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) })).status, 404);
  await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  assert.is((await app.request('/v1/bundles/firewall')).status, 401);
  assert.is((await app.request('/v1/bundles/firewall', { headers: bearer(EVIDENCE) })).status, 403);
  const res = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), GZIP_MEDIA_TYPE);
  const etag = res.headers.get('etag')!;
  assert.is(etag, `"${await digestBytes(rev['rev-1']!)}"`);
  assert.equal(await bytesOf(res), rev['rev-1']);
  for (const match of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const again = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER, { 'if-none-match': match }) });
    assert.is(again.status, 304, match);
    assert.is(again.headers.get('etag'), etag);
    assert.is((await again.arrayBuffer()).byteLength, 0);
  }
  const stale = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER, { 'if-none-match': '"stale"' }) });
  assert.is(stale.status, 200);
});

server('the wait preference is read alone and inside OPA\'s Prefer header', () => {
  assert.is(preferredWaitSeconds('wait=10'), 10);
  assert.is(preferredWaitSeconds('modes=snapshot,delta;wait=30'), 30);
  assert.is(preferredWaitSeconds('modes=snapshot,delta'), undefined);
  assert.is(preferredWaitSeconds('respond-async, wait = 5'), 5);
  assert.is(preferredWaitSeconds(undefined), undefined);
});

server('a long poll is held until a new revision is published, and answers with the bundles media type', async ({ tokens, rev }) => {
  const { app } = await open(tempDir(), tokens);
  await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  const etag = `"${await digestBytes(rev['rev-1']!)}"`;
  const started = Date.now();
  const held = Promise.resolve(app.request('/v1/bundles/firewall', { headers: bearer(CHECKER, { 'if-none-match': etag, prefer: 'modes=snapshot,delta;wait=10' }) }));
  const early = await Promise.race([held.then(() => 'answered'), new Promise((r) => setTimeout(() => r('held'), 300))]);
  assert.is(early, 'held');
  await app.request('/v1/bundles/firewall', put(rev['rev-2']!));
  const res = await held;
  assert.ok(Date.now() - started < 3000, 'the publish released the long poll');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), BUNDLE_MEDIA_TYPE);
  assert.is(res.headers.get('etag'), `"${await digestBytes(rev['rev-2']!)}"`);
  assert.equal(await bytesOf(res), rev['rev-2']);
  // Without a matching ETag a long poll answers at once, still signalling long-poll support.
  const fresh = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER, { prefer: 'wait=10' }) });
  assert.is(fresh.status, 200);
  assert.is(fresh.headers.get('content-type'), BUNDLE_MEDIA_TYPE);
});

server('a long poll with nothing new ends with 304 after the wait', async ({ tokens, rev }) => {
  const { app } = await open(tempDir(), tokens);
  await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  const etag = `"${await digestBytes(rev['rev-1']!)}"`;
  const started = Date.now();
  const res = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER, { 'if-none-match': etag, prefer: 'modes=snapshot,delta;wait=1' }) });
  const elapsed = Date.now() - started;
  assert.is(res.status, 304);
  assert.ok(elapsed >= 950 && elapsed < 3000, `held ${elapsed} ms`);
});

server('tampered, unsigned and foreign-signed bundles are refused with the reason; nothing changes', async ({ tokens, rev, tampered, unsigned, foreign }) => {
  const dir = tempDir();
  const { app, policy } = await open(dir, tokens);
  await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  const before = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) });
  const cases: Array<[Uint8Array, string, RegExp]> = [
    [tampered, 'bundle_digest_mismatch', /digest mismatch/],
    [unsigned, 'bundle_unsigned', /unsigned bundle/],
    [foreign, 'bundle_signature_invalid', /signature does not verify/],
    [new TextEncoder().encode('not a bundle'), 'bundle_not_gzip', /not a gzip file/],
  ];
  for (const [bytes, code, message] of cases) {
    const res = await app.request('/v1/bundles/firewall', put(bytes));
    assert.is(res.status, 422, code);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.is(body.error.code, code);
    assert.match(body.error.message, message);
    assert.match(body.error.message, 'nothing changed');
  }
  assert.is(policy.current()?.bundle.manifest.revision, 'rev-1');
  const after = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) });
  assert.is(after.headers.get('etag'), before.headers.get('etag'));
  const history = (await (await app.request('/v1/bundles/firewall/revisions', { headers: bearer(ADMIN) })).json()) as { revisions: Array<{ revision: string }> };
  assert.equal(history.revisions.map((r) => r.revision), ['rev-1']);
  assert.equal(readdirSync(join(dir, 'firewall')).filter((f) => f.endsWith('.tar.gz')).length, 1);
  const status = (await (await app.request('/v1/status', { headers: bearer(CHECKER) })).json()) as { publisher: { bundles: { firewall: { last_refusal: { message: string } } } } };
  assert.match(status.publisher.bundles.firewall.last_refusal.message, 'not a gzip file');
});

server('a revision names one bundle: none is refused, different content under a kept revision is a conflict', async ({ tokens, rev, conflicting }) => {
  const { app } = await open(tempDir(), tokens);
  const unnamed = await app.request('/v1/bundles/firewall', put(buildSignedBundle({ revision: '' })));
  assert.is(unnamed.status, 422);
  assert.is(((await unnamed.json()) as { error: { code: string } }).error.code, 'bundle_revision_missing');
  await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  const res = await app.request('/v1/bundles/firewall', put(conflicting));
  assert.is(res.status, 409);
  assert.is(((await res.json()) as { error: { code: string } }).error.code, 'revision_conflict');
  // Publishing the identical bytes again is fine and keeps one entry.
  assert.is((await app.request('/v1/bundles/firewall', put(rev['rev-1']!))).status, 200);
  const history = (await (await app.request('/v1/bundles/firewall/revisions', { headers: bearer(ADMIN) })).json()) as { revisions: unknown[] };
  assert.is(history.revisions.length, 1);
});

server('the Rego-target bundle is published under its own name, verified but not evaluated here', async ({ tokens, rev, rego }) => {
  const { app, policy } = await open(tempDir(), tokens);
  await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  const asPolicy = await app.request('/v1/bundles/firewall', put(rego));
  assert.is(asPolicy.status, 422);
  assert.match(((await asPolicy.json()) as { error: { message: string } }).error.message, 'no Wasm module');
  const res = await app.request('/v1/bundles/firewall-rego', put(rego));
  assert.is(res.status, 200);
  const body = (await res.json()) as { target: string; policy_activated: boolean };
  assert.is(body.target, 'rego');
  assert.is(body.policy_activated, false);
  assert.is(policy.current()?.bundle.manifest.revision, 'rev-1');
  const tamperedRego = await tamperRevision(rego, 'rev-evil');
  assert.is((await app.request('/v1/bundles/firewall-rego', put(tamperedRego))).status, 422);
  const served = await app.request('/v1/bundles/firewall-rego', { headers: bearer(CHECKER) });
  assert.equal(await bytesOf(served), rego);
  assert.is((await app.request('/v1/bundles/..', put(rego))).status, 404);
  assert.is((await app.request('/v1/bundles/.hidden', put(rego))).status, 400);
});

server('without a verification key nothing is published', async ({ tokens, rev }) => {
  const { app } = await open(tempDir(), tokens, { verification: null });
  const res = await app.request('/v1/bundles/firewall', put(rev['rev-1']!));
  assert.is(res.status, 409);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.is(body.error.code, 'publish_disabled');
  assert.match(body.error.message, 'bundle.public_key');
});

server('the last publish.keep revisions are kept on disk, oldest pruned', async ({ tokens, rev }) => {
  const dir = tempDir();
  const { app } = await open(dir, tokens, { keep: 3 });
  for (const r of ['rev-1', 'rev-2', 'rev-3', 'rev-4']) assert.is((await app.request('/v1/bundles/firewall', put(rev[r]!))).status, 200);
  const history = (await (await app.request('/v1/bundles/firewall/revisions', { headers: bearer(ADMIN) })).json()) as { active: string; revisions: Array<{ revision: string; digest: string }> };
  assert.equal(history.revisions.map((r) => r.revision), ['rev-2', 'rev-3', 'rev-4']);
  assert.is(history.active, await digestBytes(rev['rev-4']!));
  const archives = readdirSync(join(dir, 'firewall')).filter((f) => f.endsWith('.tar.gz')).sort();
  assert.equal(archives, history.revisions.map((r) => `${r.digest}.tar.gz`).sort());
});

server('rollback activates the previous kept revision, or the one named; it needs admin', async ({ tokens, rev }) => {
  const { app, policy } = await open(tempDir(), tokens, { keep: 3 });
  for (const r of ['rev-1', 'rev-2', 'rev-3']) await app.request('/v1/bundles/firewall', put(rev[r]!));
  assert.is((await app.request('/v1/bundles/firewall/rollback', rollback(undefined, CHECKER))).status, 403);
  const back = await app.request('/v1/bundles/firewall/rollback', rollback());
  assert.is(back.status, 200);
  const body = (await back.json()) as { revision: string; previous: string };
  assert.equal([body.revision, body.previous], ['rev-2', 'rev-3']);
  assert.is(policy.current()?.bundle.manifest.revision, 'rev-2');
  const served = await app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) });
  assert.equal(await bytesOf(served), rev['rev-2']);
  assert.is((await app.request('/v1/bundles/firewall/rollback', rollback())).status, 200);
  const oldest = await app.request('/v1/bundles/firewall/rollback', rollback());
  assert.is(oldest.status, 409);
  assert.is(((await oldest.json()) as { error: { code: string } }).error.code, 'no_previous_revision');
  const named = await app.request('/v1/bundles/firewall/rollback', rollback({ revision: 'rev-3' }));
  assert.is(named.status, 200);
  assert.is(policy.current()?.bundle.manifest.revision, 'rev-3');
  const unknown = await app.request('/v1/bundles/firewall/rollback', rollback({ revision: 'rev-9' }));
  assert.is(unknown.status, 404);
  assert.is(((await unknown.json()) as { error: { code: string } }).error.code, 'revision_not_kept');
});

server('a restart restores the active revision (after a rollback too), verifying it again', async ({ tokens, rev, tampered }) => {
  const dir = tempDir();
  const first = await open(dir, tokens);
  for (const r of ['rev-1', 'rev-2', 'rev-3']) await first.app.request('/v1/bundles/firewall', put(rev[r]!));
  await first.app.request('/v1/bundles/firewall/rollback', rollback());
  first.publisher.close();

  const second = await open(dir, tokens);
  assert.is(second.policy.current()?.bundle.manifest.revision, 'rev-2');
  const res = await second.app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) });
  assert.is(res.headers.get('etag'), `"${await digestBytes(rev['rev-2']!)}"`);
  assert.equal(await bytesOf(res), rev['rev-2']);
  second.publisher.close();

  // An archive changed on disk is not served, and no older revision takes its place silently.
  writeFileSync(join(dir, 'firewall', `${await digestBytes(rev['rev-2']!)}.tar.gz`), tampered);
  const third = await open(dir, tokens);
  assert.is(third.policy.current(), undefined);
  assert.is((await third.app.request('/v1/bundles/firewall', { headers: bearer(CHECKER) })).status, 404);
  assert.ok(third.logger.lines.some((l) => l.msg === 'published bundle not restored: it no longer verifies'));
});

server('dfw serve publishes with `dfw bundle publish`, rolls back, and restores after a restart', async ({ tokens, rev }) => {
  const dir = tempDir();
  const fileBundle = join(dir, 'file-bundle.tar.gz');
  writeFileSync(fileBundle, buildSignedBundle({ revision: 'from-file' }));
  const configFile = join(dir, 'dfw.yaml');
  writeFileSync(
    configFile,
    [
      'server: { port: 0 }',
      `bundle: { path: ${fileBundle}, public_key: ${SIGNING_PUB} }`,
      `publish: { dir: ${join(dir, 'published')}, keep: 2 }`,
      'tokens:',
      ...tokens.map((t) => `  - { name: ${t.name}, sha256: ${t.sha256}, roles: [${t.roles.join(', ')}] }`),
      '',
    ].join('\n'),
  );
  const files = ['rev-1', 'rev-2'].map((r) => {
    const path = join(dir, `${r}.tar.gz`);
    writeFileSync(path, rev[r]!);
    return path;
  });
  const silent = createMemoryLogger();
  const decide = async (url: string) => {
    const res = await fetch(`${url}/v1/check`, { method: 'POST', headers: bearer(CHECKER, { 'content-type': 'application/json' }), body: JSON.stringify({ application: 'payments', environment: 'production', artifact: { image: 'registry.example.com/payments/api:1.0.0' } }) });
    return ((await res.json()) as Decision).bundle.revision;
  };
  let running = await startServer(loadConfig(configFile), silent);
  try {
    assert.is(await decide(running.url), 'from-file');
    for (const file of files) {
      const r = await runDfwAsync(['bundle', 'publish', file, '--server', running.url, '--token', ADMIN]);
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stdout, /^published firewall revision rev-\d \(sha256 [0-9a-f]{64}\) is active; the server now decides with it/);
    }
    assert.is(await decide(running.url), 'rev-2');
    const denied = await runDfwAsync(['bundle', 'publish', files[0]!, '--server', running.url, '--token', CHECKER]);
    assert.is(denied.status, 2);
    assert.match(denied.stderr, '403');
    const back = await runDfwAsync(['bundle', 'rollback', '--server', running.url], { DFW_TOKEN: ADMIN });
    assert.is(back.status, 0, back.stderr);
    assert.match(back.stdout, 'rolled back from rev-2: firewall revision rev-1');
    assert.is(await decide(running.url), 'rev-1');
  } finally {
    await running.close();
  }
  running = await startServer(loadConfig(configFile), silent);
  try {
    assert.is(await decide(running.url), 'rev-1');
  } finally {
    await running.close();
  }
});

server('shutting down answers held long polls with 304 and does not wait for them', async ({ rev }) => {
  const dir = tempDir();
  const fileBundle = join(dir, 'file-bundle.tar.gz');
  writeFileSync(fileBundle, rev['rev-1']!);
  writeFileSync(join(dir, 'dfw.yaml'), `server: { port: 0 }\nbundle: { path: ${fileBundle}, public_key: ${SIGNING_PUB} }\npublish: { dir: ${join(dir, 'published')} }\n`);
  const running = await startServer(loadConfig(join(dir, 'dfw.yaml')), createMemoryLogger());
  // A streamed upload (chunked, no Content-Length) reaches the route whole (src/api/body-limit.ts).
  const bytes = rev['rev-1']!;
  const streamed = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 100));
      controller.enqueue(bytes.subarray(100));
      controller.close();
    },
  });
  const published = await fetch(`${running.url}/v1/bundles/firewall`, { method: 'PUT', body: streamed, duplex: 'half' } as RequestInit);
  assert.is(published.status, 200, await published.clone().text());
  assert.is(((await published.json()) as { revision: string }).revision, 'rev-1');
  const etag = `"${await digestBytes(rev['rev-1']!)}"`;
  const held = fetch(`${running.url}/v1/bundles/firewall`, { headers: { 'if-none-match': etag, prefer: 'wait=60' } });
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  await running.close();
  assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
  const answer = await held;
  assert.is(answer.status, 304);
  assert.is(answer.headers.get('connection'), 'close');
});

server.run();
