// Supply-chain trust end to end with real parts: images pushed to a real `crane registry
// serve`, signed and attested by real cosign, verified by dfw's signatures collector, judged
// by DFW-SIGN-001 / DFW-PROV-001 in a real bundle; keyless with a real public Sigstore
// bundle against the public-good trusted root, offline; dfw's VSA verified by cosign.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { createSignaturesCollector } from '../src/collect/collectors/signatures.js';
import type { Collector } from '../src/collect/collector.js';
import { VSA_PREDICATE_TYPE } from '../src/decide/attestation.js';
import { loadAttestationSigner } from '../src/host/attestation-signer.js';
import { attachingSummaries } from '../src/decide/attestation-attach.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import type { Evaluator, Violation } from '../src/engine/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { readBuiltinEnforcement } from '../src/policy/enforcement.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';
import { startRegistry, runGoTool, type Registry } from './helpers/registry.js';
import { ALLOWED_BUILDER, cosign, generateCosignKey, PUBLIC_BUNDLE, PUBLIC_GOOD_ROOT, pushImage, RELEASE_FINGERPRINT, RELEASE_KEY, RELEASE_PUB, trustPolicySource } from './helpers/supply-chain.js';

interface Context {
  registry: Registry;
  evaluator: Evaluator;
  store: Store;
  collector: Collector;
  other: { key: string; pub: string };
}

const supplyChain = suite<Context>('supply-chain');
const COMMIT = '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e';
const RELEASE_BUILDER = 'https://build.acme.example/release-builder@v1';
const SHIPPED_BUILDERS = (readBuiltinEnforcement(join(ROOT, 'rego/firewall/config/data.yaml')).trust as { builders: unknown[] }).builders;
const NOW = new Date('2026-11-28T14:00:00Z');

supplyChain.before(async (ctx) => {
  ctx.registry = await startRegistry();
  const source = trustPolicySource({
    signers: [
      { name: 'release-key', key: RELEASE_FINGERPRINT, images: ['127.0.0.1:'] },
      { name: 'release-workflow', issuer: 'https://token.actions.githubusercontent.com', subject: '^https://github\\.com/acme/payments/\\.github/workflows/release\\.yml@refs/tags/v.+$', images: ['127.0.0.1:', 'registry.example.com/'] },
    ],
    registries: ['127.0.0.1:'],
    // The shipped builders, and one whose provenance the release key may sign (DFW-PROV-001
    // credits a builder's level only to the identities its entry names).
    builders: [...SHIPPED_BUILDERS, { id: RELEASE_BUILDER, level: 3, identities: [{ key: RELEASE_FINGERPRINT }] }],
  });
  ctx.evaluator = await loadTestEvaluator({ source, revision: 'supply-chain-test' });
  ctx.store = await openStore('sqlite::memory:');
  ctx.other = generateCosignKey();
  ctx.collector = createSignaturesCollector(
    { keys: [RELEASE_PUB, ctx.other.pub], trusted_root: PUBLIC_GOOD_ROOT },
    { registry: { registries: { [ctx.registry.host]: { base_url: `http://${ctx.registry.host}` } } }, store: ctx.store },
  );
});

supplyChain.after(async (ctx) => {
  await ctx.store?.close();
  await ctx.registry?.stop();
});

/** The compliant example, for this image and digest, with signatures left to the collector. */
async function decide(ctx: Context, image: string, digest: string): Promise<{ violations: Violation[]; input: Record<string, any> }> {
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as Record<string, any>;
  delete body.evidence.signatures;
  delete body.evidence.attestations;
  body.artifact = { image, digest };
  const request = parseCheckRequest(body);
  const input = buildInput(request, { id: 'supply-chain-test', via: 'cli' }) as Record<string, any>;
  const result = await ctx.collector.collect({ request, input: input as never, signal: AbortSignal.timeout(20_000) });
  Object.assign(input.evidence, result.evidence);
  input.unavailable = { ...(input.unavailable ?? {}), ...result.unavailable };
  const decision = ctx.evaluator.evaluate(input as never, { now: NOW });
  return { violations: [...Object.values(decision.deny), ...Object.values(decision.warn)].flat(), input };
}

