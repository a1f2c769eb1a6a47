// The registry collector against a real Distribution API v2 server with a Docker-style token
// service: tag -> digest, the tag list with pagination, semver ordering, the auth challenge,
// every failure, and the result through the real policy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckRequest } from '../src/collect/check-request.js';
import { buildInput } from '../src/collect/check-request.js';
import type { Collector, CollectorResult } from '../src/collect/collector.js';
import { createRegistryCollector, type RegistryCollectorConfig, type RegistryEndpointConfig } from '../src/collect/collectors/index.js';
import { newestSemverTags } from '../src/collect/collectors/registry.js';
import { parseChallenge } from '../src/collect/collectors/registry-auth.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import type { Evaluator, InputDocument } from '../src/engine/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import {
  checkWithCollectors, fixtureText, MALFORMED_JSON, sha256Digest, startFakeRegistry, violationsOf,
  type FakeRegistryState, type FakeServer,
} from './helpers/fake-servers.js';

const HOST = 'registry.example.com';
const MANIFEST_150 = fixtureText('oci/docker-manifest-v2-git-init.json');
const MANIFEST_142 = fixtureText('oci/docker-manifest-v2-slsa-example-package.json');
const MANIFEST_RC = fixtureText('oci/oci-manifest-cosign-attestation.json');
const INDEX_130 = fixtureText('oci/oci-layout-index-cosign-save.json');
const DIGEST_150 = sha256Digest(MANIFEST_150);
const DIGEST_142 = sha256Digest(MANIFEST_142);

/** A distinct small manifest per old tag. */
function syntheticManifest(tag: string): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(tag), size: 2 }, layers: [] });
}

function many(): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let minor = 0; minor <= 12; minor++) for (const patch of [0, 1]) tags[`2.${minor}.${patch}`] = syntheticManifest(`2.${minor}.${patch}`);
  tags['2.12.1-rc.1'] = syntheticManifest('rc');
  return tags;
}

function state(overrides: Partial<FakeRegistryState> = {}): FakeRegistryState {
  return {
    auth: 'bearer',
    pageSize: 2,
    repositories: {
      'payments/api': {
        '1.5.0': MANIFEST_150,
        latest: MANIFEST_150,
        '1.5.0-rc.1': MANIFEST_RC,
        '1.4.2': MANIFEST_142,
        'v1.3.0': INDEX_130,
        'main-4f1c8b2': syntheticManifest('main'),
      },
      'payments/many': many(),
    },
    ...overrides,
  };
}

function request(image: string, evidence?: Record<string, unknown>): CheckRequest {
  return { application: 'payments', service: 'payments-api', environment: 'production', artifact: { image }, ...(evidence ? { evidence } : {}) };
}

function collector(server: FakeServer, endpoint: RegistryEndpointConfig = {}, options: Partial<RegistryCollectorConfig> = {}): Collector {
  return createRegistryCollector({ registries: { [HOST]: { base_url: server.url, ...endpoint } }, ...options });
}

async function collect(c: Collector, image: string): Promise<CollectorResult> {
  const req = request(image);
  return c.collect({ request: req, input: buildInput(req, { id: 't', via: 'api' }), signal: new AbortController().signal });
}

const registry = suite<{ server: FakeServer; evaluator?: Evaluator }>('collectors-registry');

registry.before(async (ctx) => {
  ctx.server = await startFakeRegistry(state());
});

registry.after(async (ctx) => {
  await ctx.server.close();
});

registry.before.each((ctx) => {
  ctx.server.reset();
});

async function evaluator(ctx: { evaluator?: Evaluator }): Promise<Evaluator> {
  ctx.evaluator ??= await loadTestEvaluator({ revision: 'collectors-registry' });
  return ctx.evaluator;
}

