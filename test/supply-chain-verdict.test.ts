// dfw's signed verdict: GET /v1/decisions/{id}/attestation over a real store and bundle
// (a DSSE envelope whose signature verifies over the PAE with dfw's public key, naming the
// digest, the bundle revision and the decision id; 409 for a denial, 503 without a key), and
// admission on a verification summary read from a real registry: the right digest and
// environment admit, another digest, another environment or another key are refused.
import { createPublicKey, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dsse } from '@sigstore/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { createSummaryVerifier } from '../src/collect/trust/verification-summary.js';
import { createSignaturesCollector } from '../src/collect/collectors/signatures.js';
import { createStoreCollector } from '../src/collect/collectors/store.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { readFileSync } from 'node:fs';
import { createCheckService } from '../src/decide/index.js';
import { VSA_PREDICATE_TYPE, type AttestationSigner, type DsseEnvelope } from '../src/decide/attestation.js';
import { loadAttestationSigner } from '../src/host/attestation-signer.js';
import { ActivePolicy, type Decision } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore, type Store } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { SECRETS, testTokens } from './helpers/decision-log.js';
import { startRegistry, runGoTool, type Registry } from './helpers/registry.js';
import { decideAdmission } from '../src/integrations/kubernetes/index.js';
import { parseAdmissionReview } from '../src/integrations/kubernetes/admission-review.js';
import { createEnvironmentMapper } from '../src/integrations/kubernetes/environment.js';
import { readReview } from './helpers/k8s-admission.js';
import { PUBLIC_BUNDLE, PUBLIC_GOOD_ROOT, pushImage, RELEASE_PUB } from './helpers/supply-chain.js';

interface Context {
  store: Store;
  policy: ActivePolicy;
  signer: AttestationSigner;
  other: AttestationSigner;
  registry: Registry;
}

const verdict = suite<Context>('supply-chain verdict');

function ecKey(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dfw-vsa-key-')), 'key.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  return file;
}

verdict.before(async (ctx) => {
  ctx.store = await openStore('sqlite::memory:');
  ctx.policy = new ActivePolicy();
  ctx.policy.activate(await loadTestEvaluator({ revision: 'verdict-test' }));
  ctx.signer = loadAttestationSigner(ecKey());
  ctx.other = loadAttestationSigner(ecKey());
  ctx.registry = await startRegistry();
});

verdict.after(async (ctx) => {
  await ctx.store?.close();
  await ctx.registry?.stop();
});

async function app(ctx: Context, signer?: AttestationSigner) {
  const checks = createCheckService(ctx.policy, { store: ctx.store });
  return createApp({ policy: ctx.policy, tokens: await testTokens(), store: ctx.store, checks, logger: createMemoryLogger(), ...(signer ? { attestationSigner: signer } : {}) });
}

