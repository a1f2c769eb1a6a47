// Inline signatures and attestations (issue 15): a fact a caller types ("verified": true)
// is never believed; real cosign output passed along inline is verified by dfw, through
// the HTTP API, the Node host's verifier and `dfw check`; replay decides from the logged facts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/api/index.js';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { createInlineVerifier } from '../src/collect/collectors/index.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { EXAMPLE_VERIFICATION_KEYS } from '../src/collect/trust/example-keys.js';
import { inlineMaterial, verifyInlineTrust } from '../src/collect/trust/inline.js';
import { KeyConfigError } from '../src/collect/trust/key-policy.js';
import { createWebInlineVerifier } from '../src/collect/trust/web-verify.js';
import { createCheckService } from '../src/decide/index.js';
import { createEdgeHandler, EdgeConfigError, edgeOptionsFromSettings } from '../src/edge-runtime/index.js';
import worker from '../src/edge-runtime/worker.js';
import { ActivePolicy, type Decision, type Evaluator, type InputDocument, type Violation } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { buildBundle, loadTestEvaluator, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { runDfw, startDfw } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';
import { PUBLIC_BUNDLE, PUBLIC_GOOD_ROOT, RELEASE_FINGERPRINT, RELEASE_PUB } from './helpers/supply-chain.js';

type Body = Record<string, unknown> & { evidence: Record<string, unknown> };
type Fact = { verified: boolean; source: string; format: string; location: string; reason?: string; signer?: { key?: string; issuer?: string; subject?: string }; predicate?: unknown; provenance?: unknown; digest?: string };

const SIGNING = join(ROOT, 'examples/signing');
const material = (name: string) => JSON.parse(readFileSync(join(SIGNING, `${name}.json`), 'utf8')) as Record<string, unknown>;
const BUILD_FINGERPRINT = /^sha256:[0-9a-f]{64}$/;

/** The fact-shaped claim examples/compliant.allow.json carried before issue 15: believed then. */
const CLAIMED_SIGNATURE = {
  verified: true,
  source: 'registry',
  format: 'cosign',
  location: 'registry.example.com/payments/api:sha256-4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b.sig layer 0',
  digest: 'sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b',
  signer: { key: RELEASE_FINGERPRINT },
};

const inline = suite<{ evaluator: Evaluator; examples: Map<string, Record<string, unknown>> }>('inline-trust');

inline.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'inline-trust' });
  ctx.examples = readExamples();
});

function compliant(ctx: { examples: Map<string, Record<string, unknown>> }): Body {
  return structuredClone(ctx.examples.get('compliant.allow.json')) as Body;
}

async function checkOverHttp(evaluator: Evaluator, body: unknown): Promise<Decision> {
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  const app = createApp({ policy, logger: createMemoryLogger() });
  const res = await app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.is(res.status, 200, await res.clone().text());
  return (await res.json()) as Decision;
}

/** The Node host's service: inline material verified by the signatures collector's verifier. */
async function checkOnHost(evaluator: Evaluator, body: unknown, verifier = createInlineVerifier()): Promise<{ decision: Decision; input: InputDocument }> {
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  return createCheckService(policy, { collectors: new CollectorRunner([], undefined, verifier) }).check(parseCheckRequest(body), { via: 'api' });
}

const violations = (d: Decision, rule: string): Violation[] => [...Object.values(d.deny), ...Object.values(d.warn)].flat().filter((v) => v.rule === rule);
const blocking = (d: Decision) => Object.values(d.deny).flat().map((v) => v.rule).sort();