registry('resolves the deployed tag, the semver tags and the newest one, with an anonymous bearer token', async ({ server }) => {
  const result = await collect(collector(server), `${HOST}/payments/api:1.4.2`);
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.registry, {
    digest: DIGEST_142,
    tags: { '1.5.0': DIGEST_150, '1.5.0-rc.1': sha256Digest(MANIFEST_RC), '1.4.2': DIGEST_142, 'v1.3.0': sha256Digest(INDEX_130) },
    latest: '1.5.0',
  });
  assert.ok(DIGEST_150.startsWith('sha256:5fe577767eba4cca'), 'the recorded manifest hashes to its recorded digest');
  const tokens = server.requests.filter((r) => r.path === '/token');
  assert.is(tokens.length, 1, 'one token, reused for every request of the scope');
  assert.is(tokens[0]!.query.get('service'), 'fake-registry');
  assert.is(tokens[0]!.query.get('scope'), 'repository:payments/api:pull');
  assert.is(tokens[0]!.headers.authorization, undefined, 'anonymous');
  const lists = server.requests.filter((r) => r.path === '/v2/payments/api/tags/list' && r.headers.authorization);
  assert.equal(lists.map((r) => r.query.get('last')), [null, '1.5.0', 'latest'], 'every page of the tag list (Link rel="next")');
  const heads = server.requests.filter((r) => r.method === 'HEAD' && r.headers.authorization);
  assert.equal(heads.map((r) => r.path).sort(), ['/v2/payments/api/manifests/1.4.2', '/v2/payments/api/manifests/1.5.0', '/v2/payments/api/manifests/1.5.0-rc.1', '/v2/payments/api/manifests/v1.3.0']);
  assert.match(String(heads[0]!.headers.accept), 'application/vnd.oci.image.index.v1+json');
  assert.not.ok(server.requests.some((r) => r.method === 'GET' && r.path.includes('/manifests/')), 'HEAD is enough when Docker-Content-Digest is there');
});

registry('sends basic credentials to the token realm when configured', async () => {
  const server = await startFakeRegistry(state({ credentials: { username: 'dfw-robot', password: 'hunter2' } }));
  try {
    const ok = await collect(collector(server, { username: 'dfw-robot', password: 'hunter2' }), `${HOST}/payments/api:1.5.0`);
    assert.equal(ok.unavailable, {});
    const token = server.requests.find((r) => r.path === '/token')!;
    assert.is(token.headers.authorization, `Basic ${Buffer.from('dfw-robot:hunter2').toString('base64')}`);
    const wrong = await collect(collector(server, { username: 'dfw-robot', password: 'wrong' }), `${HOST}/payments/api:1.5.0`);
    assert.is(wrong.unavailable.registry, `the token service of registry ${HOST} (${server.url}) answered 401: incorrect username or password`);
    const anonymous = await collect(collector(server), `${HOST}/payments/api:1.5.0`);
    assert.is(anonymous.unavailable.registry, `the token service of registry ${HOST} (${server.url}) answered 401: authentication required`);
  } finally {
    await server.close();
  }
});

registry('answers a Basic challenge with the configured credentials', async () => {
  const server = await startFakeRegistry(state({ auth: 'basic', credentials: { username: 'u', password: 'p' } }));
  try {
    const result = await collect(collector(server, { username: 'u', password: 'p' }), `${HOST}/payments/api:1.5.0`);
    assert.is((result.evidence.registry as { digest: string }).digest, DIGEST_150);
    const none = await collect(collector(server), `${HOST}/payments/api:1.5.0`);
    assert.is(none.unavailable.registry, `registry ${HOST} answered 401: UNAUTHORIZED authentication required`);
  } finally {
    await server.close();
  }
});

registry('without Docker-Content-Digest the digest is the sha256 of the manifest bytes', async () => {
  const server = await startFakeRegistry(state({ omitDigestHeader: true, auth: 'none' }));
  try {
    const result = await collect(collector(server, {}, { max_tag_digests: 0 }), `${HOST}/payments/api:1.5.0`);
    assert.equal(result.evidence.registry, { digest: DIGEST_150, tags: { '1.5.0': DIGEST_150 }, latest: '1.5.0' });
    assert.equal(server.requests.filter((r) => r.path.includes('/manifests/')).map((r) => r.method), ['HEAD', 'GET']);
  } finally {
    await server.close();
  }
});

