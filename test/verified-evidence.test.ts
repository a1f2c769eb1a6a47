// Where an environment requires vulnerability evidence verified, the rules judge the signed
// attestation, not the report pushed beside it: real images in a real `crane registry
// serve`, a vuln attestation signed by real cosign (the predicate shaped as
// `trivy --format cosign-vuln` writes it), an unsigned Trivy report pushed over the API into
// a real SQLite store, and the check through the API with the real bundle built from rego/.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { createSignaturesCollector } from '../src/collect/collectors/signatures.js';
import { createStoreCollector } from '../src/collect/collectors/store.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Violation } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore, type Store } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { SECRETS, testTokens } from './helpers/decision-log.js';
import { SHARED_FIXTURES } from './helpers/fixtures.js';
import { startRegistry, type Registry } from './helpers/registry.js';
import { cosign, pushImage, RELEASE_FINGERPRINT, RELEASE_KEY, RELEASE_PUB, trustPolicySource } from './helpers/supply-chain.js';

interface Context {
  registry: Registry;
  store: Store;
  api: ReturnType<typeof createApp>;
  dir: string;
}

const verifiedEvidence = suite<Context>('verified evidence');

/** Trivy's JSON report with one critical CVE (CVE-2019-14697 in musl), recorded from Trivy's own test data. */
const CRITICAL_REPORT = JSON.parse(readFileSync(join(SHARED_FIXTURES, 'trivy', 'alpine-39-high-critical.json'), 'utf8')) as Record<string, any>;
/** The same scan, clean: an OS package result with no vulnerabilities. */
const CLEAN_REPORT = { ...CRITICAL_REPORT, Results: [{ Target: 'alpine 3.9.4', Class: 'os-pkgs', Type: 'alpine', Vulnerabilities: [] }] };

verifiedEvidence.before(async (ctx) => {
  ctx.registry = await startRegistry();
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-verified-evidence-'));
  const source = trustPolicySource({
    signers: [{ name: 'release-key', key: RELEASE_FINGERPRINT, images: ['127.0.0.1:'] }],
    registries: ['127.0.0.1:'],
    environments: {
      production: { min_build_level: 0, verified_evidence: ['vulnerabilities'] },
      staging: { min_build_level: 0, verified_evidence: [] },
    },
  });
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ source, revision: 'verified-evidence-test' }));
  ctx.store = await openStore('sqlite::memory:');
  const collectors = new CollectorRunner([
    createStoreCollector(ctx.store),
    createSignaturesCollector({ keys: [RELEASE_PUB] }, { registry: { registries: { [ctx.registry.host]: { base_url: `http://${ctx.registry.host}` } } }, store: ctx.store }),
  ]);
  ctx.api = createApp({ policy, tokens: await testTokens(), store: ctx.store, checks: createCheckService(policy, { store: ctx.store, collectors }), logger: createMemoryLogger() });
});

verifiedEvidence.after(async (ctx) => {
  await ctx.store?.close();
  await ctx.registry?.stop();
});

