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
import { attachingSummaries } from '../src/decide/attestation-attach.js';
import { ActivePolicy, SEVERITIES, type Decision } from '../src/engine/index.js';
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

verdict('admission finds dfw\'s summary for the repository, digest and environment, and refuses one for another digest, repository, environment or key', async (ctx) => {
  const host = ctx.registry.host;
  const image = `${host}/payments/api`;
  const verifySummary = createSummaryVerifier(ctx.signer.publicKeyPem, { registries: { [host]: { base_url: `http://${host}` } } });
  const summaryFor = (signer: AttestationSigner, digest: string, environment: string) =>
    signer.sign({ decision_id: `0193f7a2-0000-7000-8000-${environment.padEnd(12, '0').slice(0, 12)}`, allow: true, environment, time: '2026-11-28T14:00:00.000Z', bundle: { name: 'firewall', revision: 'r7' }, artifact: { registry: host, repository: 'payments/api', digest } });

  const good = pushImage(`${image}:good`, 'good');
  await attachSummary(host, 'payments/api', good, summaryFor(ctx.signer, good, 'production'));
  const admitted = await verifySummary(`${image}:good`, good, 'production');
  assert.ok('admitted' in admitted, JSON.stringify(admitted));
  assert.equal((admitted as any).admitted, {
    verified: true,
    decision_id: '0193f7a2-0000-7000-8000-production00',
    environment: 'production',
    time_verified: '2026-11-28T14:00:00.000Z',
    bundle: { name: 'firewall', revision: 'r7' },
    location: (admitted as any).admitted.location,
  });

  const staging = await verifySummary(`${image}:good`, good, 'staging');
  assert.match((staging as any).refused, 'the summary is for environment production, not staging');

  const moved = pushImage(`${image}:moved`, 'moved');
  runGoTool('crane', ['copy', '--insecure', `${image}:${good.replace(':', '-')}.att`, `${image}:${moved.replace(':', '-')}.att`]);
  const other = await verifySummary(`${image}:moved`, moved, 'production');
  assert.match((other as any).refused, `the statement is about ${good}, not the deployed ${moved}`);

  // The same image (same digest) in a repository dfw never judged, its .att tag copied there:
  // the signature holds, the summary speaks for payments/api only.
  const elsewhere = `${host}/sandbox/x`;
  runGoTool('crane', ['copy', '--insecure', `${image}:good`, `${elsewhere}:good`]);
  runGoTool('crane', ['copy', '--insecure', `${image}:${good.replace(':', '-')}.att`, `${elsewhere}:${good.replace(':', '-')}.att`]);
  const copied = await verifySummary(`${elsewhere}:good`, good, 'production');
  assert.match((copied as any).refused, `the summary is about ${image}@${good}, not ${elsewhere}@${good}`);

  const forged = pushImage(`${image}:forged`, 'forged');
  await attachSummary(host, 'payments/api', forged, summaryFor(ctx.other, forged, 'production'));
  const byOtherKey = await verifySummary(`${image}:forged`, forged, 'production');
  assert.match((byOtherKey as any).refused, 'does not verify with any of the 1 key(s) dfw holds');

  const none = pushImage(`${image}:none`, 'none');
  assert.equal(await verifySummary(`${image}:none`, none, 'production'), { refused: 'the registry holds no dfw verification summary for the digest' });
});

/** A pod spec the workload rules (DFW-WORKLOAD-*) pass: non-root, read-only root, no capabilities, limits. */
function restrictedPodSpec(image: string): Record<string, unknown> {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'api',
        image,
        resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
}