const of = (violations: Violation[], rule: string) => violations.filter((v) => v.rule === rule);

function provenancePredicate(dir: string, builder: string, repository: string, commit: string): string {
  const file = join(dir, `predicate-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ builder: { id: builder }, buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1', materials: [{ uri: `git+https://${repository}@refs/heads/main`, digest: { sha1: commit } }] }));
  return file;
}

supplyChain('an image signed by the trusted key is allowed by DFW-SIGN-001, and the fact names the key', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:signed`, 'signed');
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const { violations, input } = await decide(ctx, `${ref}:signed`, digest);
  assert.equal(of(violations, 'DFW-SIGN-001'), []);
  assert.equal(input.evidence.signatures.map((s: any) => [s.verified, s.format, s.signer?.key]), [[true, 'cosign', RELEASE_FINGERPRINT]]);
});

supplyChain('cosign --new-bundle-format signatures (OCI referrers fallback tag) verify too', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:bundled`, 'bundled');
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', '--new-bundle-format', `${ref}@${digest}`]);
  const { violations, input } = await decide(ctx, `${ref}:bundled`, digest);
  assert.equal(of(violations, 'DFW-SIGN-001'), []);
  assert.ok(input.evidence.signatures.some((s: any) => s.verified && s.format === 'sigstore-bundle' && s.signer.key === RELEASE_FINGERPRINT));
});

supplyChain('an unsigned image is denied by DFW-SIGN-001: not signed', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:unsigned`, 'unsigned');
  const [v] = of((await decide(ctx, `${ref}:unsigned`, digest)).violations, 'DFW-SIGN-001');
  assert.ok(v, 'denied');
  assert.is(v!.severity, 'critical');
  assert.match(v!.message, `(${digest}) is not signed: no signature or attestation was found for the digest`);
});

supplyChain('an image signed by another key is denied: the signature verifies with no key dfw trusts', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:other-key`, 'other-key');
  const stranger = generateCosignKey();
  cosign(['sign', '--key', stranger.key, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const [v] = of((await decide(ctx, `${ref}:other-key`, digest)).violations, 'DFW-SIGN-001');
  assert.match(v!.message, 'not verified: the signature does not verify with any of the 2 key(s) dfw holds');
});

supplyChain('a key dfw holds but the trust policy does not trust for the image is denied, naming the key', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:untrusted-key`, 'untrusted-key');
  cosign(['sign', '--key', ctx.other.key, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const [v] = of((await decide(ctx, `${ref}:untrusted-key`, digest)).violations, 'DFW-SIGN-001');
  assert.match(v!.message, /signed by key sha256:[0-9a-f]{64}, which the trust policy does not trust to sign the image/);
});

supplyChain('a signature copied from another digest is denied: it is over the other digest', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const signedDigest = pushImage(`${ref}:original`, 'original');
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${signedDigest}`]);
  const digest = pushImage(`${ref}:copied`, 'copied');
  runGoTool('crane', ['copy', '--insecure', `${ref}:${signedDigest.replace(':', '-')}.sig`, `${ref}:${digest.replace(':', '-')}.sig`]);
  const [v] = of((await decide(ctx, `${ref}:copied`, digest)).violations, 'DFW-SIGN-001');
  assert.match(v!.message, `not verified: the signature is over ${signedDigest}, not the deployed ${digest}`);
});