inline('an inline fact that claims "verified": true is recorded unverified with why, its predicate and provenance dropped', (ctx) => {
  const body = compliant(ctx);
  body.evidence.signatures = [CLAIMED_SIGNATURE];
  body.evidence.attestations = [{ ...CLAIMED_SIGNATURE, format: 'sigstore-bundle', predicate_type: 'https://slsa.dev/provenance/v1', predicate: { forged: true }, provenance: { verified: true } }];
  const input = buildInput(parseCheckRequest(body), { id: 'x', via: 'api' });
  const evidence = input.evidence as { signatures: Fact[]; attestations: Fact[] };
  assert.is(evidence.signatures.length, 1, 'kept, not dropped');
  const [signature] = evidence.signatures;
  assert.is(signature!.verified, false);
  assert.is(signature!.source, 'inline');
  assert.is(signature!.location, 'check request evidence.signatures[0]');
  assert.match(signature!.reason!, /^supplied inline in the check request as a fact \(verified: true, signer key sha256:c2120326\S+\): dfw counts only signatures it verified itself/);
  assert.not.ok('signer' in signature!, 'a claimed signer is not recorded as the signer');
  const [attestation] = evidence.attestations;
  assert.is(attestation!.verified, false);
  assert.not.ok('predicate' in attestation! || 'provenance' in attestation!, 'a predicate only when verified');
  assert.is((attestation as { predicate_type?: string }).predicate_type, 'https://slsa.dev/provenance/v1');
});

inline('HTTP: an inline "verified" fact for the trusted release key is denied by DFW-SIGN-001 with the inline reason', async (ctx) => {
  const body = compliant(ctx);
  body.evidence.signatures = [CLAIMED_SIGNATURE];
  const d = await checkOverHttp(ctx.evaluator, body);
  assert.is(d.allow, false);
  assert.ok(blocking(d).includes('DFW-SIGN-001'), JSON.stringify(d.deny));
  const [v] = violations(d, 'DFW-SIGN-001');
  assert.match(v!.message, 'check request evidence.signatures[0]: not verified: supplied inline in the check request');
  // The attestation is real and verified, but the build key does not approve images.
  assert.match(v!.message, /evidence.attestations\[0\]: signed by key sha256:2bb07465\S+, which the trust policy does not trust to sign the image/);
});

inline('HTTP: the compliant example, real cosign output signed by the example keys, is allowed and logged as verified facts', async (ctx) => {
  const d = await checkOverHttp(ctx.evaluator, compliant(ctx));
  assert.is(d.allow, true, JSON.stringify(d.deny));
  const { input } = await checkOnHost(ctx.evaluator, compliant(ctx));
  const evidence = input.evidence as { signatures: Fact[]; attestations: Fact[] };
  assert.equal(evidence.signatures.map((f) => [f.verified, f.source, f.format, f.signer?.key]), [[true, 'inline', 'cosign', RELEASE_FINGERPRINT]]);
  const [att] = evidence.attestations;
  assert.is(att!.verified, true);
  assert.match(att!.signer!.key!, BUILD_FINGERPRINT);
  assert.is((att!.provenance as { source: { commit: string } }).source.commit, '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e');
  assert.not.ok(JSON.stringify(input).includes('"payload"'), 'the logged input holds facts, not the raw material');
});

inline('a tampered inline signature or envelope is "not verified" with the reason, denied by DFW-SIGN-001 and DFW-PROV-001', async (ctx) => {
  const body = compliant(ctx);
  const signature = material('signature-payments-api-4f1c') as { payload: string; signature: string };
  const payload = JSON.parse(Buffer.from(signature.payload, 'base64').toString('utf8'));
  payload.critical.identity['docker-reference'] = 'registry.example.com/payments/evil';
  body.evidence.signatures = [{ ...signature, payload: Buffer.from(JSON.stringify(payload)).toString('base64') }];
  const envelope = material('provenance-payments-api-4f1c') as { payload: string };
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  statement.predicate.runDetails.builder.id = 'https://evil.example/builder';
  body.evidence.attestations = [{ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }];
  for (const d of [await checkOverHttp(ctx.evaluator, body), (await checkOnHost(ctx.evaluator, body)).decision]) {
    assert.is(d.allow, false);
    assert.equal(blocking(d), ['DFW-PROV-001', 'DFW-SIGN-001', 'DFW-SIGN-002']);
    assert.match(violations(d, 'DFW-SIGN-001')[0]!.message, /check request evidence.signatures\[0\]: not verified: the signature does not verify with any of the \d key\(s\) dfw holds/);
    assert.match(violations(d, 'DFW-PROV-001')[0]!.message, /cannot verify|not verified/);
  }
});

