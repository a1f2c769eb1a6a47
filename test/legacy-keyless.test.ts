// Keyless attestations in cosign's legacy tag layout (certificate, chain and Rekor bundle in
// the layer's annotations), end to end: a real 2022 SLSA provenance attestation from
// slsa-framework/slsa-verifier's testdata pushed into a real `crane registry serve` under the
// `.att` tag of its real image digest, read and verified offline by the signatures collector
// against the public-good trusted root, judged by DFW-SIGN-001 in a real bundle; and altered
// copies, each unverified with the reason that names what is wrong. The `.sig` path runs on a
// stand-in PKI (no real legacy keyless `.sig` was found to copy).
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '@sigstore/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { createSignaturesCollector } from '../src/collect/collectors/signatures.js';
import type { SignaturesCollectorConfig } from '../src/collect/collectors/signatures-config.js';
import type { Evaluator, Violation } from '../src/engine/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';
import { startRegistry, type Registry } from './helpers/registry.js';
import { PUBLIC_BUNDLE, pushImage, trustPolicySource } from './helpers/supply-chain.js';

const FIXTURES = join(ROOT, 'test/fixtures/cosign-legacy-keyless');
const ROOT_2025 = join(ROOT, 'test/fixtures/sigstore/public-good-trusted-root-2025-09.json');
const ROOT_OLD = join(ROOT, 'test/fixtures/sigstore/public-good-trusted-root.json');
const IMAGE_DIGEST = 'sha256:2bc8d7da45cdfb2902cef3292a3211351079b15b0f14f0ae9d5f9eea98b8b2d2';
const ATT_MANIFEST = 'sha256:b7773d35be754aa50e484d9cac8cfc3696e8dfa937be9783c7f7cd21872816ee';
const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/heads/main';
const NOW = new Date('2026-11-28T14:00:00Z');

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const blob = (digest: string) => readFileSync(join(FIXTURES, `${digest.replace(':', '-')}.json`));

interface Context {
  registry: Registry;
  evaluator: Evaluator;
}

const legacy = suite<Context>('legacy-keyless');

legacy.before(async (ctx) => {
  ctx.registry = await startRegistry();
  const source = trustPolicySource({
    signers: [
      { name: 'slsa-generator', issuer: ISSUER, subject: '^https://github\\.com/slsa-framework/slsa-github-generator/\\.github/workflows/generator_container_slsa3\\.yml@refs/heads/main$', images: [`${ctx.registry.host}/slsa/`] },
      { name: 'release-workflow', issuer: ISSUER, subject: '^https://github\\.com/acme/payments/\\.github/workflows/release\\.yml@refs/tags/v.+$', images: ['127.0.0.1:'] },
    ],
    registries: ['127.0.0.1:'],
  });
  ctx.evaluator = await loadTestEvaluator({ source, revision: 'legacy-keyless-test' });
});

legacy.after(async (ctx) => {
  await ctx.registry?.stop();
});

async function uploadBlob(host: string, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.is(start.status, 202);
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
  assert.is(put.status, 201, await put.text());
  return digest;
}

async function putManifest(host: string, repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': mediaType } });
  assert.is(res.status, 201, await res.text());
}

interface Variant {
  /** The envelope layer's bytes (default: the real one). */
  envelope?: Buffer;
  /** Edits the layer's annotations. */
  annotations?: (a: Record<string, string>) => void;
  /** The image digest whose `.att` tag it is pushed under (default: the real one). */
  under?: string;
}

/**
 * Pushes the real image manifest and its cosign attestation to `repository`; the variant
 * alters the copy. The real blobs go in byte for byte, so the registry serves the digests
 * the Rekor entry logged.
 */
async function pushAttestation(ctx: Context, repository: string, variant: Variant = {}): Promise<void> {
  const host = ctx.registry.host;
  for (const digest of [IMAGE_DIGEST, ATT_MANIFEST]) assert.is(sha256(blob(digest)), digest, 'the fixture is the upstream blob');
  const image = JSON.parse(blob(IMAGE_DIGEST).toString('utf8'));
  await uploadBlob(host, repository, blob(image.config.digest));
  await putManifest(host, repository, IMAGE_DIGEST, blob(IMAGE_DIGEST), image.mediaType);
  let manifestBytes = blob(ATT_MANIFEST);
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  await uploadBlob(host, repository, blob(manifest.config.digest));
  const layer = manifest.layers[0];
  const envelope = variant.envelope ?? blob(layer.digest);
  layer.digest = await uploadBlob(host, repository, envelope);
  layer.size = envelope.length;
  variant.annotations?.(layer.annotations);
  if (variant.envelope || variant.annotations) manifestBytes = Buffer.from(JSON.stringify(manifest));
  await putManifest(host, repository, `${(variant.under ?? IMAGE_DIGEST).replace(':', '-')}.att`, manifestBytes, manifest.mediaType);
}

