// registry.base_image (DFW-ARTIFACT-002): with `base_image: true` the registry collector
// reads the deployed manifest's org.opencontainers.image.base.name annotation (OCI
// image-spec annotations.md, as docker buildx writes it) from a local OCI registry, and the
// rule judges it against the approved prefixes in bundle data.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, type CheckRequest } from '../src/collect/check-request.js';
import { createRegistryCollector } from '../src/collect/collectors/index.js';
import type { Evaluator } from '../src/engine/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { checkWithCollectors, fixtureJson, sha256Digest, startFakeRegistry, violationsOf, type FakeServer } from './helpers/fake-servers.js';

const HOST = 'registry.example.com';

/** A real image manifest (the git-init fixture) with the annotations buildx adds for its base. */
function annotated(base: string | undefined): string {
  const manifest = fixtureJson<Record<string, unknown>>('oci/docker-manifest-v2-git-init.json');
  return JSON.stringify({
    ...manifest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    annotations: {
      'org.opencontainers.image.created': '2026-11-27T18:01:12Z',
      ...(base ? { 'org.opencontainers.image.base.name': base, 'org.opencontainers.image.base.digest': sha256Digest(base) } : {}),
    },
  });
}

const APPROVED = annotated('gcr.io/distroless/nodejs22-debian12:nonroot');
const DOCKER_HUB = annotated('docker.io/library/node:22');
const UNNAMED = annotated(undefined);

const Base = suite<{ server: FakeServer; evaluator: Evaluator }>('collectors-registry: base image');

Base.before(async (ctx) => {
  ctx.server = await startFakeRegistry({ auth: 'bearer', pageSize: 10, repositories: { 'payments/api': { '1.5.0': APPROVED, '1.4.2': DOCKER_HUB, '1.3.0': UNNAMED } } });
  ctx.evaluator = await loadTestEvaluator({ revision: 'registry-base-image' });
});

Base.after(async (ctx) => {
  await ctx.server.close();
});

function request(tag: string): CheckRequest {
  return { application: 'payments', environment: 'production', artifact: { image: `${HOST}/payments/api:${tag}` } };
}

function collector(server: FakeServer, baseImage: boolean) {
  return createRegistryCollector({ registries: { [HOST]: { base_url: server.url } }, base_image: baseImage });
}

Base('with base_image on, the deployed manifest\'s base name annotation is recorded; off, nothing more is asked', async ({ server }) => {
  const req = request('1.5.0');
  const on = await collector(server, true).collect({ request: req, input: buildInput(req, { id: 't', via: 'api' }), signal: new AbortController().signal });
  assert.is((on.evidence.registry as { base_image?: string }).base_image, 'gcr.io/distroless/nodejs22-debian12:nonroot');
  assert.ok(server.requests.some((r) => r.method === 'GET' && r.path === `/v2/payments/api/manifests/${sha256Digest(APPROVED)}`), 'the manifest is read by its digest');
  server.reset();
  const off = await collector(server, false).collect({ request: req, input: buildInput(req, { id: 't', via: 'api' }), signal: new AbortController().signal });
  assert.is((off.evidence.registry as { base_image?: string }).base_image, undefined);
  assert.not.ok(server.requests.some((r) => r.method === 'GET' && r.path.includes('/manifests/')), 'no manifest GET when base_image is off');
});

Base('end to end: DFW-ARTIFACT-002 passes an approved base, warns on another and on an image that names none', async ({ server, evaluator }) => {
  const messages = async (tag: string) => {
    const { decision } = await checkWithCollectors(evaluator, request(tag), [collector(server, true)]);
    const found = violationsOf(decision, 'DFW-ARTIFACT-002');
    return [...found.deny, ...found.warn].map((v) => v.message);
  };
  assert.equal(await messages('1.5.0'), []);
  assert.equal(await messages('1.4.2'), [`${HOST}/payments/api:1.4.2 is built on docker.io/library/node:22, which is not an approved base image`]);
  assert.equal(await messages('1.3.0'), [`${HOST}/payments/api:1.3.0 does not name its base image (annotation org.opencontainers.image.base.name)`]);
});

Base.run();
