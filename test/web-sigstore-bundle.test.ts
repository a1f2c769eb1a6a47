// Sigstore bundles verified with Web Crypto (src/collect/trust/web-bundle.ts, the edge
// runtime's verifier) against the Node host's @sigstore/verify (bundle.ts): the same real
// bundles — the public-good keyless SLSA provenance bundle against its trusted root, and
// key-based bundles made here by real cosign — and tampered variants give the same facts,
// field for field, reasons included. Log entries with an inclusion proof are made here with
// a test log key (a real Rekor entry for a key-based bundle cannot be made offline).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInlineVerifier } from '../src/collect/collectors/index.js';
import type { InlineFact, InlineVerifier } from '../src/collect/trust/inline.js';
import { createWebInlineVerifier } from '../src/collect/trust/web-verify.js';
import { createEdgeHandler, edgeOptionsFromSettings } from '../src/edge-runtime/index.js';
import type { Decision } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { buildBundle, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';
import { cosign, generateCosignKey, PUBLIC_BUNDLE, PUBLIC_GOOD_ROOT } from './helpers/supply-chain.js';

type Bundle = {
  verificationMaterial: Record<string, any>;
  dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string; keyid?: string }> };
};
type Fact = { verified: boolean; reason?: string; signer?: { key?: string; issuer?: string; subject?: string }; tlog?: { log_index: number; integrated_time: string } };

const PUBLIC_SUBJECT = 'sha256:5d672b0dbb696a3289632bf241cc4bb08dbb32c3e9559ea7e9f96b0490209891';
const ROOT_TEXT = readFileSync(PUBLIC_GOOD_ROOT, 'utf8');
const publicBundle = (): Bundle => JSON.parse(readFileSync(PUBLIC_BUNDLE, 'utf8'));
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

interface Ctx {
  dir: string;
  key: { key: string; pub: string };
  other: { key: string; pub: string };
  digest: string;
  /** attest-blob --new-bundle-format --key: a key-based provenance bundle without log entries. */
  keyed: Bundle;
  /** The same for an image-signature statement (predicate https://sigstore.dev/cosign/sign/v1). */
  imageSignature: Bundle;
}

const web = suite<Ctx>('web-sigstore-bundle');

function attest(ctx: Ctx, statement: unknown, name: string, key = ctx.key.key): Bundle {
  writeFileSync(join(ctx.dir, `${name}.json`), JSON.stringify(statement));
  const out = join(ctx.dir, `${name}.bundle.json`);
  cosign(['attest-blob', '--key', key, '--tlog-upload=false', '--new-bundle-format', '--statement', join(ctx.dir, `${name}.json`), '--bundle', out]);
  return JSON.parse(readFileSync(out, 'utf8'));
}

web.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-web-bundle-'));
  ctx.key = generateCosignKey();
  ctx.other = generateCosignKey();
  ctx.digest = `sha256:${'ab'.repeat(32)}`;
  const subject = [{ name: 'registry.example.com/payments/api', digest: { sha256: ctx.digest.slice(7) } }];
  ctx.keyed = attest(ctx, { _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'https://slsa.dev/provenance/v1', predicate: { buildDefinition: { buildType: 'https://example.com/build', externalParameters: {} }, runDetails: { builder: { id: 'https://example.com/builder' } } } }, 'provenance');
  ctx.imageSignature = attest(ctx, { _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} }, 'image-signature');
});

/** Both verifiers' facts for one bundle; asserts they are identical and returns them. */
async function both(json: unknown, digest: string, node: InlineVerifier, webVerifier: InlineVerifier): Promise<InlineFact> {
  const material = { kind: 'bundle' as const, json };
  const fromNode = await node.verify(material, 'check request evidence.attestations[0]', digest);
  const fromWeb = await webVerifier.verify(material, 'check request evidence.attestations[0]', digest);
  assert.equal(fromWeb, fromNode, 'Web Crypto and @sigstore/verify disagree');
  return fromWeb;
}