async function collect(ctx: Context, repository: string, config: SignaturesCollectorConfig = { trusted_root: ROOT_2025 }, digest = IMAGE_DIGEST) {
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as Record<string, any>;
  delete body.evidence.signatures;
  delete body.evidence.attestations;
  body.artifact = { image: `${ctx.registry.host}/${repository}@${digest}`, digest };
  const request = parseCheckRequest(body);
  const input = buildInput(request, { id: 'legacy-keyless-test', via: 'cli' }) as Record<string, any>;
  const collector = createSignaturesCollector(config, { registry: { registries: { [ctx.registry.host]: { base_url: `http://${ctx.registry.host}` } } } });
  const result = await collector.collect({ request, input: input as never, signal: AbortSignal.timeout(20_000) });
  assert.equal(result.unavailable, {});
  Object.assign(input.evidence, result.evidence);
  const decision = ctx.evaluator.evaluate(input as never, { now: NOW });
  const violations: Violation[] = [...Object.values(decision.deny), ...Object.values(decision.warn)].flat();
  return { fact: input.evidence.attestations[0] as Record<string, any>, attestations: input.evidence.attestations as unknown[], sign: violations.filter((v) => v.rule === 'DFW-SIGN-001') };
}

legacy('the real legacy keyless attestation verifies offline: certificate identity, Rekor entry, provenance; DFW-SIGN-001 allows where the identity is trusted', async (ctx) => {
  await pushAttestation(ctx, 'slsa/example-package');
  const { fact, attestations, sign } = await collect(ctx, 'slsa/example-package');
  assert.is(attestations.length, 1);
  assert.is(fact.verified, true, fact.reason);
  assert.is(fact.format, 'dsse');
  assert.is(fact.location, `${ctx.registry.host}/slsa/example-package:${IMAGE_DIGEST.replace(':', '-')}.att layer 0`);
  assert.equal(fact.signer, { issuer: ISSUER, subject: SUBJECT });
  assert.equal(fact.tlog, { log_index: 3116401, integrated_time: '2022-08-05T03:47:44.000Z' });
  assert.is(fact.digest, IMAGE_DIGEST);
  assert.is(fact.predicate_type, 'https://slsa.dev/provenance/v0.2');
  assert.is(fact.provenance.verified, true);
  assert.match(fact.provenance.builder_id, /^https:\/\/github\.com\/slsa-framework\/slsa-github-generator\//);
  assert.equal(sign, []);
});

legacy('the same attestation where the trust policy trusts another identity is denied by DFW-SIGN-001, naming the certificate', async (ctx) => {
  await pushAttestation(ctx, 'payments/api');
  const { fact, sign } = await collect(ctx, 'payments/api');
  assert.is(fact.verified, true, fact.reason);
  assert.is(sign.length, 1);
  assert.match(sign[0]!.message, `signed by ${SUBJECT} (issuer ${ISSUER}), which the trust policy does not trust to sign the image`);
});

legacy('a changed payload byte is unverified: the Rekor entry logged other envelope bytes', async (ctx) => {
  const envelope = JSON.parse(blob('sha256:a2ece3a040c3cc7a511e60ef56bc2bfac79118e207e6297aaeaf9aa8fec5c015').toString('utf8'));
  const payload = Buffer.from(envelope.payload, 'base64');
  payload[payload.indexOf('example-package')] = 'E'.charCodeAt(0);
  envelope.payload = payload.toString('base64');
  await pushAttestation(ctx, 'tamper/payload', { envelope: Buffer.from(JSON.stringify(envelope)) });
  const { fact, sign } = await collect(ctx, 'tamper/payload');
  assert.is(fact.verified, false);
  assert.match(fact.reason, /^keyless \(cosign legacy layout\): the Rekor entry logs other envelope bytes \(sha256 a2ece3a0\w+\) than the layer holds/);
  assert.is(fact.predicate, undefined, 'an unverified predicate is never passed on');
  assert.match(sign[0]!.message, 'not verified: keyless (cosign legacy layout): the Rekor entry logs other envelope bytes');
});

legacy('an envelope whose payloadType is not in-toto is unverified with the bare envelope\'s reason, whatever its signature', async (ctx) => {
  const envelope = JSON.parse(blob('sha256:a2ece3a040c3cc7a511e60ef56bc2bfac79118e207e6297aaeaf9aa8fec5c015').toString('utf8'));
  envelope.payloadType = 'application/vnd.dev.cosign.simplesigning.v1+json';
  await pushAttestation(ctx, 'tamper/payload-type', { envelope: Buffer.from(JSON.stringify(envelope)) });
  const { fact } = await collect(ctx, 'tamper/payload-type');
  assert.is(fact.verified, false);
  assert.is(fact.reason, 'payloadType "application/vnd.dev.cosign.simplesigning.v1+json" is not an in-toto statement (application/vnd.in-toto+json)');
  assert.is(fact.predicate, undefined);
});

legacy('an altered SignedEntryTimestamp or logged time is unverified: the SET does not verify with the log key', async (ctx) => {
  await pushAttestation(ctx, 'tamper/set', {
    annotations: (a) => {
      const rekor = JSON.parse(a['dev.sigstore.cosign/bundle']!);
      const set = Buffer.from(rekor.SignedEntryTimestamp, 'base64');
      set[set.length - 1] ^= 1;
      rekor.SignedEntryTimestamp = set.toString('base64');
      a['dev.sigstore.cosign/bundle'] = JSON.stringify(rekor);
    },
  });
  await pushAttestation(ctx, 'tamper/time', {
    annotations: (a) => {
      const rekor = JSON.parse(a['dev.sigstore.cosign/bundle']!);
      rekor.Payload.integratedTime += 60; // inside the certificate's ten minutes, so only the SET can tell
      a['dev.sigstore.cosign/bundle'] = JSON.stringify(rekor);
    },
  });
  for (const repository of ['tamper/set', 'tamper/time']) {
    const { fact } = await collect(ctx, repository);
    assert.is(fact.verified, false, repository);
    assert.is(fact.reason, 'keyless (cosign legacy layout): the Rekor SignedEntryTimestamp does not verify with the transparency-log key of the trusted root: the entry was altered or logged elsewhere');
  }
});

legacy('a certificate swapped for another identity is unverified: the Rekor entry names another certificate', async (ctx) => {
  // Another real Fulcio certificate (the 2023 bundle's leaf), in place of the logged one.
  const other = JSON.parse(readFileSync(PUBLIC_BUNDLE, 'utf8'));
  const der = Buffer.from(other.verificationMaterial.x509CertificateChain.certificates[0].rawBytes, 'base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
  await pushAttestation(ctx, 'tamper/cert', { annotations: (a) => void (a['dev.sigstore.cosign/certificate'] = pem) });
  const { fact } = await collect(ctx, 'tamper/cert');
  assert.is(fact.verified, false);
  assert.is(fact.reason, 'keyless (cosign legacy layout): the Rekor entry names another certificate than the layer carries');
});

legacy('the attestation copied under another digest is unverified: the statement is about the real image', async (ctx) => {
  const otherDigest = `sha256:${'1'.repeat(64)}`;
  await pushAttestation(ctx, 'tamper/digest', { under: otherDigest });
  const { fact, sign } = await collect(ctx, 'tamper/digest', { trusted_root: ROOT_2025 }, otherDigest);
  assert.is(fact.verified, false);
  assert.equal(fact.signer, { issuer: ISSUER, subject: SUBJECT }, 'the signature itself verified');
  assert.is(fact.reason, `the statement is about ${IMAGE_DIGEST}, not the deployed ${otherDigest}`);
  assert.match(sign[0]!.message, `not verified: the statement is about ${IMAGE_DIGEST}`);
});

legacy('the trust material decides: no trusted root, a root without the Fulcio CA, a root whose CT log window ends before the certificate', async (ctx) => {
  await pushAttestation(ctx, 'slsa/roots');
  const none = (await collect(ctx, 'slsa/roots', {})).fact;
  assert.is(none.reason, 'keyless (cosign legacy layout): dfw has no trusted root (collectors.signatures.trusted_root) to check the certificate against');
  const dir = mkdtempSync(join(tmpdir(), 'dfw-legacy-root-'));
  const root = JSON.parse(readFileSync(ROOT_2025, 'utf8'));
  root.certificateAuthorities = [];
  writeFileSync(join(dir, 'no-fulcio.json'), JSON.stringify(root));
  const noCa = (await collect(ctx, 'slsa/roots', { trusted_root: join(dir, 'no-fulcio.json') })).fact;
  assert.is(noCa.verified, false);
  assert.is(noCa.reason, 'keyless (cosign legacy layout): Failed to verify certificate chain (CERTIFICATE_ERROR)');
  // The older root-signing file ends ctfe.sigstore.dev/test on 2022-01-01; this SCT is from 2022-08.
  const old = (await collect(ctx, 'slsa/roots', { trusted_root: ROOT_OLD })).fact;
  assert.is(old.reason, 'keyless (cosign legacy layout): SCT verification failed (CERTIFICATE_ERROR)');
});

legacy('a layer with a certificate but no Rekor bundle is unverified: nothing dates the certificate', async (ctx) => {
  await pushAttestation(ctx, 'tamper/no-rekor', { annotations: (a) => void delete a['dev.sigstore.cosign/bundle'] });
  const { fact } = await collect(ctx, 'tamper/no-rekor');
  assert.is(fact.verified, false);
  assert.match(fact.reason, /^keyless \(cosign legacy layout\): the layer carries a certificate but no Rekor bundle/);
});

// No real keyless `.sig` in the legacy layout was found to copy (see the fixtures'
// PROVENANCE.md), so the `.sig` path (Rekor hashedrekord v0.0.1, which @sigstore/verify checks
// whole) runs on a stand-in PKI: a CA and a leaf made by openssl, the Rekor SET signed with a
// test log key, both in a trusted root of their own. Every byte is checked by the same code.
interface TestPki {
  dir: string;
  trustedRoot: string;
  leafPem: string;
  caPem: string;
  leafKey: ReturnType<typeof createPrivateKey>;
  rekorKey: ReturnType<typeof createPrivateKey>;
  logID: string;
}

function testPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-legacy-pki-'));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key']);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=dfw-test/CN=dfw-test-ca', '-days', '3650', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem']);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'leaf.key']);
  openssl(['req', '-new', '-key', 'leaf.key', '-subj', '/O=dfw-test', '-out', 'leaf.csr']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=critical,email:release@acme.example\nextendedKeyUsage=codeSigning\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:false\n1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://accounts.acme.example\n');
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'leaf.pem']);
  const { privateKey: rekorKey, publicKey: rekorPub } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rekorDer = rekorPub.export({ type: 'spki', format: 'der' });
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const caDer = Buffer.from(caPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: 'https://rekor.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: rekorDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } }, logId: { keyId: createHash('sha256').update(rekorDer).digest('base64') } }],
    certificateAuthorities: [{ subject: { organization: 'dfw-test', commonName: 'dfw-test-ca' }, uri: 'https://ca.test', certChain: { certificates: [{ rawBytes: caDer.toString('base64') }] }, validFor: { start: '2020-01-01T00:00:00Z' } }],
    ctlogs: [],
    timestampAuthorities: [],
  };
  writeFileSync(join(dir, 'trusted_root.json'), JSON.stringify(root));
  return {
    dir,
    trustedRoot: join(dir, 'trusted_root.json'),
    leafPem: readFileSync(join(dir, 'leaf.pem'), 'utf8'),
    caPem,
    leafKey: createPrivateKey(readFileSync(join(dir, 'leaf.key'))),
    rekorKey,
    logID: createHash('sha256').update(rekorDer).digest('hex'),
  };
}