supplyChain('a tampered simple-signing payload is denied: the signature no longer verifies', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:tampered`, 'tampered');
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const sigTag = `${ref}:${digest.replace(':', '-')}.sig`;
  const manifest = JSON.parse(runGoTool('crane', ['manifest', '--insecure', sigTag]));
  const payload = JSON.parse(runGoTool('crane', ['blob', '--insecure', `${ref}@${manifest.layers[0].digest}`]));
  payload.optional = { 'ci.example/approved': 'yes' };
  const text = JSON.stringify(payload);
  const dir = mkdtempSync(join(tmpdir(), 'dfw-tamper-'));
  writeFileSync(join(dir, 'payload.json'), text);
  const hex = execFileSync('sha256sum', [join(dir, 'payload.json')], { encoding: 'utf8' }).split(' ')[0];
  await uploadBlob(ctx.registry.host, 'payments/api', Buffer.from(text), `sha256:${hex}`);
  manifest.layers[0].digest = `sha256:${hex}`;
  manifest.layers[0].size = Buffer.byteLength(text);
  await putManifest(ctx.registry.host, 'payments/api', `${digest.replace(':', '-')}.sig`, manifest);
  const [v] = of((await decide(ctx, `${ref}:tampered`, digest)).violations, 'DFW-SIGN-001');
  assert.match(v!.message, 'not verified: the signature does not verify with any of the 2 key(s) dfw holds');
});

async function uploadBlob(host: string, repository: string, bytes: Buffer, digest: string): Promise<void> {
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  assert.is(start.status, 202);
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
  assert.is(put.status, 201, await put.text());
}

async function putManifest(host: string, repository: string, tag: string, manifest: unknown): Promise<void> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.is(res.status, 201, await res.text());
}

supplyChain('provenance from a wrong builder, a builder its signer may not claim, another repository or another commit is denied by DFW-PROV-001', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const dir = mkdtempSync(join(tmpdir(), 'dfw-prov-'));
  const cases: Array<[string, string, string, string]> = [
    ['wrong-builder', 'https://ci.evil.example/builder', 'github.com/acme/payments', COMMIT],
    // The release key is trusted for provenance, but only slsa-github-generator's own
    // keyless identity may claim its builder id.
    ['claims-generator', ALLOWED_BUILDER, 'github.com/acme/payments', COMMIT],
    ['wrong-repo', RELEASE_BUILDER, 'github.com/evil/payments', COMMIT],
    ['wrong-commit', RELEASE_BUILDER, 'github.com/acme/payments', '1'.repeat(40)],
    ['good', RELEASE_BUILDER, 'github.com/acme/payments', COMMIT],
  ];
  const messages: Record<string, string[]> = {};
  for (const [name, builder, repository, commit] of cases) {
    const digest = pushImage(`${ref}:${name}`, name);
    cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
    cosign(['attest', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', '--type', 'slsaprovenance', '--predicate', provenancePredicate(dir, builder, repository, commit), `${ref}@${digest}`]);
    messages[name] = of((await decide(ctx, `${ref}:${name}`, digest)).violations, 'DFW-PROV-001').map((v) => v.message);
  }
  assert.match(messages['wrong-builder']![0]!, 'builder https://ci.evil.example/builder is not an allowed builder');
  assert.match(messages['claims-generator']![0]!, `builder ${ALLOWED_BUILDER} may be claimed only by a subject matching ^https://github\\.com/slsa-framework/slsa-github-generator/`);
  assert.match(messages['claims-generator']![0]!, `not by key ${RELEASE_FINGERPRINT}, which signed this provenance: no build level is credited`);
  assert.match(messages['wrong-repo']![0]!, 'built from github.com/evil/payments, not the requested github.com/acme/payments');
  assert.match(messages['wrong-commit']![0]!, `built from commit ${'1'.repeat(40)}, not the requested ${COMMIT}`);
  assert.equal(messages.good, []);
});