registry('orders tags by semver precedence (2.12.1 > 2.12.1-rc.1 > 2.12.0 > 2.9.x) and bounds the digests it resolves', async ({ server }) => {
  const result = await collect(collector(server, {}, { max_tag_digests: 3, page_size: 10 }), `${HOST}/payments/many:2.1.0`);
  const evidence = result.evidence.registry as { latest: string; tags: Record<string, string>; digest: string };
  assert.is(evidence.latest, '2.12.1');
  assert.equal(Object.keys(evidence.tags).sort(), ['2.1.0', '2.12.0', '2.12.1', '2.12.1-rc.1'], 'the 3 newest (a pre-release ranks above the previous patch) and the deployed tag');
  assert.is(evidence.digest, sha256Digest(syntheticManifest('2.1.0')));
  assert.is(server.requests.filter((r) => r.method === 'HEAD' && r.headers.authorization).length, 4);
  assert.ok(server.requests.filter((r) => r.path.endsWith('/tags/list')).every((r) => r.query.get('n') === '10'));
  assert.equal(newestSemverTags(['latest', '1.5.0-rc.1', 'v1.5.0', '1.5.0', '1.10.0', '1.9.9', 'main']), ['1.10.0', '1.9.9', '1.5.0', 'v1.5.0', '1.5.0-rc.1']);
});

registry('a tag the registry does not have leaves the digest out; a digest-only reference is vouched for by HEAD', async ({ server }) => {
  const missing = await collect(collector(server), `${HOST}/payments/api:9.9.9`);
  assert.equal(missing.unavailable, {});
  const evidence = missing.evidence.registry as Record<string, unknown>;
  assert.is(evidence.digest, undefined);
  assert.is(evidence.latest, '1.5.0');
  const byDigest = await collect(collector(server), `${HOST}/payments/api@${DIGEST_142}`);
  assert.is((byDigest.evidence.registry as { digest: string }).digest, DIGEST_142);
  assert.ok(server.requests.some((r) => r.method === 'HEAD' && r.path === `/v2/payments/api/manifests/${DIGEST_142}`));
});

registry('registry-listed digests (GCR, registry.k8s.io) are used without asking for manifests', async ({ server }) => {
  server.override('/v2/payments/api/tags/list', { body: JSON.parse(fixtureText('oci/registry-tags-list-registry-k8s-io-hpa-example.json')) });
  const result = await collect(collector(server, { token: 'static-token' }), `${HOST}/payments/api:latest`);
  assert.equal(result.evidence.registry, {
    digest: 'sha256:581697a37f0e136db86d6b30392f0db40ce99c8248a7044c770012f4e8491544',
    tags: { latest: 'sha256:581697a37f0e136db86d6b30392f0db40ce99c8248a7044c770012f4e8491544' },
  });
  assert.not.ok(server.requests.some((r) => r.path.includes('/manifests/')));
  assert.is(server.requests[0]!.headers.authorization, 'Bearer static-token');
});

registry('an unknown repository, a 403, a 500 and a rejected static token are unavailable with the registry\'s words', async ({ server }) => {
  const unknown = await collect(collector(server), `${HOST}/payments/nope:1.0.0`);
  assert.is(unknown.unavailable.registry, `registry ${HOST} answered 404: NAME_UNKNOWN repository name not known to registry`);

  const rejected = await collect(collector(server, { token: 'not-issued' }), `${HOST}/payments/api:1.5.0`);
  assert.is(rejected.unavailable.registry, `registry ${HOST} answered 401: UNAUTHORIZED authentication required`);

  server.override('/v2/payments/api/tags/list', { status: 403, body: { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] } });
  const denied = await collect(collector(server), `${HOST}/payments/api:1.5.0`);
  assert.is(denied.unavailable.registry, `registry ${HOST} answered 403: DENIED requested access to the resource is denied`);

  server.reset();
  server.override('/v2/payments/api/manifests/1.5.0', { status: 500, body: 'internal error' }, 'HEAD');
  const broken = await collect(collector(server), `${HOST}/payments/api:1.5.0`);
  assert.is(broken.unavailable.registry, `registry ${HOST} answered 500`);
});

registry('malformed JSON in the tag list', async ({ server }) => {
  server.override('/v2/payments/api/tags/list', MALFORMED_JSON);
  const result = await collect(collector(server, { token: 'static' }), `${HOST}/payments/api:1.5.0`);
  assert.match(result.unavailable.registry!, new RegExp(`^registry ${HOST} answered 200 with malformed JSON for the tags of payments/api: `));
});

registry('a next page on another origin is not followed', async ({ server }) => {
  server.override('/v2/payments/api/tags/list', { body: { name: 'payments/api', tags: ['1.5.0'] }, headers: { link: '<https://evil.example/v2/payments/api/tags/list?last=1.5.0>; rel="next"' } });
  const result = await collect(collector(server, { token: 'static' }), `${HOST}/payments/api:1.5.0`);
  assert.is(result.unavailable.registry, `registry ${HOST} links the next page of tags to another origin (https://evil.example); dfw does not follow it`);
});

