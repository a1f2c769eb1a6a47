// The OCI side of bundle shipping, piece by piece: oci:// references, pushing and pulling an
// OPA bundle artifact on a real registry (crane registry serve), the poller's OCI fetch
// answering 304 for an unchanged manifest, and a layer whose bytes do not match the
// manifest's digest refused (a registry that serves tampered blobs, on 127.0.0.1).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleLayerOf, OciClient, OPA_BUNDLE_LAYER_MEDIA_TYPE, pushBundleArtifact } from '../src/bundles/agent/oci-client.js';
import { createOciFetch } from '../src/bundles/agent/oci-fetch.js';
import { formatOciReference, parseOciReference } from '../src/bundles/agent/oci-reference.js';
import { buildBundle, SIGNING_KEY } from './helpers/bundle.js';
import { runGoTool, startRegistry, type Registry } from './helpers/registry.js';

/** uvu's assert has no rejects: the promise must fail with a message matching `pattern`. */
async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const outcome = await promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  assert.match(outcome, pattern);
}

const oci = suite<{ registry: Registry; bundle: Uint8Array }>('OCI bundle artifacts');

oci.before(async (ctx) => {
  ctx.registry = await startRegistry();
  ctx.bundle = new Uint8Array(readFileSync(buildBundle({ signingKey: SIGNING_KEY, revision: 'oci-test' })));
});

oci.after(async (ctx) => ctx.registry?.stop());

oci('oci:// references: tag, digest, default tag, plain HTTP only on loopback; malformed ones named', () => {
  assert.equal(parseOciReference('oci://registry.example.com/acme/policy:1.2.0'), { registry: 'registry.example.com', repository: 'acme/policy', reference: '1.2.0', baseUrl: 'https://registry.example.com' });
  assert.is(parseOciReference('oci://127.0.0.1:5000/acme/policy').reference, 'latest');
  assert.is(parseOciReference('oci://127.0.0.1:5000/acme/policy').baseUrl, 'http://127.0.0.1:5000');
  assert.is(parseOciReference('oci://localhost:5000/p:1').baseUrl, 'http://localhost:5000');
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.is(parseOciReference(`oci://r.example/p@${digest}`).reference, digest);
  assert.is(formatOciReference(parseOciReference(`oci://r.example/p@${digest}`)), `oci://r.example/p@${digest}`);
  assert.throws(() => parseOciReference('https://r.example/p'), /not an oci:\/\/ reference/);
  assert.throws(() => parseOciReference('oci://r.example'), /names no repository/);
  assert.throws(() => parseOciReference('oci://r.example/Acme/Policy'), /not a valid repository name/);
  assert.throws(() => parseOciReference('oci://r.example/p@sha256:12'), /a digest is sha256:<64 hex>/);
});

oci('a pushed bundle is an image manifest with one tar+gzip layer, read back byte for byte', async (ctx) => {
  const client = new OciClient(parseOciReference(`oci://${ctx.registry.host}/team/policy:v1`));
  const { digest, layer } = await pushBundleArtifact(client, ctx.bundle, { 'org.opencontainers.image.revision': 'oci-test' });
  const crane = JSON.parse(runGoTool('crane', ['manifest', '--insecure', `${ctx.registry.host}/team/policy:v1`])) as { annotations: Record<string, string> };
  assert.is(crane.annotations['org.opencontainers.image.revision'], 'oci-test');
  const pulled = await client.manifest();
  assert.is(pulled.digest, digest);
  assert.equal(bundleLayerOf(pulled.manifest), { ...layer, annotations: { 'org.opencontainers.image.title': 'bundle.tar.gz' } });
  assert.is(layer.mediaType, OPA_BUNDLE_LAYER_MEDIA_TYPE);
  assert.equal(await client.blob(layer, 1 << 24), ctx.bundle);
  await rejects(client.blob(layer, 16), /more than the limit of 16/);
});

oci('the poller\'s OCI fetch: 200 with the layer and the manifest digest as ETag, then 304 while it is unchanged', async (ctx) => {
  const url = `oci://${ctx.registry.host}/team/policy:v1`;
  const ociFetch = createOciFetch();
  const first = await ociFetch(url, { headers: {} });
  assert.is(first.status, 200);
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"sha256:[a-f0-9]{64}"$/);
  assert.equal(new Uint8Array(await first.arrayBuffer()), ctx.bundle);
  const again = await ociFetch(url, { headers: { 'if-none-match': etag } });
  assert.is(again.status, 304);
  await rejects(ociFetch(`oci://${ctx.registry.host}/team/absent:v1`, { headers: {} }), /answered 404/);
});

oci('a layer whose bytes do not have the manifest\'s digest is refused and logged', async (ctx) => {
  // A registry that serves the real manifest but altered layer bytes (what a compromised
  // mirror or cache would do): the digest check must catch it before anything is parsed.
  const client = new OciClient(parseOciReference(`oci://${ctx.registry.host}/team/policy:v1`));
  const { manifest } = await client.manifest();
  const manifestText = JSON.stringify(manifest);
  const altered = new Uint8Array(ctx.bundle);
  altered[altered.length - 1] ^= 0xff;
  const server: Server = createServer((req, res) => {
    if (req.url?.includes('/manifests/')) {
      res.writeHead(200, { 'content-type': manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json' });
      res.end(manifestText);
    } else if (req.url?.includes('/blobs/')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(altered));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const logged: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const logger = { info() {}, warn() {}, error: (msg: string, fields?: Record<string, unknown>) => logged.push({ msg, ...(fields ? { fields } : {}) }) };
  try {
    await rejects(createOciFetch({ logger })(`oci://127.0.0.1:${port}/team/policy:v1`, { headers: {} }), /the layer's content has digest sha256:[a-f0-9]+, but the manifest names sha256:[a-f0-9]+: refused/);
    assert.is(logged[0]?.msg, 'bundle layer refused; the last good one keeps serving');
    assert.match(String(logged[0]?.fields?.error), /but the manifest names/);
  } finally {
    server.close();
  }
});

oci.run();