inline('a signature copied from another digest, or by a key dfw does not hold, says which (examples/dfw-sign-001-image-signature.deny.json)', async (ctx) => {
  const d = await checkOverHttp(ctx.evaluator, ctx.examples.get('dfw-sign-001-image-signature.deny.json'));
  const message = violations(d, 'DFW-SIGN-001')[0]!.message;
  assert.match(message, 'evidence.signatures[0]: not verified: the signature is over sha256:9a8b');
  assert.match(message, 'evidence.signatures[1]: not verified: the signature does not verify with any of the');
});

inline('a Sigstore bundle passed inline is verified by the Node host and by the Web Crypto verifier alike', async (ctx) => {
  const body = compliant(ctx);
  body.evidence.attestations = [material('bundle-provenance-payments-api-4f1c')];
  const { decision, input } = await checkOnHost(ctx.evaluator, body);
  assert.is(decision.allow, true, JSON.stringify(decision.deny));
  const [fact] = (input.evidence as { attestations: Fact[] }).attestations;
  assert.equal([fact!.verified, fact!.source, fact!.format], [true, 'inline', 'sigstore-bundle']);
  assert.match(fact!.signer!.key!, BUILD_FINGERPRINT);

  const atTheEdge = await checkOverHttp(ctx.evaluator, body);
  assert.is(atTheEdge.allow, true, JSON.stringify(atTheEdge.deny));

  const tampered = structuredClone(material('bundle-provenance-payments-api-4f1c')) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, 'base64').toString('utf8'));
  statement.subject[0].digest.sha256 = 'f'.repeat(64);
  tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  body.evidence.attestations = [tampered];
  const refused = await checkOnHost(ctx.evaluator, body);
  assert.is(refused.decision.allow, false);
  const [bad] = (refused.input.evidence as { attestations: Fact[] }).attestations;
  assert.is(bad!.verified, false);
  assert.match(bad!.reason!, /^the bundle does not verify/);
});

inline('a real keyless Sigstore bundle inline is verified against the configured trusted root; without one it says so', async () => {
  const bundle = JSON.parse(readFileSync(PUBLIC_BUNDLE, 'utf8'));
  const subject = 'sha256:5d672b0dbb696a3289632bf241cc4bb08dbb32c3e9559ea7e9f96b0490209891';
  const input: Record<string, unknown> = { artifact: { digest: subject }, evidence: { attestations: [{ note: 'placeholder' }] } };
  await verifyInlineTrust({ attestations: [bundle] }, input, createInlineVerifier({ trusted_root: PUBLIC_GOOD_ROOT }));
  const [fact] = (input.evidence as { attestations: Fact[] }).attestations;
  assert.is(fact!.verified, true, fact!.reason);
  assert.is(fact!.signer!.issuer, 'https://token.actions.githubusercontent.com');
  assert.match(fact!.signer!.subject!, 'slsa-github-generator');

  await verifyInlineTrust({ attestations: [bundle] }, input, createInlineVerifier({ keys: [...EXAMPLE_VERIFICATION_KEYS] }));
  const [without] = (input.evidence as { attestations: Fact[] }).attestations;
  assert.is(without!.verified, false);
  assert.match(without!.reason!, 'no trusted root');
});

inline('with collectors.signatures configured but holding no key, inline material is unverified with that reason', async () => {
  const input: Record<string, unknown> = { artifact: { digest: 'sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b' }, evidence: {} };
  await verifyInlineTrust({ signatures: [material('signature-payments-api-4f1c')] }, input, createInlineVerifier({}));
  const [fact] = (input.evidence as { signatures: Fact[] }).signatures;
  assert.is(fact!.verified, false);
  assert.match(fact!.reason!, 'dfw holds no verification keys (collectors.signatures.keys)');
});

inline('a request without a digest gets unverified inline material: signatures are made over a digest', async (ctx) => {
  const body = compliant(ctx);
  body.artifact = { image: 'registry.example.com/payments/api:1.5.0' };
  const { input } = await checkOnHost(ctx.evaluator, body);
  const [fact] = (input.evidence as { signatures: Fact[] }).signatures;
  assert.is(fact!.verified, false);
  assert.match(fact!.reason!, 'deploy by digest');
});