supplyChain('forged provenance is "cannot verify": unsigned (pushed as --kind slsa) or re-signed by another key', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const dir = mkdtempSync(join(tmpdir(), 'dfw-forged-'));
  const digest = pushImage(`${ref}:resigned`, 'resigned');
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const stranger = generateCosignKey();
  cosign(['attest', '--key', stranger.key, '--tlog-upload=false', '--allow-insecure-registry', '--type', 'slsaprovenance', '--predicate', provenancePredicate(dir, ALLOWED_BUILDER, 'github.com/acme/payments', COMMIT), `${ref}@${digest}`]);
  const [resigned] = of((await decide(ctx, `${ref}:resigned`, digest)).violations, 'DFW-PROV-001');
  assert.match(resigned!.message, /^cannot verify the SLSA provenance .*not verified: the signature does not verify with any of the 2 key\(s\)/);

  const unsignedDigest = pushImage(`${ref}:unsigned-prov`, 'unsigned-prov');
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${unsignedDigest}`]);
  const { violations, input } = await decideWithPushedProvenance(ctx, `${ref}:unsigned-prov`, unsignedDigest);
  assert.is(input.evidence.provenance.verified, false);
  assert.match(of(violations, 'DFW-PROV-001')[0]!.message, /^cannot verify the SLSA provenance .*pushed provenance: a bare in-toto statement carries no signature/);
});

/** As decide(), with an unsigned provenance statement pushed inline as the store collector would give it. */
async function decideWithPushedProvenance(ctx: Context, image: string, digest: string) {
  const { parseSlsaProvenance } = await import('../src/evidence/slsa.js');
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: image, digest: { sha256: digest.slice(7) } }], predicateType: 'https://slsa.dev/provenance/v0.2', predicate: { builder: { id: ALLOWED_BUILDER }, materials: [{ uri: 'git+https://github.com/acme/payments', digest: { sha1: COMMIT } }] } };
  const { provenance } = parseSlsaProvenance(statement);
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as Record<string, any>;
  delete body.evidence.signatures;
  delete body.evidence.attestations;
  body.evidence.provenance = provenance;
  body.artifact = { image, digest };
  const request = parseCheckRequest(body);
  const input = buildInput(request, { id: 'supply-chain-test', via: 'cli' }) as Record<string, any>;
  Object.assign(input.evidence, (await ctx.collector.collect({ request, input: input as never, signal: AbortSignal.timeout(20_000) })).evidence);
  const decision = ctx.evaluator.evaluate(input as never, { now: NOW });
  return { violations: [...Object.values(decision.deny), ...Object.values(decision.warn)].flat(), input };
}

const BUNDLE_DIGEST = 'sha256:5d672b0dbb696a3289632bf241cc4bb08dbb32c3e9559ea7e9f96b0490209891';

supplyChain('keyless: the public Sigstore bundle verifies offline, and a wrong identity is denied by DFW-SIGN-001', async (ctx) => {
  const raw = readFileSync(PUBLIC_BUNDLE, 'utf8');
  await ctx.store.putReport({ kind: 'attestation', subject: { digest: BUNDLE_DIGEST }, raw, normalized: {}, pushed_by: 'ci', received_at: NOW });
  const { violations, input } = await decide(ctx, `${ctx.registry.host}/slsa/config:main`, BUNDLE_DIGEST);
  const [fact] = input.evidence.attestations;
  assert.is(fact.verified, true, fact.reason);
  assert.equal(fact.signer, { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/heads/main' });
  assert.equal(fact.tlog, { log_index: 22095070, integrated_time: '2023-05-30T03:08:24.000Z' });
  assert.is(fact.provenance.verified, true);
  assert.match(of(violations, 'DFW-SIGN-001')[0]!.message, 'signed by https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/heads/main (issuer https://token.actions.githubusercontent.com), which the trust policy does not trust to sign the image');
});

supplyChain('keyless: a certificate that was not valid at the log time (expired) is denied, with the reason', async () => {
  const bundle = JSON.parse(readFileSync(PUBLIC_BUNDLE, 'utf8'));
  // The log entry claims a time an hour after issuance: Fulcio certificates live ten minutes.
  bundle.verificationMaterial.tlogEntries[0].integratedTime = String(Number(bundle.verificationMaterial.tlogEntries[0].integratedTime) + 3600);
  const store = await openStore('sqlite::memory:');
  try {
    await store.putReport({ kind: 'attestation', subject: { digest: BUNDLE_DIGEST }, raw: JSON.stringify(bundle), normalized: {}, pushed_by: 'ci', received_at: NOW });
    const collector = createSignaturesCollector({ keys: [RELEASE_PUB], trusted_root: PUBLIC_GOOD_ROOT, registry: false }, { store });
    const result = await collector.collect({ request: {} as never, input: { artifact: { digest: BUNDLE_DIGEST } } as never, signal: AbortSignal.timeout(5000) });
    const [fact] = (result.evidence as any).attestations;
    assert.is(fact.verified, false);
    assert.is(fact.reason.replace(/valid .* to .*, logged .*\)/, 'valid …)'), 'the bundle does not verify: the signing certificate had expired when the transparency log recorded the signature (valid …)');
    assert.match(fact.reason, /\(valid 2023-05-30T\S+ to 2023-05-30T\S+, logged 2023-05-30T04:08:24.000Z\)$/);
  } finally {
    await store.close();
  }
});

supplyChain('attestation.attach pushes the summary of an allowed check to the registry, and cosign verify-attestation verifies it', async (ctx) => {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:vsa`, 'vsa');
  const dir = mkdtempSync(join(tmpdir(), 'dfw-vsa-'));
  const keyFile = join(dir, 'dfw.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  const signer = loadAttestationSigner(keyFile);
  writeFileSync(join(dir, 'dfw.pub'), signer.publicKeyPem);
  // The check service's answer is given: what is under test is what happens after an allow.
  const outcome = (allow: boolean, dryRun = false) => ({
    decision: { decision_id: `0193f7a2-0000-7000-8000-00000000000${allow ? 1 : 2}`, allow, environment: 'production', deny: { critical: [], high: [], medium: [], low: [] }, warn: { critical: [], high: [], medium: [], low: [] }, waived: [], bundle: { name: 'firewall', revision: 'r42' }, evaluated_at: NOW.toISOString(), timing_ms: {} },
    input: { artifact: { image: `${ref}:vsa`, registry: ctx.registry.host, repository: 'payments/api', digest } },
    dryRun,
  });
  let next = outcome(false);
  const checks = attachingSummaries({ check: async () => next as never }, signer, { registries: { [ctx.registry.host]: { base_url: `http://${ctx.registry.host}` } } }, createMemoryLogger());
  await checks.check({} as never, { via: 'api' });
  await checks.idle();
  assert.throws(() => runGoTool('crane', ['manifest', '--insecure', `${ref}:${digest.replace(':', '-')}.att`]), /MANIFEST_UNKNOWN|not found|404/i, 'a denial attaches nothing');
  next = outcome(true);
  await checks.check({} as never, { via: 'kubernetes', dryRun: true });
  await checks.idle();
  assert.throws(() => runGoTool('crane', ['manifest', '--insecure', `${ref}:${digest.replace(':', '-')}.att`]), /MANIFEST_UNKNOWN|not found|404/i, 'a dry run attaches nothing');
  await checks.check({} as never, { via: 'api' });
  await checks.idle();
  const out = cosign(['verify-attestation', '--type', VSA_PREDICATE_TYPE, '--key', join(dir, 'dfw.pub'), '--insecure-ignore-tlog', '--allow-insecure-registry', `${ref}@${digest}`]);
  const statement = JSON.parse(Buffer.from(JSON.parse(out.trim().split('\n')[0]!).payload, 'base64').toString());
  assert.is(statement.predicateType, VSA_PREDICATE_TYPE);
  assert.is(statement.predicate.verificationResult, 'PASSED');
  assert.is(statement.predicate.policy.uri, 'dfw+bundle:firewall@r42');
  assert.is(statement.predicate.dfw.decision_id, '0193f7a2-0000-7000-8000-000000000001');
  assert.equal(statement.subject[0].digest, { sha256: digest.slice(7) });
  // Another key does not verify it.
  const other = generateCosignKey();
  assert.throws(() => cosign(['verify-attestation', '--type', VSA_PREDICATE_TYPE, '--key', other.pub, '--insecure-ignore-tlog', '--allow-insecure-registry', `${ref}@${digest}`]));
});

supplyChain.run();