verdict('the admission webhook judges with dfw\'s summary: the pipeline\'s evidence vouched for, the pod spec still judged, the decision recorded; under another bundle or too old it vouches for nothing', async (ctx) => {
  const host = ctx.registry.host;
  const image = `${host}/payments/api`;
  const digest = pushImage(`${image}:admitted`, 'admitted');
  const now = new Date('2026-11-28T14:00:00.000Z');
  const summaryAt = (time: string, revision: string) =>
    ctx.signer.sign({ decision_id: '0193f7a2-0000-7000-8000-0000000000ad', allow: true, environment: 'production', time, bundle: { name: 'firewall', revision }, artifact: { registry: host, repository: 'payments/api', digest } });
  const decide = async (podSpec: Record<string, unknown>) => {
    const review = readReview('connaisseur-02-pod-v1-request.json');
    review.request.object.spec = podSpec;
    const logger = createMemoryLogger();
    const outcome = await decideAdmission(parseAdmissionReview(review), {
      checks: createCheckService(ctx.policy, { store: ctx.store, clock: () => now }),
      logger,
      environmentFor: createEnvironmentMapper({ namespaces: { 'test-connaisseur': 'production' } }),
      verifySummary: createSummaryVerifier(ctx.signer.publicKeyPem, { registries: { [host]: { base_url: `http://${host}` } } }),
    });
    const decision = outcome.images[0]!.decision!;
    assert.ok(decision, JSON.stringify(outcome.images));
    const denied = new Set(SEVERITIES.flatMap((s) => decision.deny[s].map((v) => v.rule)));
    const record = await ctx.store.getDecision(decision.decision_id);
    return { allowed: outcome.review.response.allowed, denied, record, logger };
  };
  const reference = `${image}@${digest}`;

  await attachSummary(host, 'payments/api', digest, summaryAt('2026-11-28T13:00:00.000Z', 'verdict-test'));
  const vouched = await decide(restrictedPodSpec(reference));
  assert.is(vouched.allowed, true, [...vouched.denied].join(', '));
  // Recorded like any check, with what admitted it.
  assert.equal((vouched.record!.input as any).verification_summary, {
    verified: true,
    decision_id: '0193f7a2-0000-7000-8000-0000000000ad',
    environment: 'production',
    time_verified: '2026-11-28T13:00:00.000Z',
    bundle: { name: 'firewall', revision: 'verdict-test' },
    location: (vouched.record!.input as any).verification_summary.location,
  });

  // The summary never judged this pod spec: the workload rules do, and only they.
  const privileged = restrictedPodSpec(reference);
  (privileged.containers as any)[0].securityContext.privileged = true;
  privileged.hostPID = true;
  const judged = await decide(privileged);
  assert.is(judged.allowed, false);
  assert.ok(judged.denied.size > 0 && [...judged.denied].every((rule) => rule.startsWith('DFW-WORKLOAD-')), [...judged.denied].join(', '));

  // Made under another bundle revision: the policy changed since, so every rule judges, and
  // the pipeline's evidence is not here.
  await attachSummary(host, 'payments/api', digest, summaryAt('2026-11-28T13:00:00.000Z', 'r6'));
  const otherBundle = await decide(restrictedPodSpec(reference));
  assert.is(otherBundle.allowed, false);
  assert.ok(otherBundle.denied.has('DFW-SIGN-001'), [...otherBundle.denied].join(', '));

  // Older than max_age_hours (168 in the shipped data).
  await attachSummary(host, 'payments/api', digest, summaryAt('2026-11-20T13:00:00.000Z', 'verdict-test'));
  const stale = await decide(restrictedPodSpec(reference));
  assert.is(stale.allowed, false);
  assert.ok(stale.denied.has('DFW-SIGN-001'), [...stale.denied].join(', '));
});

verdict('attach: a decision a summary vouched for gets no summary of its own, and one that cannot be summarized is still answered', async (ctx) => {
  const host = ctx.registry.host;
  const image = `${host}/payments/vouched`;
  const digest = pushImage(`${image}:v1`, 'vouched');
  const allowed = (input: Record<string, unknown>) => ({
    decision: { decision_id: '0193f7a2-0000-7000-8000-0000000000c1', allow: true, environment: 'production', deny: { critical: [], high: [], medium: [], low: [] }, warn: { critical: [], high: [], medium: [], low: [] }, waived: [], bundle: { name: 'firewall', revision: 'verdict-test' }, evaluated_at: '2026-11-28T14:00:00.000Z', timing_ms: {} },
    input,
  });
  let next = allowed({ artifact: { image: `${image}:v1`, registry: host, repository: 'payments/vouched', digest }, verification_summary: { verified: true } });
  const logger = createMemoryLogger();
  const checks = attachingSummaries({ check: async () => next as never }, ctx.signer, { registries: { [host]: { base_url: `http://${host}` } } }, logger);
  const attached = () => runGoTool('crane', ['manifest', '--insecure', `${image}:${digest.replace(':', '-')}.att`]);

  // Summarizing it would renew the old summary's age without judging the pipeline again.
  await checks.check({} as never, { via: 'kubernetes' });
  await checks.idle();
  assert.throws(attached, /MANIFEST_UNKNOWN|not found|404/i, 'a vouched decision attaches nothing');

  // A digest a VSA cannot name: the decision is still the answer; the failure is logged.
  const sha512 = `sha512:${'ab'.repeat(64)}`;
  next = allowed({ artifact: { image: `${image}:v1`, registry: host, repository: 'payments/vouched', digest: sha512 } });
  const outcome = await checks.check({} as never, { via: 'api' });
  assert.is(outcome.decision.allow, true);
  await checks.idle();
  assert.ok(logger.lines.some((l) => l.msg === 'verification summary not attached' && String(l.error).includes('names no sha256 image digest')), JSON.stringify(logger.lines));

  // And an ordinary allowed decision is attached, as before.
  next = allowed({ artifact: { image: `${image}:v1`, registry: host, repository: 'payments/vouched', digest } });
  await checks.check({} as never, { via: 'api' });
  await checks.idle();
  assert.match(attached(), VSA_PREDICATE_TYPE);
});

verdict('a check request cannot carry a verification summary of its own', async (ctx) => {
  const api = await app(ctx);
  const body = structuredClone(readExamples().get('dfw-sign-001-image-signature.deny.json')!) as any;
  body.verification_summary = { verified: true, decision_id: 'x', environment: 'production', time_verified: '2026-11-28T13:00:00.000Z', bundle: { name: 'firewall', revision: 'verdict-test' }, location: 'forged' };
  const { body: decision } = await call(api, 'POST', '/v1/check', body);
  assert.is(decision.allow, false);
  assert.ok(decision.deny.critical.some((v: any) => v.rule === 'DFW-SIGN-001'));
  const record = await ctx.store.getDecision(decision.decision_id);
  assert.is((record!.input as any).verification_summary, undefined);
  assert.equal((record!.input as any).request.extra.verification_summary.location, 'forged');
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