const factOf = (f: InlineFact): Fact => (f.attestation ?? f.signature) as Fact;

web('the public-good keyless bundle: the same verified fact, identity from the Fulcio certificate, Rekor entry from the SET', async () => {
  const fact = factOf(await both(publicBundle(), PUBLIC_SUBJECT, createInlineVerifier({ trusted_root: PUBLIC_GOOD_ROOT }), createWebInlineVerifier([], { trustedRoot: ROOT_TEXT })));
  assert.is(fact.verified, true, fact.reason);
  assert.equal(fact.signer, {
    issuer: 'https://token.actions.githubusercontent.com',
    subject: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/heads/main',
  });
  assert.equal(fact.tlog, { log_index: 22095070, integrated_time: '2023-05-30T03:08:24.000Z' });
  // The 2025 root (Rekor v2, a TSA, the CT log ends moved) verifies it the same way.
  const newer = join(PUBLIC_GOOD_ROOT, '..', 'public-good-trusted-root-2025-09.json');
  const again = factOf(await both(publicBundle(), PUBLIC_SUBJECT, createInlineVerifier({ trusted_root: newer }), createWebInlineVerifier([], { trustedRoot: readFileSync(newer, 'utf8') })));
  assert.is(again.verified, true, again.reason);
});

web('tampered keyless bundles are unverified with the same reason on both verifiers', async () => {
  const node = createInlineVerifier({ trusted_root: PUBLIC_GOOD_ROOT });
  const edge = createWebInlineVerifier([], { trustedRoot: ROOT_TEXT });
  const reasonOf = async (json: unknown, digest = PUBLIC_SUBJECT, n = node, w = edge) => {
    const fact = factOf(await both(json, digest, n, w));
    assert.is(fact.verified, false);
    return fact.reason!;
  };

  const payloadByte = publicBundle();
  const payload = Buffer.from(payloadByte.dsseEnvelope.payload, 'base64');
  payload[payload.indexOf('"predicate"') + 2] ^= 0x01; // "predicate" -> "qredicate"-like: still a byte changed
  payloadByte.dsseEnvelope.payload = b64(payload);
  assert.is(await reasonOf(payloadByte), 'the bundle does not verify: DSSE payload hash mismatch (TLOG_BODY_ERROR)');

  const signature = publicBundle();
  const sig = Buffer.from(signature.dsseEnvelope.signatures[0]!.sig, 'base64');
  sig[sig.length - 3] ^= 0x01;
  signature.dsseEnvelope.signatures[0]!.sig = b64(sig);
  assert.is(await reasonOf(signature), 'the bundle does not verify: tlog entry signature mismatch (TLOG_BODY_ERROR)');

  assert.is(await reasonOf(publicBundle(), `sha256:${'0'.repeat(64)}`), `the statement is about ${PUBLIC_SUBJECT}, not the deployed sha256:${'0'.repeat(64)}`);

  const set = publicBundle();
  const entry = set.verificationMaterial.tlogEntries[0];
  const promise = Buffer.from(entry.inclusionPromise.signedEntryTimestamp, 'base64');
  promise[promise.length - 2] ^= 0x01;
  entry.inclusionPromise.signedEntryTimestamp = b64(promise);
  assert.is(await reasonOf(set), 'the bundle does not verify: inclusion promise could not be verified (TLOG_INCLUSION_PROMISE_ERROR)');

  const noEntry = publicBundle();
  noEntry.verificationMaterial.tlogEntries = [];
  assert.is(await reasonOf(noEntry), 'the bundle does not verify: expected 1 timestamps, got 0 (TIMESTAMP_ERROR)');

  // A certificate authority other than the one that issued the certificate.
  const dir = mkdtempSync(join(tmpdir(), 'dfw-other-ca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-subj', '/O=sigstore.dev/CN=sigstore-intermediate', '-days', '30', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE'], { stdio: 'ignore' });
  const otherCa = readFileSync(join(dir, 'ca.pem'), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');
  const root = JSON.parse(ROOT_TEXT);
  root.certificateAuthorities = [{ subject: { organization: 'other', commonName: 'other' }, uri: 'https://other.example', certChain: { certificates: [{ rawBytes: otherCa }] }, validFor: { start: '2020-01-01T00:00:00Z' } }];
  writeFileSync(join(dir, 'root.json'), JSON.stringify(root));
  assert.is(
    await reasonOf(publicBundle(), PUBLIC_SUBJECT, createInlineVerifier({ trusted_root: join(dir, 'root.json') }), createWebInlineVerifier([], { trustedRoot: JSON.stringify(root) })),
    'the bundle does not verify: Failed to verify certificate chain (CERTIFICATE_ERROR)',
  );

  // More SCTs required than the certificate carries.
  assert.is(
    await reasonOf(publicBundle(), PUBLIC_SUBJECT, createInlineVerifier({ trusted_root: PUBLIC_GOOD_ROOT, ctlog_threshold: 2 }), createWebInlineVerifier([], { trustedRoot: ROOT_TEXT, ctlogThreshold: 2 })),
    'the bundle does not verify: expected 2 SCTs, got 1 (CERTIFICATE_ERROR)',
  );
  // An SCT the root's CT log did not sign (its key replaced by the Rekor key).
  const noCt = JSON.parse(ROOT_TEXT);
  noCt.ctlogs = noCt.ctlogs.map((log: { publicKey: unknown }) => ({ ...log, publicKey: noCt.tlogs[0].publicKey }));
  writeFileSync(join(dir, 'no-ct.json'), JSON.stringify(noCt));
  assert.is(
    await reasonOf(publicBundle(), PUBLIC_SUBJECT, createInlineVerifier({ trusted_root: join(dir, 'no-ct.json') }), createWebInlineVerifier([], { trustedRoot: JSON.stringify(noCt) })),
    'the bundle does not verify: SCT verification failed (CERTIFICATE_ERROR)',
  );

  // Logged after the short-lived certificate had expired (the SET no longer matches either: the expiry is what a person needs to hear).
  const late = publicBundle();
  late.verificationMaterial.tlogEntries[0].integratedTime = String(Number(late.verificationMaterial.tlogEntries[0].integratedTime) + 3600);
  assert.match(await reasonOf(late), /^the bundle does not verify: the signing certificate had expired when the transparency log recorded the signature/);

  // The same words, each naming where its own trusted root is set.
  const noRoot = factOf(await both(publicBundle(), PUBLIC_SUBJECT, createInlineVerifier({ keys: [] }), createWebInlineVerifier([], { trustedRootSetting: 'collectors.signatures.trusted_root' })));
  assert.is(noRoot.reason, 'the bundle is signed keyless, and dfw has no trusted root (collectors.signatures.trusted_root) to check its certificate against');
  const webNoRoot = factOf(await createWebInlineVerifier([]).verify({ kind: 'bundle', json: publicBundle() }, 'check request evidence.attestations[0]', PUBLIC_SUBJECT));
  assert.is(webNoRoot.reason, 'the bundle is signed keyless, and dfw has no trusted root (trustedRoot) to check its certificate against');
});

web('a key-based bundle made by cosign --new-bundle-format: the same fact (key fingerprint), and the same refusals', async (ctx) => {
  const node = createInlineVerifier({ keys: [ctx.key.pub] });
  const edge = createWebInlineVerifier([readFileSync(ctx.key.pub, 'utf8')]);
  const fact = factOf(await both(ctx.keyed, ctx.digest, node, edge));
  assert.is(fact.verified, true, fact.reason);
  assert.match(fact.signer!.key!, /^sha256:[0-9a-f]{64}$/);

  const image = await both(ctx.imageSignature, ctx.digest, node, edge);
  assert.ok(image.signature, 'an image signature in the bundle format is filed under signatures');
  assert.is(image.signature!.verified, true, image.signature!.reason);

  const tampered = structuredClone(ctx.keyed);
  const statement = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, 'base64').toString('utf8'));
  statement.predicate.runDetails.builder.id = 'https://evil.example/builder';
  tampered.dsseEnvelope.payload = b64(JSON.stringify(statement));
  assert.is(factOf(await both(tampered, ctx.digest, node, edge)).reason, 'the bundle does not verify: signature verification failed (SIGNATURE_ERROR)');

  const other = factOf(await both(ctx.keyed, ctx.digest, createInlineVerifier({ keys: [ctx.other.pub] }), createWebInlineVerifier([readFileSync(ctx.other.pub, 'utf8')])));
  assert.is(other.verified, false);
  assert.match(other.reason!, /^the bundle does not verify: signed by a key dfw does not hold \(hint /);

  assert.match(factOf(await both(ctx.keyed, `sha256:${'cd'.repeat(32)}`, node, edge)).reason!, /^the statement is about sha256:abab/);
});

/** The bundle's statement signed by real cosign under another payloadType: `sign-blob` over the DSSE PAE of that type. */
function resign(ctx: Ctx, bundle: Bundle, payloadType: string): Bundle {
  const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
  const file = join(ctx.dir, `pae-${createHash('sha256').update(payloadType).digest('hex').slice(0, 8)}.bin`);
  writeFileSync(file, pae);
  const sig = cosign(['sign-blob', '--key', ctx.key.key, '--tlog-upload=false', file]).trim();
  const copy = structuredClone(bundle);
  copy.dsseEnvelope.payloadType = payloadType;
  copy.dsseEnvelope.signatures = [{ ...copy.dsseEnvelope.signatures[0], sig }];
  return copy;
}

web('a bundle whose DSSE payloadType is not in-toto is refused by both verifiers with the bare envelope\'s reason, though the key signed it', async (ctx) => {
  const node = createInlineVerifier({ keys: [ctx.key.pub] });
  const edge = createWebInlineVerifier([readFileSync(ctx.key.pub, 'utf8')]);
  for (const payloadType of ['text/plain', 'application/vnd.dev.cosign.simplesigning.v1+json']) {
    const bundle = resign(ctx, ctx.keyed, payloadType);
    const reason = `payloadType ${JSON.stringify(payloadType)} is not an in-toto statement (application/vnd.in-toto+json)`;
    const fact = factOf(await both(bundle, ctx.digest, node, edge));
    assert.equal(fact, { source: 'inline', format: 'sigstore-bundle', location: 'check request evidence.attestations[0]', verified: false, reason } as Fact, payloadType);
    // The same signature as a bare envelope: the same words.
    const envelope = { kind: 'envelope' as const, json: bundle.dsseEnvelope };
    for (const verifier of [node, edge]) assert.is(factOf(await verifier.verify(envelope, 'check request evidence.attestations[0]', ctx.digest)).reason, reason, payloadType);
  }
  // The signature is a real one: over in-toto's payloadType the same way, the bundle verifies.
  const control = factOf(await both(resign(ctx, ctx.keyed, 'application/vnd.in-toto+json'), ctx.digest, node, edge));
  assert.is(control.verified, true, control.reason);
});

// --- a log of our own: SET and inclusion proof (RFC 6962) signed by a test "Rekor" key ---

const sha256 = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (leaf: Uint8Array) => sha256(Buffer.of(0), leaf);
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(Buffer.of(1), l, r);
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
function treeHash(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leafHash(leaves[0]!);
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}
function auditPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...auditPath(m, leaves.slice(0, k)), treeHash(leaves.slice(k))] : [...auditPath(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

/** The bundle with a dsse 0.0.1 entry at index 5 of a 7-leaf log, with SET and checkpoint; the trusted root naming the log key. */
function logged(bundle: Bundle, verifier: string, log: { privateKey: KeyObject; publicKey: KeyObject }, options: { set?: boolean; proof?: boolean } = {}): { bundle: Bundle; root: string } {
  const spki = log.publicKey.export({ type: 'spki', format: 'der' });
  const logId = sha256(spki);
  const body = Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(JSON.stringify(bundle.dsseEnvelope))).toString('hex') },
        payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(bundle.dsseEnvelope.payload, 'base64')).toString('hex') },
        signatures: [{ signature: bundle.dsseEnvelope.signatures[0]!.sig, verifier: b64(verifier) }],
      },
    }),
  );
  const leaves = [0, 1, 2, 3, 4, 5, 6].map((i) => (i === 5 ? body : Buffer.from(`other entry ${i}`)));
  const integratedTime = 1767225600;
  const setPayload = `{"body":${JSON.stringify(b64(body))},"integratedTime":${integratedTime},"logID":"${logId.toString('hex')}","logIndex":5}`;
  const note = `rekor.test - 1\n7\n${b64(treeHash(leaves))}\n`;
  const noteSignature = Buffer.concat([logId.subarray(0, 4), sign('sha256', Buffer.from(note), log.privateKey)]);
  const entry = {
    logIndex: '5',
    logId: { keyId: b64(logId) },
    kindVersion: { kind: 'dsse', version: '0.0.1' },
    integratedTime: String(integratedTime),
    ...(options.set !== false ? { inclusionPromise: { signedEntryTimestamp: b64(sign('sha256', Buffer.from(setPayload), log.privateKey)) } } : {}),
    ...(options.proof !== false
      ? { inclusionProof: { logIndex: '5', rootHash: b64(treeHash(leaves)), treeSize: '7', hashes: auditPath(5, leaves).map(b64), checkpoint: { envelope: `${note}\n\u2014 rekor.test ${b64(noteSignature)}\n` } } }
      : {}),
    canonicalizedBody: b64(body),
  };
  const copy = structuredClone(bundle);
  copy.verificationMaterial.tlogEntries = [entry];
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: 'https://rekor.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(spki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2025-01-01T00:00:00Z' } }, logId: { keyId: b64(logId) } }],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return { bundle: copy, root: JSON.stringify(root) };
}