async function call(api: Awaited<ReturnType<typeof app>>, method: string, path: string, body?: unknown) {
  const res = await api.request(path, { method, headers: { authorization: `Bearer ${SECRETS['security-lead']}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
}

verdict('an allowed decision has a VSA signed by dfw naming the digest, the bundle revision and the decision id', async (ctx) => {
  const api = await app(ctx, ctx.signer);
  const example = readExamples().get('compliant.allow.json')!;
  const { body: decision } = await call(api, 'POST', '/v1/check', example);
  assert.is((decision as Decision).allow, true, JSON.stringify(decision.deny));
  const answer = await call(api, 'GET', `/v1/decisions/${decision.decision_id}/attestation`);
  assert.is(answer.status, 200);
  assert.is(answer.type, 'application/vnd.dsse.envelope.v1+json');
  const envelope = answer.body as DsseEnvelope;
  const payload = Buffer.from(envelope.payload, 'base64');
  const pae = dsse.preAuthEncoding(envelope.payloadType, payload);
  assert.ok(verify('sha256', pae, createPublicKey(ctx.signer.publicKeyPem), Buffer.from(envelope.signatures[0]!.sig, 'base64')), 'signature verifies with dfw\'s key');
  assert.not.ok(verify('sha256', pae, createPublicKey(ctx.other.publicKeyPem), Buffer.from(envelope.signatures[0]!.sig, 'base64')), 'and not with another');
  const statement = JSON.parse(payload.toString());
  assert.is(statement._type, 'https://in-toto.io/Statement/v1');
  assert.is(statement.predicateType, VSA_PREDICATE_TYPE);
  assert.equal(statement.subject, [{ name: 'registry.example.com/payments/api', digest: { sha256: (example.artifact as any).digest.slice(7) } }]);
  assert.is(statement.predicate.policy.uri, 'dfw+bundle:firewall@verdict-test');
  assert.is(statement.predicate.verificationResult, 'PASSED');
  assert.equal(statement.predicate.dfw, { decision_id: decision.decision_id, environment: 'production', bundle: { name: 'firewall', revision: 'verdict-test' } });
});

verdict('a denied decision has no VSA (409), an unknown one 404, and without a key the answer is 503', async (ctx) => {
  const api = await app(ctx, ctx.signer);
  const { body: denied } = await call(api, 'POST', '/v1/check', readExamples().get('dfw-sign-001-image-signature.deny.json')!);
  assert.is(denied.allow, false);
  const refused = await call(api, 'GET', `/v1/decisions/${denied.decision_id}/attestation`);
  assert.is(refused.status, 409);
  assert.is(refused.body.error.code, 'decision_denied');
  assert.is((await call(api, 'GET', '/v1/decisions/0193f7a2-0000-7000-8000-00000000dead/attestation')).status, 404);
  const keyless = await app(ctx);
  const { body: allowed } = await call(keyless, 'POST', '/v1/check', readExamples().get('compliant.allow.json')!);
  const unavailable = await call(keyless, 'GET', `/v1/decisions/${allowed.decision_id}/attestation`);
  assert.is(unavailable.status, 503);
  assert.is(unavailable.body.error.code, 'attestation_not_configured');
});

async function attachSummary(host: string, repository: string, attachedTo: string, envelope: DsseEnvelope): Promise<void> {
  const upload = async (bytes: Buffer) => {
    const digest = `sha256:${execFileSync('sha256sum', { input: bytes, encoding: 'utf8' }).split(' ')[0]}`;
    const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location')!, `http://${host}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes) });
    assert.is(put.status, 201);
    return { digest, size: bytes.length };
  };
  const layer = await upload(Buffer.from(JSON.stringify(envelope)));
  const config = await upload(Buffer.from('{}'));
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${attachedTo.replace(':', '-')}.att`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', ...layer, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: VSA_PREDICATE_TYPE } }],
    }),
  });
  assert.is(res.status, 201);
}

verdict('admission admits on dfw\'s summary for the digest and environment, and refuses one for another digest, environment or key', async (ctx) => {
  const host = ctx.registry.host;
  const image = `${host}/payments/api`;
  const verifySummary = createSummaryVerifier(ctx.signer.publicKeyPem, { registries: { [host]: { base_url: `http://${host}` } } });
  const summaryFor = (signer: AttestationSigner, digest: string, environment: string) =>
    signer.sign({ decision_id: `0193f7a2-0000-7000-8000-${environment.padEnd(12, '0').slice(0, 12)}`, allow: true, environment, time: '2026-11-28T14:00:00.000Z', bundle: { name: 'firewall', revision: 'r7' }, artifact: { registry: host, repository: 'payments/api', digest } });

  const good = pushImage(`${image}:good`, 'good');
  await attachSummary(host, 'payments/api', good, summaryFor(ctx.signer, good, 'production'));
  const admitted = await verifySummary(`${image}:good`, good, 'production');
  assert.ok('admitted' in admitted, JSON.stringify(admitted));
  assert.equal((admitted as any).admitted.bundle, { name: 'firewall', revision: 'r7' });

  const staging = await verifySummary(`${image}:good`, good, 'staging');
  assert.match((staging as any).refused, 'the summary is for environment production, not staging');

  const moved = pushImage(`${image}:moved`, 'moved');
  runGoTool('crane', ['copy', '--insecure', `${image}:${good.replace(':', '-')}.att`, `${image}:${moved.replace(':', '-')}.att`]);
  const other = await verifySummary(`${image}:moved`, moved, 'production');
  assert.match((other as any).refused, `the statement is about ${good}, not the deployed ${moved}`);

  const forged = pushImage(`${image}:forged`, 'forged');
  await attachSummary(host, 'payments/api', forged, summaryFor(ctx.other, forged, 'production'));
  const byOtherKey = await verifySummary(`${image}:forged`, forged, 'production');
  assert.match((byOtherKey as any).refused, 'does not verify with any of the 1 key(s) dfw holds');

  const none = pushImage(`${image}:none`, 'none');
  assert.equal(await verifySummary(`${image}:none`, none, 'production'), { refused: 'the registry holds no dfw verification summary for the digest' });
});

verdict('the admission webhook admits on dfw\'s summary without evaluating, and evaluates when the summary is for another environment', async (ctx) => {
  const host = ctx.registry.host;
  const image = `${host}/payments/api`;
  const digest = pushImage(`${image}:admitted`, 'admitted');
  await attachSummary(host, 'payments/api', digest, ctx.signer.sign({ decision_id: '0193f7a2-0000-7000-8000-0000000000ad', allow: true, environment: 'production', time: '2026-11-28T14:00:00.000Z', bundle: { name: 'firewall', revision: 'r7' }, artifact: { registry: host, repository: 'payments/api', digest } }));
  const review = readReview('connaisseur-02-pod-v1-request.json');
  review.request.object.spec.containers[0].image = `${image}@${digest}`;
  const evaluated: string[] = [];
  const denial = { critical: [{ rule: 'DFW-SIGN-001', title: 't', severity: 'critical', category: 'supply_chain', message: 'evaluated and denied', remediation: 'r', evidence: 'e' }], high: [], medium: [], low: [] };
  const deps = (environment: string) => ({
    checks: {
      check: async (request: { environment: string }) => {
        evaluated.push(request.environment);
        return { decision: { decision_id: 'evaluated', allow: false, environment: request.environment, deny: denial, warn: { critical: [], high: [], medium: [], low: [] }, waived: [], bundle: { name: 'firewall', revision: 'r7' }, evaluated_at: '2026-11-28T14:00:00.000Z', timing_ms: {} }, input: {} };
      },
    } as never,
    logger: createMemoryLogger(),
    environmentFor: createEnvironmentMapper({ namespaces: { 'test-connaisseur': environment } }),
    verifySummary: createSummaryVerifier(ctx.signer.publicKeyPem, { registries: { [host]: { base_url: `http://${host}` } } }),
  });
  const admitted = await decideAdmission(parseAdmissionReview(review), deps('production'));
  assert.is(admitted.review.response.allowed, true, JSON.stringify(admitted.review.response));
  assert.equal(evaluated, [], 'admitted on the summary, not evaluated');
  const elsewhere = await decideAdmission(parseAdmissionReview(review), deps('staging'));
  assert.is(elsewhere.review.response.allowed, false);
  assert.equal(evaluated, ['staging'], 'a summary for production does not admit to staging: evaluated instead');
});

verdict('an attestation pushed over the API (--kind attestation) is verified keyless on the check and judged by the trust policy', async (ctx) => {
  const collectors = new CollectorRunner([createStoreCollector(ctx.store), createSignaturesCollector({ keys: [RELEASE_PUB], trusted_root: PUBLIC_GOOD_ROOT, registry: false }, { store: ctx.store })]);
  const api = createApp({ policy: ctx.policy, tokens: await testTokens(), store: ctx.store, checks: createCheckService(ctx.policy, { store: ctx.store, collectors }), logger: createMemoryLogger() });
  const digest = 'sha256:5d672b0dbb696a3289632bf241cc4bb08dbb32c3e9559ea7e9f96b0490209891';
  const pushed = await api.request(`/v1/evidence?kind=attestation&digest=${digest}`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS['security-lead']}`, 'content-type': 'application/json' }, body: readFileSync(PUBLIC_BUNDLE, 'utf8') });
  assert.is(pushed.status, 201, await pushed.clone().text());
  assert.equal((await pushed.json() as any).evidence_kinds, []);
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as any;
  delete body.evidence.signatures;
  delete body.evidence.attestations;
  body.artifact = { image: 'registry.example.com/payments/api:1.5.0', digest };
  const { body: decision } = await call(api, 'POST', '/v1/check', body);
  assert.is(decision.evidence_sources.attestations, 'signatures');
  const sign = decision.deny.critical.find((v: any) => v.rule === 'DFW-SIGN-001');
  assert.match(sign.message, /pushed report \S+ \(by security-lead\): signed by https:\/\/github.com\/slsa-framework\/slsa-github-generator\/.github\/workflows\/builder_container-based_slsa3.yml@refs\/heads\/main \(issuer https:\/\/token.actions.githubusercontent.com\), which the trust policy does not trust to sign the image/);
  // The example policy trusts the builder's identity only for tagged releases (refs/tags/v…): a branch build's provenance cannot be verified.
  const prov = decision.deny.high.find((v: any) => v.rule === 'DFW-PROV-001');
  assert.match(prov.message, /^cannot verify the SLSA provenance of registry.example.com\/payments\/api:1.5.0 .*builder_container-based_slsa3.yml@refs\/heads\/main \(issuer https:\/\/token.actions.githubusercontent.com\), which the trust policy does not trust to sign provenance for registry.example.com\/payments\/api in production$/);
});

verdict('the request\'s own attestation and one pushed for the digest are both judged: facts from every source are joined', async (ctx) => {
  const collectors = new CollectorRunner([createStoreCollector(ctx.store), createSignaturesCollector({ keys: [RELEASE_PUB], trusted_root: PUBLIC_GOOD_ROOT, registry: false }, { store: ctx.store })]);
  const api = createApp({ policy: ctx.policy, tokens: await testTokens(), store: ctx.store, checks: createCheckService(ctx.policy, { store: ctx.store, collectors }), logger: createMemoryLogger() });
  const digest = 'sha256:5d672b0dbb696a3289632bf241cc4bb08dbb32c3e9559ea7e9f96b0490209891';
  const pushed = await api.request(`/v1/evidence?kind=attestation&digest=${digest}`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS['security-lead']}`, 'content-type': 'application/json' }, body: readFileSync(PUBLIC_BUNDLE, 'utf8') });
  assert.ok(pushed.status === 201 || pushed.status === 200, await pushed.clone().text());
  // The example's attestation (real cosign output over the example's digest) stays in the request.
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as any;
  delete body.evidence.signatures;
  body.artifact = { image: 'registry.example.com/payments/api:1.5.0', digest };
  const { body: decision } = await call(api, 'POST', '/v1/check', body);
  assert.is(decision.evidence_sources.attestations, 'inline+signatures');
  const sign = decision.deny.critical.find((v: any) => v.rule === 'DFW-SIGN-001');
  assert.match(sign.message, /check request evidence\.attestations\[0\]: not verified: the statement is about sha256:4f1c8b2e\S*, not the deployed sha256:5d672b0d/);
  assert.match(sign.message, /pushed report \S+ \(by security-lead\): signed by https:\/\/github.com\/slsa-framework/);
});

verdict.run();