inline('the Web Crypto verifier and the Node host agree on every example\'s signatures and attestations', async (ctx) => {
  const web = createWebInlineVerifier(EXAMPLE_VERIFICATION_KEYS);
  const node = createInlineVerifier();
  let compared = 0;
  for (const [file, body] of ctx.examples) {
    const request = parseCheckRequest(structuredClone(body));
    const facts = [];
    for (const verifier of [web, node]) {
      const input = buildInput(request, { id: 'x', via: 'api' });
      await verifyInlineTrust(request.evidence, input, verifier);
      facts.push({ signatures: (input.evidence as Record<string, unknown>).signatures, attestations: (input.evidence as Record<string, unknown>).attestations });
    }
    assert.equal(facts[0], facts[1], file);
    compared += 1;
  }
  assert.ok(compared > 40);
});

inline('every example carries real material, none a typed fact', (ctx) => {
  for (const [file, body] of ctx.examples) {
    const evidence = (body as Body).evidence;
    for (const kind of ['signatures', 'attestations']) {
      for (const entry of (evidence[kind] as unknown[]) ?? []) assert.ok(inlineMaterial(entry), `${file}: evidence.${kind} holds a claim, not material`);
    }
  }
});

inline('replay: the logged input holds the verified facts, and evaluating it again decides the same', async (ctx) => {
  for (const file of ['compliant.allow.json', 'dfw-sign-001-image-signature.deny.json']) {
    const { decision, input } = await checkOnHost(ctx.evaluator, structuredClone(ctx.examples.get(file)));
    const logged = JSON.parse(JSON.stringify(input)) as InputDocument;
    const again = ctx.evaluator.evaluate(logged, { decisionId: decision.decision_id, now: new Date(String(logged.request!.time ?? decision.evaluated_at)) });
    assert.equal(blocking(again), blocking(decision), file);
    assert.is(again.allow, decision.allow, file);
  }
});

inline('`dfw check`: the compliant example allows; with a typed "verified" fact it is denied by DFW-SIGN-001 (exit 1)', (ctx) => {
  const allowed = runDfw(['check', '--env', 'production', '--input', join(ROOT, 'examples/compliant.allow.json'), '--format', 'json']);
  assert.is(allowed.status, 0, allowed.stderr + allowed.stdout);
  const body = compliant(ctx);
  body.evidence.signatures = [CLAIMED_SIGNATURE];
  const file = join(mkdtempSync(join(tmpdir(), 'dfw-inline-')), 'claimed.json');
  writeFileSync(file, JSON.stringify(body));
  const denied = runDfw(['check', '--env', 'production', '--input', file, '--format', 'json']);
  assert.is(denied.status, 1, denied.stderr);
  const d = JSON.parse(denied.stdout) as Decision;
  assert.match(violations(d, 'DFW-SIGN-001')[0]!.message, 'not verified: supplied inline in the check request');
});

inline('`dfw check --signature-key` verifies with the keys given instead of the example keys; a file that is no key exits 2', () => {
  const compliantFile = join(ROOT, 'examples/compliant.allow.json');
  const releaseOnly = runDfw(['check', '--env', 'production', '--input', compliantFile, '--signature-key', RELEASE_PUB, '--format', 'json']);
  assert.is(releaseOnly.status, 1, releaseOnly.stderr);
  const d = JSON.parse(releaseOnly.stdout) as Decision;
  assert.equal(blocking(d), ['DFW-PROV-001', 'DFW-SIGN-002']);
  assert.match(violations(d, 'DFW-PROV-001')[0]!.message, 'any of the 1 key(s) dfw holds');
  const all = runDfw(['check', '--env', 'production', '--input', compliantFile, '--signature-key', RELEASE_PUB, '--signature-key', join(ROOT, 'examples/keys/example-build.pub')]);
  assert.is(all.status, 0, all.stdout + all.stderr);
  const bad = runDfw(['check', '--env', 'production', '--input', compliantFile, '--signature-key', compliantFile]);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, 'not a PEM public key');
});