/** A `.sig` layer as keyless cosign (before --new-bundle-format) wrote it: payload, signature, certificate, chain, Rekor bundle. */
async function pushKeylessSignature(ctx: Context, pki: TestPki, repository: string, signedDigest: string, under: string, alter: { payload?: (p: string) => string; logIndex?: number } = {}): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': `${ctx.registry.host}/${repository}` }, image: { 'docker-manifest-digest': signedDigest }, type: 'cosign container image signature' }, optional: null }));
  const signature = sign('sha256', payload, pki.leafKey).toString('base64');
  const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } }, signature: { content: signature, publicKey: { content: Buffer.from(pki.leafPem).toString('base64') } } } })).toString('base64');
  const entry = { body, integratedTime: Math.floor(Date.now() / 1000), logIndex: 42, logID: pki.logID };
  const set = sign('sha256', Buffer.from(json.canonicalize(entry)), pki.rekorKey).toString('base64');
  if (alter.logIndex !== undefined) entry.logIndex = alter.logIndex; // after the SET was made: the SET no longer covers it
  const layerBytes = alter.payload ? Buffer.from(alter.payload(payload.toString('utf8'))) : payload;
  const config = Buffer.from('{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}');
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: await uploadBlob(ctx.registry.host, repository, config) },
    layers: [
      {
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        size: layerBytes.length,
        digest: await uploadBlob(ctx.registry.host, repository, layerBytes),
        annotations: {
          'dev.cosignproject.cosign/signature': signature,
          'dev.sigstore.cosign/certificate': pki.leafPem,
          'dev.sigstore.cosign/chain': pki.caPem,
          'dev.sigstore.cosign/bundle': JSON.stringify({ SignedEntryTimestamp: set, Payload: entry }),
        },
      },
    ],
  };
  await putManifest(ctx.registry.host, repository, `${under.replace(':', '-')}.sig`, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
}