web('log entries with an inclusion promise and a Merkle inclusion proof to a signed checkpoint: checked alike, tampering refused alike', async (ctx) => {
  const log = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = readFileSync(ctx.key.pub, 'utf8');
  const pair = (root: string) => {
    writeFileSync(join(ctx.dir, 'log-root.json'), root);
    return [createInlineVerifier({ keys: [ctx.key.pub], trusted_root: join(ctx.dir, 'log-root.json') }), createWebInlineVerifier([verifier], { trustedRoot: root })] as const;
  };
  for (const options of [{}, { set: false }]) {
    const { bundle, root } = logged(ctx.keyed, verifier, log, options);
    const fact = factOf(await both(bundle, ctx.digest, ...pair(root)));
    assert.is(fact.verified, true, `${JSON.stringify(options)}: ${fact.reason}`);
    assert.equal(fact.tlog, { log_index: 5, integrated_time: '2026-01-01T00:00:00.000Z' });
  }

  const { bundle, root } = logged(ctx.keyed, verifier, log, { set: false });
  const reason = async (change: (entry: Record<string, any>) => void) => {
    const copy = structuredClone(bundle);
    change(copy.verificationMaterial.tlogEntries[0]);
    const fact = factOf(await both(copy, ctx.digest, ...pair(root)));
    assert.is(fact.verified, false);
    return fact.reason;
  };
  assert.is(
    await reason((e) => (e.inclusionProof.hashes[1] = b64(sha256(Buffer.from('forged'))))),
    'the bundle does not verify: calculated root hash does not match inclusion proof (TLOG_INCLUSION_PROOF_ERROR)',
  );
  assert.is(await reason((e) => e.inclusionProof.hashes.pop()), 'the bundle does not verify: invalid hash count (TLOG_INCLUSION_PROOF_ERROR)');
  assert.is(
    await reason((e) => (e.inclusionProof.checkpoint.envelope = e.inclusionProof.checkpoint.envelope.replace('\n7\n', '\n8\n'))),
    'the bundle does not verify: invalid checkpoint signature (TLOG_INCLUSION_PROOF_ERROR)',
  );
  // From v0.2 on, every entry must carry an inclusion proof: a SET alone is not a valid bundle.
  assert.is(await reason((e) => delete e.inclusionProof), 'not a valid Sigstore bundle: invalid bundle');
  // A log entry that records another signature: copied from another bundle.
  const { bundle: another } = logged(attest(ctx, JSON.parse(Buffer.from(ctx.keyed.dsseEnvelope.payload, 'base64').toString('utf8')), 'again'), verifier, log, { set: false });
  assert.is(
    await reason((e) => Object.assign(e, structuredClone(another.verificationMaterial.tlogEntries[0]))),
    'the bundle does not verify: tlog entry signature mismatch (TLOG_BODY_ERROR)',
  );
});