inline('`dfw serve` verifies inline material with collectors.signatures: a key it was not given does not verify (the build key\'s provenance)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-inline-serve-'));
  const config = join(dir, 'dfw.yaml');
  writeFileSync(config, `bundle: { path: ${buildBundle({ revision: 'inline-serve' })} }\nstore: { url: "sqlite:${join(dir, 'dfw.db')}" }\npublish: { dir: ${join(dir, 'publish')} }\ncollectors:\n  signatures:\n    keys: [${RELEASE_PUB}]\n    registry: false\n`);
  const server = await startDfw(['--config', config]);
  try {
    const res = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(join(ROOT, 'examples/compliant.allow.json')) });
    assert.is(res.status, 200);
    const d = (await res.json()) as Decision;
    assert.is(d.allow, false);
    assert.equal(blocking(d), ['DFW-PROV-001', 'DFW-SIGN-002']);
    assert.match(violations(d, 'DFW-PROV-001')[0]!.message, 'evidence.attestations[0]: not verified: the signature does not verify with any of the 1 key(s) dfw holds');
  } finally {
    await server.stop();
  }
});

inline('an edge evaluator verifies with its signatureKeys (DFW_SIGNATURE_KEYS), the example keys without them', async () => {
  const bundle = readFileSync(buildBundle({ revision: 'inline-edge', signingKey: SIGNING_KEY }));
  const ask = async (signatureKeys?: string[]) => {
    const handler = createEdgeHandler({ bundle: { bytes: bundle }, publicKeyPem: readFileSync(SIGNING_PUB, 'utf8'), logger: createMemoryLogger(), ...(signatureKeys ? { signatureKeys } : {}) });
    const res = await handler.fetch(new Request('http://edge/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(join(ROOT, 'examples/compliant.allow.json')) }));
    return (await res.json()) as Decision;
  };
  assert.is((await ask()).allow, true);
  const releaseOnly = await ask([readFileSync(RELEASE_PUB, 'utf8')]);
  assert.equal(blocking(releaseOnly), ['DFW-PROV-001', 'DFW-SIGN-002']);
  assert.match(violations(releaseOnly, 'DFW-PROV-001')[0]!.message, 'the signature does not verify with any of the 1 key(s) dfw holds');
  const options = edgeOptionsFromSettings({ DFW_BUNDLE_URL: 'https://bundles.example/firewall.tar.gz', DFW_BUNDLE_PUBLIC_KEY: readFileSync(SIGNING_PUB, 'utf8'), DFW_ALLOW_ANONYMOUS: 'true', DFW_SIGNATURE_KEYS: JSON.stringify([readFileSync(RELEASE_PUB, 'utf8')]) });
  assert.equal(options.signatureKeys, [readFileSync(RELEASE_PUB, 'utf8')]);
  assert.throws(() => edgeOptionsFromSettings({ DFW_BUNDLE_URL: 'https://b.example/f.tar.gz', DFW_BUNDLE_PUBLIC_KEY: readFileSync(SIGNING_PUB, 'utf8'), DFW_ALLOW_ANONYMOUS: 'true', DFW_SIGNATURE_KEYS: '["not a key"]' }), /DFW_SIGNATURE_KEYS must be a JSON array of PEM public keys/);
});

let edgeBundle: Buffer | undefined;

/** An edge handler's decision on the compliant example, its inline material verified with the given options. */
async function askEdge(options: Partial<Parameters<typeof createEdgeHandler>[0]>): Promise<Decision> {
  edgeBundle ??= readFileSync(buildBundle({ revision: 'inline-edge-keys', signingKey: SIGNING_KEY }));
  const handler = createEdgeHandler({ publicKeyPem: readFileSync(SIGNING_PUB, 'utf8'), ...options, bundle: { bytes: edgeBundle }, logger: createMemoryLogger() });
  const res = await handler.fetch(new Request('http://edge/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(join(ROOT, 'examples/compliant.allow.json')) }));
  assert.is(res.status, 200);
  return (await res.json()) as Decision;
}

const EDGE_SETTINGS = () => ({ DFW_BUNDLE_URL: 'https://bundles.example/firewall.tar.gz', DFW_BUNDLE_PUBLIC_KEY: readFileSync(SIGNING_PUB, 'utf8'), DFW_ALLOW_ANONYMOUS: 'true' });

inline('a signature key the host refuses (ECDSA on P-384, P-521) the edge refuses too, at creation, in the host\'s words, naming the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-inline-curves-'));
  const release = readFileSync(RELEASE_PUB, 'utf8');
  for (const [curve, name] of [['P-384', 'secp384r1'], ['P-521', 'secp521r1']] as const) {
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', join(dir, `${curve}.key`)], { stdio: 'ignore' });
    execFileSync('openssl', ['pkey', '-in', join(dir, `${curve}.key`), '-pubout', '-out', join(dir, `${curve}.pub`)], { stdio: 'ignore' });
    const pem = readFileSync(join(dir, `${curve}.pub`), 'utf8');
    const why = `ECDSA keys must be on P-256 (cosign's curve), not ${name}`;
    assert.throws(() => createInlineVerifier({ keys: [RELEASE_PUB, join(dir, `${curve}.pub`)] }), (err: Error) => err.message === `signatures.keys[1]: ${why}`, `host, ${curve}`);
    assert.throws(() => createWebInlineVerifier([release, pem]), (err: Error) => err instanceof KeyConfigError && err.message === `signatureKeys[1]: ${why}`, `Web verifier, ${curve}`);
    assert.throws(
      () => createEdgeHandler({ bundle: { bytes: new Uint8Array() }, publicKeyPem: readFileSync(SIGNING_PUB, 'utf8'), signatureKeys: [release, pem] }),
      (err: Error) => err instanceof EdgeConfigError && err.message === `signatureKeys[1]: ${why}`,
      `edge handler, ${curve}`,
    );
    // A Worker answers every check 500 edge_misconfigured, naming the setting's entry.
    const res = await worker.fetch(new Request('http://edge/v1/check', { method: 'POST', body: '{}' }), { ...EDGE_SETTINGS(), DFW_SIGNATURE_KEYS: JSON.stringify([release, pem]) });
    assert.is(res.status, 500);
    assert.equal(await res.json(), { error: { code: 'edge_misconfigured', message: `DFW_SIGNATURE_KEYS[1]: ${why}` } });
  }
});

inline('an edge signature key Web Crypto cannot import fails every inline verification naming it; with no keys, the reason names the edge\'s setting', async () => {
  // The release key with its point moved off the curve: a well-formed P-256 SubjectPublicKeyInfo no one can import.
  const der = createPublicKey(readFileSync(RELEASE_PUB, 'utf8')).export({ type: 'spki', format: 'der' });
  der[der.length - 1] ^= 0x01;
  const offCurve = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  assert.throws(() => createInlineVerifier({ keys: [offCurve] }), /^signatures\.keys\[0\]: not a PEM public key: /, 'the host refuses it at startup');
  const broken = await askEdge({ signatureKeys: [readFileSync(RELEASE_PUB, 'utf8'), offCurve] });
  assert.is(broken.allow, false);
  for (const entry of ['signatures[0]', 'attestations[0]']) {
    assert.match(violations(broken, 'DFW-SIGN-001')[0]!.message, `evidence.${entry}: not verified: verification failed: signatureKeys[1]: not a PEM public key: Web Crypto cannot import it: `, entry);
  }

  const none = 'dfw holds no verification keys (signatureKeys), so a key-based signature cannot be checked';
  assert.match(violations(await askEdge({ signatureKeys: [] }), 'DFW-SIGN-001')[0]!.message, none);
  const options = edgeOptionsFromSettings({ ...EDGE_SETTINGS(), DFW_SIGNATURE_KEYS: '[]' });
  const fromSettings = violations(await askEdge(options), 'DFW-SIGN-001')[0]!.message;
  assert.match(fromSettings, none.replace('signatureKeys', 'DFW_SIGNATURE_KEYS'));
  assert.not.match(fromSettings, 'collectors.signatures.keys');
});

inline.run();