legacy('a keyless .sig (simple signing, Rekor hashedrekord) verifies with the library, naming the certificate identity; copied or altered, it does not', async (ctx) => {
  const pki = testPki();
  const config = { trusted_root: pki.trustedRoot, ctlog_threshold: 0 };
  const collectSignature = async (repository: string, digest: string) => {
    const collector = createSignaturesCollector(config, { registry: { registries: { [ctx.registry.host]: { base_url: `http://${ctx.registry.host}` } } } });
    const result = await collector.collect({ request: {} as never, input: { artifact: { registry: ctx.registry.host, repository, digest } } as never, signal: AbortSignal.timeout(20_000) });
    return (result.evidence as { signatures: Array<Record<string, any>> }).signatures;
  };
  const digest = pushImage(`${ctx.registry.host}/keyless/sig:1`, 'keyless-sig');
  await pushKeylessSignature(ctx, pki, 'keyless/sig', digest, digest);
  const [fact] = await collectSignature('keyless/sig', digest);
  assert.is(fact!.verified, true, fact!.reason);
  assert.is(fact!.format, 'cosign');
  assert.equal(fact!.signer, { issuer: 'https://accounts.acme.example', subject: 'release@acme.example' });
  assert.is(fact!.tlog.log_index, 42);
  assert.is(fact!.digest, digest);

  const other = pushImage(`${ctx.registry.host}/keyless/sig:2`, 'keyless-sig-other');
  await pushKeylessSignature(ctx, pki, 'keyless/sig', digest, other);
  const [copied] = await collectSignature('keyless/sig', other);
  assert.is(copied!.verified, false);
  assert.equal(copied!.signer, { issuer: 'https://accounts.acme.example', subject: 'release@acme.example' });
  assert.is(copied!.reason, `the signature is over ${digest}, not the deployed ${other}: it was copied from another image`);

  const third = pushImage(`${ctx.registry.host}/keyless/sig:3`, 'keyless-sig-third');
  await pushKeylessSignature(ctx, pki, 'keyless/sig', third, third, { payload: (p) => p.replace('"optional":null', '"optional":{"approved":"yes"}') });
  const [altered] = await collectSignature('keyless/sig', third);
  assert.is(altered!.verified, false);
  assert.is(altered!.reason, 'keyless (cosign legacy layout): digest mismatch (TLOG_BODY_ERROR)', 'the payload is not the one Rekor logged');

  const fourth = pushImage(`${ctx.registry.host}/keyless/sig:4`, 'keyless-sig-fourth');
  await pushKeylessSignature(ctx, pki, 'keyless/sig', fourth, fourth, { logIndex: 43 });
  const [relogged] = await collectSignature('keyless/sig', fourth);
  assert.is(relogged!.reason, 'keyless (cosign legacy layout): inclusion promise could not be verified (TLOG_INCLUSION_PROMISE_ERROR)');

  const none = await (async () => {
    const collector = createSignaturesCollector({ trusted_root: ROOT_2025 }, { registry: { registries: { [ctx.registry.host]: { base_url: `http://${ctx.registry.host}` } } } });
    const result = await collector.collect({ request: {} as never, input: { artifact: { registry: ctx.registry.host, repository: 'keyless/sig', digest } } as never, signal: AbortSignal.timeout(20_000) });
    return (result.evidence as { signatures: Array<Record<string, any>> }).signatures[0]!;
  })();
  assert.is(none.verified, false, 'a CA the trusted root does not hold');
  assert.is(none.reason, 'keyless (cosign legacy layout): Failed to verify certificate chain (CERTIFICATE_ERROR)');
});

legacy.run();