web('the edge runtime verifies a keyless bundle passed inline against DFW_TRUSTED_ROOT; without it the fact says why', async () => {
  const policy = readFileSync(buildBundle({ revision: 'web-sigstore-edge', signingKey: SIGNING_KEY }));
  const body = JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8'));
  body.artifact.digest = PUBLIC_SUBJECT;
  body.evidence.attestations = [publicBundle()];
  const ask = async (settings: Record<string, string>, asOptions = false) => {
    const fromSettings = edgeOptionsFromSettings({ DFW_BUNDLE_URL: 'https://bundles.example/firewall.tar.gz', DFW_BUNDLE_PUBLIC_KEY: readFileSync(SIGNING_PUB, 'utf8'), DFW_ALLOW_ANONYMOUS: 'true', ...settings });
    // A handler built from options in code rather than from settings names its options.
    const { trustedRootSetting: _setting, ...options } = fromSettings;
    const handler = createEdgeHandler({ ...(asOptions ? options : fromSettings), bundle: { bytes: policy }, logger: createMemoryLogger() });
    const res = await handler.fetch(new Request('http://edge/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    assert.is(res.status, 200);
    const decision = (await res.json()) as Decision;
    return [...Object.values(decision.deny), ...Object.values(decision.warn)].flat().filter((v) => v.rule === 'DFW-PROV-001').map((v) => v.message).join('\n');
  };
  const without = await ask({});
  assert.match(without, 'no trusted root (DFW_TRUSTED_ROOT)');
  assert.match(await ask({}, true), 'no trusted root (trustedRoot)');
  const withRoot = await ask({ DFW_TRUSTED_ROOT: ROOT_TEXT });
  assert.not.match(withRoot, 'no trusted root');
  assert.not.match(withRoot, 'does not verify');
  // Verified: now the trust policy judges the identity (not trusted for this image, so still a denial, for that reason).
  assert.match(withRoot, 'signed by https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/heads/main (issuer https://token.actions.githubusercontent.com), which the trust policy does not trust');
  assert.throws(() => edgeOptionsFromSettings({ DFW_BUNDLE_URL: 'https://b.example/f.tar.gz', DFW_BUNDLE_PUBLIC_KEY: 'x-----BEGIN', DFW_ALLOW_ANONYMOUS: 'true', DFW_TRUSTED_ROOT: '{"mediaType":"application/json"}' }), /DFW_TRUSTED_ROOT must hold the text of a Sigstore trusted_root.json/);
  assert.throws(() => edgeOptionsFromSettings({ DFW_BUNDLE_URL: 'https://b.example/f.tar.gz', DFW_BUNDLE_PUBLIC_KEY: 'x-----BEGIN', DFW_ALLOW_ANONYMOUS: 'true', DFW_CTLOG_THRESHOLD: 'one' }), /DFW_CTLOG_THRESHOLD must be an integer/);
});

web.run();