async function call(ctx: Context, method: string, path: string, body?: string) {
  const res = await ctx.api.request(path, { method, headers: { authorization: `Bearer ${SECRETS['security-lead']}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
  return { status: res.status, body: (await res.json()) as any };
}

/** An image in the registry, signed by the release key (DFW-SIGN-001 passes), with the clean report pushed unsigned. */
async function signedImageWithCleanReport(ctx: Context, tag: string): Promise<{ ref: string; digest: string }> {
  const ref = `${ctx.registry.host}/payments/api`;
  const digest = pushImage(`${ref}:${tag}`, tag);
  cosign(['sign', '--key', RELEASE_KEY, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const pushed = await call(ctx, 'POST', `/v1/evidence?kind=trivy&digest=${digest}`, JSON.stringify(CLEAN_REPORT));
  assert.is(pushed.status, 201, JSON.stringify(pushed.body));
  return { ref, digest };
}

/** `cosign attest --type vuln` of a predicate shaped as `trivy --format cosign-vuln` writes it. */
function attestScan(ctx: Context, ref: string, digest: string, report: unknown): void {
  const file = join(ctx.dir, `vuln-${digest.slice(7, 19)}.json`);
  writeFileSync(file, JSON.stringify({
    invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
    scanner: { uri: 'pkg:github/aquasecurity/trivy@0.58.1', version: '0.58.1', db: { uri: '', version: '' }, result: report },
    metadata: { scanStartedOn: '2026-11-28T13:50:00Z', scanFinishedOn: '2026-11-28T13:51:00Z' },
  }));
  cosign(['attest', '--key', RELEASE_KEY, '--type', 'vuln', '--predicate', file, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
}

/** The compliant example for this image in this environment, its scans left to the collectors. */
async function check(ctx: Context, image: string, digest: string, environment: string): Promise<{ blocking: Violation[]; decision: any }> {
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as Record<string, any>;
  for (const kind of ['signatures', 'attestations', 'vulnerabilities', 'container_scan']) delete body.evidence[kind];
  body.artifact = { image, digest };
  body.environment = environment;
  const { status, body: decision } = await call(ctx, 'POST', '/v1/check', JSON.stringify(body));
  assert.is(status, 200, JSON.stringify(decision));
  return { blocking: Object.values(decision.deny as Record<string, Violation[]>).flat(), decision };
}

const rule = (violations: Violation[], id: string) => violations.filter((v) => v.rule === id);

verifiedEvidence('a signed attestation with a critical CVE beside a clean unsigned report is denied by DFW-VULN-001 where verified vulnerabilities are required', async (ctx) => {
  const { ref, digest } = await signedImageWithCleanReport(ctx, 'critical');
  attestScan(ctx, ref, digest, CRITICAL_REPORT);
  const { blocking, decision } = await check(ctx, `${ref}:critical`, digest, 'production');
  const [vuln] = rule(blocking, 'DFW-VULN-001');
  assert.ok(vuln, `DFW-VULN-001 denies: ${JSON.stringify(blocking.map((v) => v.rule))}`);
  assert.match(vuln!.message, /^CVE-2019-14697 \(critical\) in musl /);
  assert.match(vuln!.evidence, /\(Trivy\)$/);
  assert.equal(rule(blocking, 'DFW-SIGN-002'), [], 'the signed scan satisfies DFW-SIGN-002');

  // The logged input keeps what was collected (the pushed clean report) and, on the verified
  // attestation, what dfw read from its predicate: a replay judges the same.
  const { body: record } = await call(ctx, 'GET', `/v1/decisions/${decision.decision_id}`);
  assert.equal(record.input.evidence.vulnerabilities.findings, []);
  const scans = record.input.evidence.attestations.filter((a: any) => a.predicate_type === 'https://cosign.sigstore.dev/attestation/vuln/v1');
  assert.equal(scans.map((a: any) => [a.verified, a.signer.key, a.evidence.vulnerabilities.findings.filter((f: any) => f.severity === 'critical').map((f: any) => f.id)]), [
    [true, RELEASE_FINGERPRINT, ['CVE-2019-14697', 'CVE-2019-14697']],
  ]);
});

verifiedEvidence('the same image where verified evidence is not required is judged from the pushed report, as before', async (ctx) => {
  const { ref, digest } = await signedImageWithCleanReport(ctx, 'critical-staging');
  attestScan(ctx, ref, digest, CRITICAL_REPORT);
  const { decision } = await check(ctx, `${ref}:critical-staging`, digest, 'staging');
  const all = [...Object.values(decision.deny as Record<string, Violation[]>), ...Object.values(decision.warn as Record<string, Violation[]>)].flat();
  assert.equal(rule(all, 'DFW-VULN-001'), []);
});

verifiedEvidence('a clean signed attestation passes DFW-VULN-001 where verified vulnerabilities are required', async (ctx) => {
  const { ref, digest } = await signedImageWithCleanReport(ctx, 'clean');
  attestScan(ctx, ref, digest, CLEAN_REPORT);
  const { blocking } = await check(ctx, `${ref}:clean`, digest, 'production');
  assert.equal(rule(blocking, 'DFW-VULN-001'), []);
  assert.equal(rule(blocking, 'DFW-SIGN-002'), []);
});

verifiedEvidence('only the unsigned clean report is "cannot verify" for DFW-VULN-001 and DFW-SIGN-002', async (ctx) => {
  const { ref, digest } = await signedImageWithCleanReport(ctx, 'unsigned-scan');
  const { blocking } = await check(ctx, `${ref}:unsigned-scan`, digest, 'production');
  const [vuln] = rule(blocking, 'DFW-VULN-001');
  assert.match(vuln!.message, `cannot verify the vulnerabilities of ${ref}:unsigned-scan (${digest}): production requires it signed, and no attestation of it (https://cosign.sigstore.dev/attestation/vuln/v1) for ${digest} was signed by an identity trusted to sign evidence`);
  assert.match(rule(blocking, 'DFW-SIGN-002')[0]!.message, /^cannot verify vulnerabilities for /);
});

verifiedEvidence('a signed vuln predicate without a scanner result (the bare report given to cosign) is read as no evidence, and says why', async (ctx) => {
  const { ref, digest } = await signedImageWithCleanReport(ctx, 'bare-report');
  const file = join(ctx.dir, 'bare-trivy.json');
  writeFileSync(file, JSON.stringify(CRITICAL_REPORT));
  cosign(['attest', '--key', RELEASE_KEY, '--type', 'vuln', '--predicate', file, '--tlog-upload=false', '--allow-insecure-registry', `${ref}@${digest}`]);
  const { blocking } = await check(ctx, `${ref}:bare-report`, digest, 'production');
  assert.match(rule(blocking, 'DFW-VULN-001')[0]!.message, /the signed attestation of it could not be read: .*\.att layer 0: the signed https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1 predicate cannot be read as evidence: the vuln predicate carries no scanner\.result/);
  assert.ok(rule(blocking, 'DFW-SIGN-002').length === 1);
});

verifiedEvidence.run();