registry('a registry that is not configured is never asked', async ({ server }) => {
  const result = await collect(collector(server), 'ghcr.io/acme/payments:1.5.0');
  assert.is(result.unavailable.registry, 'registry ghcr.io is not configured in dfw (collectors.registry.registries), so it is not asked');
  assert.is(server.requests.length, 0);
});

registry('a slow registry times out through the runner, which answers within the timeout', async ({ server }) => {
  server.override('/v2/payments/api/tags/list', { body: { name: 'payments/api', tags: [] }, delayMs: 5000 });
  const runner = new CollectorRunner([collector(server, { token: 'static' }, { timeout_ms: 300 })]);
  const req = request(`${HOST}/payments/api:1.5.0`);
  const input = buildInput(req, { id: 't', via: 'api' });
  const started = performance.now();
  await runner.collect(req, input);
  const elapsed = performance.now() - started;
  assert.equal(input.unavailable, { registry: 'registry timed out after 300 ms' });
  assert.ok(elapsed < 300 + 250, `collect took ${elapsed.toFixed(0)} ms`);
});

registry('parses Bearer challenges with quoted, comma-holding scopes', () => {
  assert.equal(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' },
  });
  assert.equal(parseChallenge('Basic realm="Harbor"'), { scheme: 'basic', params: { realm: 'Harbor' } });
});

registry('end to end: a registry that cannot be read denies in production with "cannot verify" and the reason', async (ctx) => {
  const body = request(`${HOST}/payments/nope:1.0.0@${DIGEST_150}`);
  const { decision } = await checkWithCollectors(await evaluator(ctx), body, [collector(ctx.server)]);
  assert.is(decision.allow, false);
  const reason = `registry ${HOST} answered 404: NAME_UNKNOWN repository name not known to registry`;
  const artifact = violationsOf(decision, 'DFW-ARTIFACT-001').deny.map((v) => v.message);
  assert.ok(artifact.includes(`cannot verify the registry digest of ${HOST}/payments/nope:1.0.0@${DIGEST_150}: ${reason}`), artifact.join('\n'));
  // DFW-CLOUD-001 is medium: it reports the same reason, as a warning in production.
  assert.equal(violationsOf(decision, 'DFW-CLOUD-001').warn.map((v) => v.message), [`cannot verify that ${HOST}/payments/nope:1.0.0@${DIGEST_150} is the newest version in the registry: ${reason}`]);
});

registry('end to end: the newest tag deployed by its registry digest satisfies DFW-ARTIFACT-001 and DFW-CLOUD-001', async (ctx) => {
  const runtime = { workloads: [{ cluster: 'prod-eu', namespace: 'payments', name: 'payments-api', image: `${HOST}/payments/api:1.4.2`, digest: DIGEST_142 }] };
  const body = request(`${HOST}/payments/api:1.5.0@${DIGEST_150}`, { runtime });
  const { decision, report } = await checkWithCollectors(await evaluator(ctx), body, [collector(ctx.server)]);
  assert.equal(report.sources, { runtime: 'inline', registry: 'registry' });
  assert.equal(violationsOf(decision, 'DFW-ARTIFACT-001'), { deny: [], warn: [] });
  assert.equal(violationsOf(decision, 'DFW-CLOUD-001'), { deny: [], warn: [] });
});

registry('end to end: an older tag and a digest the registry does not hold for it are reported on the facts', async (ctx) => {
  const body = request(`${HOST}/payments/api:1.4.2@${DIGEST_150}`, { runtime: { workloads: [] } });
  const { decision, input } = await checkWithCollectors(await evaluator(ctx), body, [collector(ctx.server)]);
  assert.equal((input as InputDocument & { unavailable: object }).unavailable, {});
  assert.equal(violationsOf(decision, 'DFW-ARTIFACT-001').deny.map((v) => v.message), [
    `${HOST}/payments/api:1.4.2@${DIGEST_150} is requested at ${DIGEST_150}, but the registry holds ${DIGEST_142} for that tag`,
  ]);
  assert.equal(violationsOf(decision, 'DFW-CLOUD-001').warn.map((v) => v.message), ['payments/api 1.4.2 is older than 1.5.0, the newest version in the registry']);
});

registry.run();
