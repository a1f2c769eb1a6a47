// The Kubernetes validating admission webhook: the real AdmissionReview fixtures (and
// variants) through POST /k8s/admission with a real bundle, the deploy/ manifests, and the
// HTTPS listener with certificates from make-certs.sh, a real handshake and a reload.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import { openStore } from '../src/store/index.js';
import * as assert from 'uvu/assert';
import { createMemoryLogger } from '../src/shared/logger.js';
import { createCheckService, type CheckService } from '../src/decide/index.js';
import { UnavailableError } from '../src/shared/errors.js';
import type { CheckRequest } from '../src/collect/check-request.js';
import { ActivePolicy, type Decision, type Evaluator, type Violation } from '../src/engine/index.js';
import {
  admissionDeadline,
  admissionRoutes,
  ADMITTED_RESOURCES,
  createAdmissionTlsServer,
  createEnvironmentMapper,
  createNamespaceLabelLookup,
  limitWarnings,
  STATUS_MESSAGE_MAX_CHARS,
  WARNING_MAX_CHARS,
  WARNINGS_TOTAL_MAX_CHARS,
  type AdmissionReviewResponse,
  type AdmissionRouteDeps,
} from '../src/integrations/kubernetes/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { httpsPost, makeCerts, makeClientCert, postJson, readReview, variant, type ReviewJson } from './helpers/k8s-admission.js';
import { ROOT } from './helpers/opa.js';
import { loadConfig } from '../src/config/load.js';

interface Ctx {
  evaluator: Evaluator;
  checks: CheckService;
  /** The DFW-CLOUD-001 example: compliant but for a medium finding (1.4.2 is older than 1.5.0). */
  olderVersion: Record<string, unknown>;
}

const k8s = suite<Ctx>('k8s-admission');

k8s.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'k8s-admission-test' });
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  ctx.checks = createCheckService(policy);
  ctx.olderVersion = readExamples().get('dfw-cloud-001-latest-version.warn.json')!;
});

const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
k8s.after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const DEPLOYMENT = 'kube-review-deployment-v1-request.json';
const POD = 'connaisseur-02-pod-v1-request.json';
const MULTI_IMAGE = 'connaisseur-09-deployment-multi-image-v1beta1-request.json';
const PAYMENTS_IMAGE = 'registry.example.com/payments/api:1.4.2';

const environments = createEnvironmentMapper({ namespaces: { payments: 'production', connaisseur: 'staging', 'test-connaisseur': 'production' } });

/** Records every check request and decision that passes through. */
function recording(inner: CheckService) {
  const requests: CheckRequest[] = [];
  const decisions: Decision[] = [];
  const checks: CheckService = {
    async check(request, context) {
      requests.push(structuredClone(request));
      const outcome = await inner.check(request, context);
      decisions.push(outcome.decision);
      return outcome;
    },
  };
  return { checks, requests, decisions };
}

/**
 * Stands in for the collectors this test does not run: adds the example's inline evidence
 * (source, change ticket, evidence) to every request, as a CI pipeline would have pushed it.
 */
function withInlineEvidence(inner: CheckService, example: Record<string, unknown>): CheckService {
  return {
    check: (request, context) =>
      inner.check({ ...request, source: example.source as CheckRequest['source'], change_ticket: example.change_ticket as string, evidence: example.evidence as Record<string, unknown> }, context),
  };
}

function webhook(checks: CheckService, extra: Partial<AdmissionRouteDeps> = {}) {
  const logger = createMemoryLogger();
  const app = admissionRoutes({ checks, logger, environmentFor: environments, ...extra });
  const review = async (body: unknown, query = '') => {
    const res = await app.request(`/k8s/admission${query}`, postJson(body));
    return { status: res.status, body: (await res.json()) as AdmissionReviewResponse & { error?: { code: string; message: string; fields?: Array<{ field: string }> } } };
  };
  return { app, logger, review };
}

/** The kube-review Deployment in namespace `payments` (production) running `image`. */
function paymentsDeployment(image = PAYMENTS_IMAGE): ReviewJson {
  return variant(readReview(DEPLOYMENT), (r) => {
    r.request.namespace = 'payments';
    r.request.dryRun = false;
    r.request.object.metadata.labels = { 'app.kubernetes.io/name': 'payments-api', 'app.kubernetes.io/part-of': 'payments' };
    r.request.object.spec.template.spec.containers[0].image = image;
  });
}

async function refused(answer: Promise<unknown>, reason: RegExp): Promise<void> {
  try {
    await answer;
  } catch (err) {
    assert.match((err as Error).message, reason);
    return;
  }
  assert.unreachable('the TLS handshake should have failed');
}

const blockingRules = (d: Decision) => Object.values(d.deny).flat().map((v) => v.rule);

k8s('the Deployment fixture with an image without evidence is denied in production, naming the blocking rules', async ({ checks }) => {
  const rec = recording(checks);
  const { review, logger } = webhook(rec.checks);
  const { status, body } = await review(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'payments')));
  assert.is(status, 200);
  assert.is(body.apiVersion, 'admission.k8s.io/v1');
  assert.is(body.kind, 'AdmissionReview');
  assert.is(body.response.uid, '2024ee9c-c374-413c-838d-e62bcb4826be');
  assert.is(body.response.allowed, false);
  assert.is(body.response.status!.code, 403);
  const message = body.response.status!.message;
  assert.ok([...message].length <= STATUS_MESSAGE_MAX_CHARS, `status.message is ${message.length} characters`);
  assert.match(message, /^dfw denied Deployment payments\/nginx in production: nginx: /);
  assert.is(rec.decisions.length, 1);
  const decision = rec.decisions[0]!;
  assert.is(decision.allow, false);
  const rules = blockingRules(decision);
  assert.ok(rules.includes('DFW-ARTIFACT-001') && rules.includes('DFW-VULN-001'), rules.join(','));
  for (const rule of rules) assert.ok(message.includes(rule), `${rule} is missing from: ${message}`);
  assert.ok(message.includes(decision.decision_id));
  assert.is(body.response.auditAnnotations?.['decision-ids'], decision.decision_id);
  // What was asked: the object's name stands in for the missing app.kubernetes.io labels.
  const asked = rec.requests[0]!;
  assert.equal([asked.application, asked.service, asked.environment, asked.requested_by], ['nginx', 'nginx', 'production', 'kube-review']);
  assert.equal(asked.artifact, { image: 'nginx' });
  const line = logger.lines.find((l) => l.msg === 'admission')!;
  assert.is(line.allowed, false);
  assert.equal((line.images as Array<{ decision_id: string }>).map((i) => i.decision_id), [decision.decision_id]);
});

k8s('a compliant Deployment is allowed, with its medium finding as a warning, checked at the digest its tag resolves to', async ({ checks, olderVersion }) => {
  const rec = recording(withInlineEvidence(checks, olderVersion));
  const tags = (olderVersion.evidence as { registry: { tags: Record<string, string> } }).registry.tags;
  const resolved: string[] = [];
  const resolveDigest = async (image: string) => {
    resolved.push(image);
    return tags[image.split(':').pop()!];
  };
  const { review } = webhook(rec.checks, { resolveDigest });
  const { status, body } = await review(paymentsDeployment());
  assert.is(status, 200);
  assert.is(body.response.allowed, true, JSON.stringify(body.response));
  assert.is(body.response.status, undefined);
  assert.equal(resolved, [PAYMENTS_IMAGE]);
  const asked = rec.requests[0]!;
  assert.equal(asked.artifact, { image: PAYMENTS_IMAGE, digest: tags['1.4.2'] });
  assert.equal([asked.application, asked.service, asked.environment], ['payments', 'payments-api', 'production']);
  const warnings = body.response.warnings ?? [];
  assert.is(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]!, `${PAYMENTS_IMAGE}: DFW-CLOUD-001 (medium) `);
  assert.match(warnings[0]!, '1.4.2 is older than 1.5.0');
  assert.equal(rec.decisions[0]!.warn.medium.map((v) => v.rule), ['DFW-CLOUD-001']);
});

k8s('under environments.strict a compliant Deployment is still allowed: the kubernetes field the webhook adds is known through it, and no warning names it', async ({ evaluator, olderVersion }) => {
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  const rec = recording(withInlineEvidence(createCheckService(policy, { strict: true }), olderVersion));
  const tags = (olderVersion.evidence as { registry: { tags: Record<string, string> } }).registry.tags;
  const { review } = webhook(rec.checks, { resolveDigest: async (image) => tags[image.split(':').pop()!] });
  const { status, body } = await review(paymentsDeployment());
  assert.is(status, 200);
  assert.is(body.response.allowed, true, JSON.stringify(body.response));
  assert.is(rec.decisions.length, 1, 'decided, not refused as not strict');
  const decision = rec.decisions[0]! as Decision & { warnings?: string[] };
  assert.equal(decision.warnings, undefined, JSON.stringify(decision.warnings));
  assert.ok(rec.requests[0]!.kubernetes, 'the request carries the admission details');
});

k8s('every fixture gets its uid back, in the apiVersion it asked in', async ({ checks }) => {
  const { review } = webhook(checks);
  for (const [file, uid, apiVersion] of [
    [DEPLOYMENT, '2024ee9c-c374-413c-838d-e62bcb4826be', 'admission.k8s.io/v1'],
    [POD, '0c3331b6-1812-11ea-b3fc-02897404852e', 'admission.k8s.io/v1'],
    [MULTI_IMAGE, '4784c1dc-553f-4d53-a8d3-23c4bda880b6', 'admission.k8s.io/v1beta1'],
  ] as const) {
    const { status, body } = await review(readReview(file));
    assert.is(status, 200, file);
    assert.is(body.response.uid, uid, file);
    assert.is(body.apiVersion, apiVersion, file);
    assert.is(body.kind, 'AdmissionReview', file);
  }
});

k8s('the v1beta1 multi-image Deployment checks every image, init containers included, and lists each in the denial', async ({ checks }) => {
  const rec = recording(checks);
  const { review } = webhook(rec.checks);
  const { body } = await review(readReview(MULTI_IMAGE));
  assert.is(body.apiVersion, 'admission.k8s.io/v1beta1');
  assert.equal(rec.requests.map((r) => r.artifact.image).sort(), ['busybox:1.32', 'mysql:8', 'redis:alpine']);
  for (const r of rec.requests) {
    assert.equal([r.application, r.service, r.environment, r.requested_by], ['test', 'test', 'staging', 'minikube-user']);
  }
  const busybox = rec.requests.find((r) => r.artifact.image === 'busybox:1.32')!;
  assert.equal((busybox.kubernetes as { containers: string[] }).containers, ['initContainers/init']);
  assert.is(body.response.allowed, false);
  const message = body.response.status!.message;
  assert.match(message, 'dfw denied Deployment connaisseur/test in staging');
  for (const image of ['busybox:1.32', 'redis:alpine', 'mysql:8']) assert.ok(message.includes(`${image}: `), `${image} in: ${message}`);
  assert.ok([...message].length <= STATUS_MESSAGE_MAX_CHARS);
  assert.is(body.response.auditAnnotations?.['decision-ids']?.split(',').length, 3);
});

k8s('a Pod from a ReplicaSet is checked at its pinned digest, as its Deployment, without resolving the tag', async ({ checks }) => {
  const rec = recording(checks);
  let resolves = 0;
  const { review } = webhook(rec.checks, { resolveDigest: async () => (resolves++, undefined) });
  await review(readReview(POD));
  assert.is(resolves, 0);
  const asked = rec.requests[0]!;
  assert.equal(asked.artifact, {
    image: 'securesystemsengineering/charlie-image@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff',
    digest: 'sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff',
  });
  assert.is(asked.application, 'charlie-deployment');
  assert.is(asked.requested_by, 'system:serviceaccount:kube-system:replicaset-controller');
  assert.is((asked.kubernetes as { dry_run: boolean }).dry_run, false, 'the top-level "dryRun" of the fixture is not request.dryRun');
});

k8s('a dryRun request is evaluated and marked as a dry run', async ({ checks }) => {
  const rec = recording(checks);
  const { review, logger } = webhook(rec.checks);
  const { body } = await review(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'payments')));
  assert.is(rec.decisions.length, 1, 'evaluated');
  assert.is(body.response.auditAnnotations?.['dry-run'], 'true');
  assert.is((rec.requests[0]!.kubernetes as { dry_run: boolean }).dry_run, true);
  assert.is(logger.lines.find((l) => l.msg === 'admission')!.dry_run, true);
  const { body: notDry } = await review(paymentsDeployment());
  assert.is(notDry.response.auditAnnotations?.['dry-run'], undefined);
});

k8s('a dryRun decision is recorded in the decision log as a dry run', async ({ evaluator }) => {
  const store = await openStore(`sqlite:${join(tempDir('dfw-k8s-log-'), 'dfw.db')}`);
  try {
    const policy = new ActivePolicy();
    policy.activate(evaluator);
    const rec = recording(createCheckService(policy, { store }));
    const { review } = webhook(rec.checks);
    await review(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'payments')));
    await review(paymentsDeployment());
    const [dry, real] = rec.decisions;
    assert.is((await store.getDecision(dry!.decision_id))!.dry_run, true);
    assert.is((await store.getDecision(dry!.decision_id))!.via, 'kubernetes');
    assert.is((await store.getDecision(real!.decision_id))!.dry_run, false);
  } finally {
    await store.close();
  }
});

k8s('a namespace labelled dfw.io/environment is mapped through the Kubernetes API, cached, and an unreachable API fails closed', async ({ checks }) => {
  const asked: string[] = [];
  const api = createServer((req, res) => {
    asked.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const labelled = req.url === '/api/v1/namespaces/team-a';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: labelled ? 'team-a' : 'team-b', labels: labelled ? { 'dfw.io/environment': 'staging' } : { team: 'b' } } }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const port = (api.address() as AddressInfo).port;
  try {
    const lookup = createNamespaceLabelLookup({ cluster: { name: 'test', server: `http://127.0.0.1:${port}`, token: 'sa-token' } });
    const rec = recording(checks);
    const { review } = webhook(rec.checks, { environmentFor: createEnvironmentMapper({}), namespaceLabels: lookup });
    const inTeamA = (r: ReviewJson) => (r.request.namespace = 'team-a');
    await review(variant(readReview(DEPLOYMENT), inTeamA));
    await review(variant(readReview(DEPLOYMENT), inTeamA));
    assert.is(rec.requests[0]!.environment, 'staging');
    assert.equal(asked, ['GET /api/v1/namespaces/team-a Bearer sa-token'], 'asked once, then cached');
    const { body: unlabelled } = await review(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'team-b')));
    assert.is(unlabelled.response.allowed, false);
    const down = createNamespaceLabelLookup({ cluster: { name: 'down', server: 'http://127.0.0.1:9', token: 't' } });
    const { body: failed } = await webhook(rec.checks, { environmentFor: createEnvironmentMapper({}), namespaceLabels: down }).review(variant(readReview(DEPLOYMENT), inTeamA));
    assert.is(failed.response.allowed, false);
  } finally {
    api.close();
  }
});

k8s('the namespace lookup retries a connection that failed and shares a lookup already in flight', async () => {
  const asked: string[] = [];
  let answer: () => void = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const api = createServer((req, res) => {
    asked.push(`${req.url} ${req.headers.authorization}`);
    // Held until every lookup has been asked, so they overlap for certain.
    void answered.then(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: 'team-a', labels: { 'dfw.io/environment': 'staging' } } }));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'dfw-ns-'));
  try {
    const tokenFile = join(dir, 'token');
    const lookup = createNamespaceLabelLookup({ cluster: { name: 'test', server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, token_file: tokenFile } });
    // The token is not mounted yet: the connection fails, and must not stay failed.
    await lookup('team-a').then(
      () => assert.unreachable('a lookup without a token must fail'),
      (err: Error) => assert.match(err.message, 'token'),
    );
    writeFileSync(tokenFile, 'sa-token\n');
    const burst = [lookup('team-a'), lookup('team-a'), lookup('team-a')];
    await new Promise((r) => setTimeout(r, 50));
    answer();
    const labels = await Promise.all(burst);
    assert.equal(labels.map((l) => l?.['dfw.io/environment']), ['staging', 'staging', 'staging']);
    assert.equal(asked, ['/api/v1/namespaces/team-a Bearer sa-token'], 'three overlapping lookups, one request');
  } finally {
    api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

k8s('a malformed review answers 400 naming what is wrong', async ({ checks }) => {
  const rec = recording(checks);
  const { app, review } = webhook(rec.checks);
  const notJson = await app.request('/k8s/admission', postJson('{"kind": "AdmissionReview",'));
  assert.is(notJson.status, 400);
  const cases: Array<[ReviewJson | unknown[], string]> = [
    [[], '(body)'],
    [variant(readReview(DEPLOYMENT), (r) => (r.kind = 'Deployment')), 'kind'],
    [variant(readReview(DEPLOYMENT), (r) => (r.apiVersion = 'admission.k8s.io/v2')), 'apiVersion'],
    [variant(readReview(DEPLOYMENT), (r) => delete (r as Partial<ReviewJson>).request), 'request'],
    [variant(readReview(DEPLOYMENT), (r) => delete r.request.uid), 'request.uid'],
    [variant(readReview(DEPLOYMENT), (r) => (r.request.operation = 'PATCH')), 'request.operation'],
    [variant(readReview(DEPLOYMENT), (r) => (r.request.object = null)), 'request.object'],
    [variant(readReview(DEPLOYMENT), (r) => (r.request.dryRun = 'yes')), 'request.dryRun'],
    [variant(readReview(DEPLOYMENT), (r) => (r.request.object.spec.template.spec.containers = {})), 'request.object.spec.template.spec.containers'],
    [variant(readReview(DEPLOYMENT), (r) => delete r.request.object.spec.template.spec.containers[0].image), 'request.object.spec.template.spec.containers[0].image'],
    [variant(readReview(POD), (r) => delete r.request.object.spec), 'request.object.spec'],
  ];
  for (const [body, field] of cases) {
    const res = await review(body);
    assert.is(res.status, 400, field);
    assert.is(res.body.error?.code, 'invalid_admission_review', field);
    assert.is(res.body.error?.fields?.[0]?.field, field);
    assert.match(res.body.error!.message, `malformed AdmissionReview: ${field} `);
  }
  assert.is(rec.requests.length, 0);
});

k8s('a review that cannot be evaluated is denied with a message saying dfw failed closed', async ({ checks }) => {
  const throwing: CheckService = { check: async () => { throw new TypeError('wasm trap at 0x2a'); } };
  const { review, logger } = webhook(throwing);
  const { status, body } = await review(paymentsDeployment());
  assert.is(status, 200);
  assert.is(body.response.allowed, false);
  assert.is(body.response.status!.code, 500);
  assert.match(body.response.status!.message, /^dfw failed closed on Deployment payments\/nginx in production: .*not evaluated, failed closed/);
  assert.not.match(body.response.status!.message, 'wasm trap', 'internals stay in the log');
  assert.ok(logger.lines.some((l) => String(l.stack ?? '').includes('wasm trap at 0x2a')));
  assert.ok(logger.lines.some((l) => l.msg === 'admission failed closed'));

  // No bundle loaded: the check service's own reason is passed on.
  const { review: noBundle } = webhook(createCheckService(new ActivePolicy()));
  const { body: nb } = await noBundle(paymentsDeployment());
  assert.is(nb.response.allowed, false);
  assert.match(nb.response.status!.message, 'failed closed');
  assert.match(nb.response.status!.message, 'no verified policy bundle is loaded');

  // A check that never answers is cut off before the API server's own timeout.
  const hanging: CheckService = { check: () => new Promise(() => {}) };
  const { review: slow } = webhook(hanging, { timeoutMs: 50 });
  const started = Date.now();
  const { body: late } = await slow(paymentsDeployment(), '?timeout=10s');
  assert.ok(Date.now() - started < 5_000);
  assert.is(late.response.allowed, false);
  assert.match(late.response.status!.message, /failed closed.*no decision within 50 ms/);
  // The deadline leaves a second for a record in flight and one for the answer to travel.
  assert.equal(admissionDeadline('10s'), { decideMs: 8_000, answerByMs: 9_000 });
  assert.equal(admissionDeadline('10s', 9_000), { decideMs: 8_000, answerByMs: 9_000 });
  assert.equal(admissionDeadline('1m0s', 30_000), { decideMs: 30_000, answerByMs: 31_000 });
  assert.equal(admissionDeadline('2s', 30_000), { decideMs: 500, answerByMs: 1_000 });
  assert.equal(admissionDeadline(undefined, 1_234), { decideMs: 1_234, answerByMs: 2_234 });
  void checks;
});

k8s('a namespace without an environment is denied; a label read through the lookup maps it', async ({ checks }) => {
  const rec = recording(checks);
  const { review } = webhook(rec.checks);
  const { body } = await review(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'team-x')));
  assert.is(body.response.allowed, false);
  assert.match(body.response.status!.message, 'namespace "team-x" has no environment');
  assert.match(body.response.status!.message, 'dfw.io/environment');
  const { body: noNamespace } = await review(readReview(DEPLOYMENT));
  assert.match(noNamespace.response.status!.message, 'names no namespace');
  assert.is(rec.requests.length, 0);

  const labels: Record<string, Record<string, string>> = { 'team-x': { 'dfw.io/environment': 'development' }, payments: { 'dfw.io/environment': 'development' } };
  const { review: labelled } = webhook(rec.checks, { namespaceLabels: async (ns) => labels[ns] });
  await labelled(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'team-x')));
  assert.is(rec.requests.at(-1)!.environment, 'development');
  await labelled(paymentsDeployment());
  assert.is(rec.requests.at(-1)!.environment, 'production', 'the configured map wins over a label');

  const { review: broken } = webhook(rec.checks, { namespaceLabels: async () => { throw new Error('namespaces "team-x" is forbidden'); } });
  const { body: failed } = await broken(variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'team-x')));
  assert.is(failed.response.allowed, false);
  assert.match(failed.response.status!.message, 'reading its labels failed: namespaces "team-x" is forbidden');
});

k8s('warnings stay within the API server limits: each at most 256 characters, 4096 in all, printable', async ({ checks, olderVersion }) => {
  const noisy: CheckService = {
    async check(request, context) {
      const outcome = await withInlineEvidence(checks, olderVersion).check(request, context);
      const extra: Violation[] = Array.from({ length: 60 }, (_, i) => ({
        rule: `DFW-TEST-${String(i).padStart(3, '0')}`, title: 't', severity: 'medium', category: 'test',
        message: `finding ${i}\nwith a newline and ${'ü'.repeat(400)}`, remediation: '', evidence: '',
      }));
      outcome.decision.warn.medium.push(...extra);
      return outcome;
    },
  };
  const { review } = webhook(noisy, { resolveDigest: async () => 'sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b' });
  const { body } = await review(paymentsDeployment());
  assert.is(body.response.allowed, true);
  const warnings = body.response.warnings!;
  assert.ok(warnings.length > 1);
  for (const w of warnings) {
    assert.ok([...w].length <= WARNING_MAX_CHARS, `${[...w].length} characters`);
    assert.not.match(w, /[\u0000-\u001f\u007f]/);
  }
  assert.ok(warnings.reduce((n, w) => n + [...w].length, 0) <= WARNINGS_TOTAL_MAX_CHARS);
  assert.match(warnings.at(-1)!, /^dfw: \d+ more warnings not shown/);
  assert.match(warnings[0]!, 'DFW-CLOUD-001 (medium)', 'the policy order is kept');

  assert.equal(limitWarnings(['a', 'a', ' b\n c ', '']), ['a', 'b c'], 'deduplicated and cleaned');
});

k8s('DELETE and CONNECT are allowed without evaluation', async ({ checks }) => {
  const rec = recording(checks);
  const { review, logger } = webhook(rec.checks);
  for (const operation of ['DELETE', 'CONNECT']) {
    const { status, body } = await review(
      variant(readReview(DEPLOYMENT), (r) => {
        r.request.operation = operation;
        r.request.oldObject = r.request.object;
        r.request.object = null;
      }),
    );
    assert.is(status, 200);
    assert.equal(body.response, { uid: '2024ee9c-c374-413c-838d-e62bcb4826be', allowed: true });
  }
  assert.is(rec.requests.length, 0);
  assert.is(logger.lines.filter((l) => l.msg === 'admission' && l.skipped).length, 2);
});

k8s('an UPDATE evaluates only the images it introduces', async ({ checks }) => {
  const rec = recording(checks);
  const { review } = webhook(rec.checks);
  const update = (images: string[]) =>
    variant(readReview(MULTI_IMAGE), (r) => {
      r.request.operation = 'UPDATE';
      r.request.oldObject = structuredClone(r.request.object);
      r.request.object.metadata.labels.team = 'blue';
      r.request.object.spec.template.spec.containers.forEach((c: { image: string }, i: number) => (c.image = images[i]!));
    });
  const { body: same } = await review(update(['redis:alpine', 'mysql:8']));
  assert.is(same.response.allowed, true);
  assert.is(rec.requests.length, 0);
  await review(update(['redis:alpine', 'mysql:8.4']));
  assert.equal(rec.requests.map((r) => r.artifact.image), ['mysql:8.4']);
  const { review: strict } = webhook(rec.checks, { recheckUnchangedImages: true });
  rec.requests.length = 0;
  await strict(update(['redis:alpine', 'mysql:8']));
  assert.equal(rec.requests.map((r) => r.artifact.image).sort(), ['busybox:1.32', 'mysql:8', 'redis:alpine']);
});

k8s('CronJobs, Jobs, StatefulSets, DaemonSets, ReplicaSets and ephemeral containers are read at their pod specs', async ({ checks }) => {
  const rec = recording(checks);
  const { review } = webhook(rec.checks);
  const podSpec = { containers: [{ name: 'main', image: 'registry.example.com/batch/report:2.0.0' }], initContainers: [{ name: 'migrate', image: 'registry.example.com/batch/migrate:2.0.0' }] };
  const base = readReview(DEPLOYMENT);
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['batch', 'CronJob', { jobTemplate: { metadata: { labels: { 'app.kubernetes.io/part-of': 'reports' } }, spec: { template: { spec: podSpec } } } }],
    ['batch', 'Job', { template: { spec: podSpec } }],
    ['apps', 'StatefulSet', { template: { spec: podSpec } }],
    ['apps', 'DaemonSet', { template: { spec: podSpec } }],
    ['apps', 'ReplicaSet', { template: { spec: podSpec } }],
    ['', 'ReplicationController', { template: { spec: podSpec } }],
  ];
  for (const [group, kind, spec] of cases) {
    rec.requests.length = 0;
    await review(
      variant(base, (r) => {
        r.request.namespace = 'payments';
        r.request.kind = { group, version: 'v1', kind };
        r.request.object = { kind, metadata: { name: 'nightly' }, spec };
      }),
    );
    assert.equal(rec.requests.map((q) => q.artifact.image).sort(), ['registry.example.com/batch/migrate:2.0.0', 'registry.example.com/batch/report:2.0.0'], kind);
    assert.is(rec.requests[0]!.application, kind === 'CronJob' ? 'reports' : 'nightly', kind);
  }
  // kubectl debug: an UPDATE of pods/ephemeralcontainers adds a debugging image.
  rec.requests.length = 0;
  await review(
    variant(readReview(POD), (r) => {
      r.request.operation = 'UPDATE';
      r.request.subResource = 'ephemeralcontainers';
      r.request.oldObject = structuredClone(r.request.object);
      r.request.object.spec.ephemeralContainers = [{ name: 'debugger', image: 'busybox:1.36' }];
    }),
  );
  assert.equal(rec.requests.map((q) => q.artifact.image), ['busybox:1.36']);
  const { body } = await review(variant(base, (r) => ((r.request.namespace = 'payments'), (r.request.kind = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' }))));
  assert.is(body.response.allowed, false);
  assert.match(body.response.status!.message, 'does not know where the images of a argoproj.io/Rollout are');
});

k8s('the manifests register the webhook as the code expects and run dfw locked down', () => {
  const dir = join(ROOT, 'deploy/kubernetes');
  const out = tempDir('dfw-k8s-manifests-');
  makeCerts(out);
  const hook = yaml.load(readFileSync(join(out, 'validating-webhook.yaml'), 'utf8')) as any;
  assert.is(hook.kind, 'ValidatingWebhookConfiguration');
  const w = hook.webhooks[0];
  assert.equal([w.failurePolicy, w.sideEffects, w.admissionReviewVersions], ['Fail', 'None', ['v1']]);
  assert.ok(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 30);
  assert.equal(w.clientConfig.service, { namespace: 'dfw', name: 'dfw', path: '/k8s/admission', port: 443 });
  assert.is(Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8'), readFileSync(join(out, 'ca.crt'), 'utf8'));
  const excluded = w.namespaceSelector.matchExpressions.find((e: any) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
  assert.equal(excluded.values.sort(), ['dfw', 'kube-system']);
  const registered = Object.fromEntries(w.rules.map((r: any) => [r.apiGroups[0], r.resources]));
  assert.equal(registered, ADMITTED_RESOURCES);
  for (const r of w.rules) assert.equal(r.operations, ['CREATE', 'UPDATE']);

  const docs = ['00-namespace.yaml', '10-rbac.yaml', '20-configmap.yaml', '30-deployment.yaml', '40-service.yaml', '50-poddisruptionbudget.yaml'].flatMap((f) =>
    yaml.loadAll(readFileSync(join(dir, f), 'utf8')),
  ) as any[];
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const role = byKind('ClusterRole')[0];
  assert.equal(role.rules.flatMap((r: any) => r.resources).sort(), ['namespaces', 'pods', 'replicasets']);
  assert.ok(role.rules.every((r: any) => r.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v))), 'read-only');
  const deployment = byKind('Deployment')[0];
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  assert.is(container.readinessProbe.httpGet.path, '/readyz');
  assert.is(container.livenessProbe.httpGet.path, '/healthz');
  assert.is(container.readinessProbe.httpGet.scheme, 'HTTPS');
  assert.is(pod.securityContext.runAsNonRoot, true);
  assert.is(container.securityContext.readOnlyRootFilesystem, true);
  assert.ok(container.resources.requests && container.resources.limits);
  assert.is(pod.volumes.find((v: any) => v.name === 'tls').secret.secretName, 'dfw-tls');
  assert.ok(container.volumeMounts.some((m: any) => m.name === 'tls' && !m.subPath), 'mounted as a directory so Secret updates reach the files');
  const service = byKind('Service')[0];
  assert.equal([service.metadata.name, service.metadata.namespace, service.spec.ports[0].port], ['dfw', 'dfw', 443]);
  const config = yaml.load(byKind('ConfigMap')[0].data['dfw.yaml']) as any;
  const tls = config.kubernetes.admission.tls;
  assert.ok(container.volumeMounts.some((m: any) => m.name === 'tls' && tls.cert_file.startsWith(`${m.mountPath}/`)));
  assert.ok(config.kubernetes.admission.timeout_seconds < w.timeoutSeconds);

  // The configuration is valid as dfw serve reads it, and everything dfw writes lands on a
  // writable volume: the root filesystem is read-only.
  const configFile = join(out, 'dfw.yaml');
  writeFileSync(configFile, byKind('ConfigMap')[0].data['dfw.yaml']);
  const loaded = loadConfig(configFile, {});
  const writable = pod.volumes
    .filter((v: any) => v.emptyDir || v.persistentVolumeClaim)
    .map((v: any) => container.volumeMounts.find((m: any) => m.name === v.name && !m.readOnly)?.mountPath)
    .filter(Boolean) as string[];
  // Relative paths resolve against the config file's folder: in the pod, the config mount.
  const configMount = container.volumeMounts.find((m: any) => m.name === 'config').mountPath as string;
  const inPod = (path: string) => (path.startsWith(`${out}/`) ? `${configMount}/${path.slice(out.length + 1)}` : path);
  const onWritableVolume = (path: string) => writable.some((mount) => inPod(path).startsWith(`${mount}/`));
  const sqliteFile = loaded.store.url.slice('sqlite:'.length);
  assert.ok(loaded.store.url.startsWith('sqlite:') && onWritableVolume(sqliteFile), `the decision log at ${inPod(sqliteFile)}`);
  assert.ok(onWritableVolume(loaded.publish.dir), inPod(loaded.publish.dir));
  assert.ok(!loaded.bundle.url || onWritableVolume(loaded.bundle.cache_dir), inPod(loaded.bundle.cache_dir));
  const storeUrl = container.env.find((e: any) => e.name === 'DFW_STORE_URL');
  assert.equal(storeUrl.valueFrom.secretKeyRef, { name: 'dfw-store', key: 'url', optional: true }, 'PostgreSQL when the dfw-store Secret exists');
});

k8s('the webhook answers over TLS with the generated certificate and serves a rotated one without restarting', async ({ checks }) => {
  const dir = tempDir('dfw-k8s-tls-');
  makeCerts(dir);
  const ca = readFileSync(join(dir, 'ca.crt'));
  const logger = createMemoryLogger();
  const app = admissionRoutes({ checks, logger, environmentFor: environments });
  const tlsServer = await createAdmissionTlsServer({
    fetch: app.fetch,
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    host: '127.0.0.1',
    port: 0,
    reloadIntervalMs: 50,
    logger,
  });
  try {
    const tls = { ca, servername: 'dfw.dfw.svc' };
    const first = await httpsPost(`${tlsServer.url}/k8s/admission?timeout=10s`, paymentsDeployment(), tls);
    assert.is(first.status, 200);
    const answer = JSON.parse(first.body) as AdmissionReviewResponse;
    assert.is(answer.response.uid, '2024ee9c-c374-413c-838d-e62bcb4826be');
    assert.is(answer.response.allowed, false);
    assert.is(first.fingerprint256, tlsServer.certificate().fingerprint256);
    assert.match(tlsServer.certificate().subjectAltName, 'DNS:dfw.dfw.svc.cluster.local');

    // Only that CA is trusted: another CA's client refuses the handshake, and so does a wrong name.
    const other = tempDir('dfw-k8s-other-ca-');
    makeCerts(other);
    await refused(httpsPost(`${tlsServer.url}/k8s/admission`, {}, { ca: readFileSync(join(other, 'ca.crt')), servername: 'dfw.dfw.svc' }), /self[- ]signed|unable to verify|certificate/i);
    await refused(httpsPost(`${tlsServer.url}/k8s/admission`, {}, { ca, servername: 'evil.dfw.svc' }), /altnames|Hostname/i);

    // Mid-rotation, a new certificate with the old key is not usable: the old pair stays.
    const staged = tempDir('dfw-k8s-next-');
    copyFileSync(join(dir, 'ca.crt'), join(staged, 'ca.crt'));
    copyFileSync(join(dir, 'ca.key'), join(staged, 'ca.key'));
    makeCerts(staged);
    const before = tlsServer.certificate().fingerprint256;
    writeFileSync(join(dir, 'tls.crt'), readFileSync(join(staged, 'tls.crt')));
    assert.is(await tlsServer.reload(), false);
    assert.is(tlsServer.certificate().fingerprint256, before);
    assert.is((await httpsPost(`${tlsServer.url}/k8s/admission`, paymentsDeployment(), tls)).fingerprint256, before);

    // The key arrives: the poller installs the new pair, and new handshakes get it.
    writeFileSync(join(dir, 'tls.key'), readFileSync(join(staged, 'tls.key')));
    const deadline = Date.now() + 5_000;
    while (tlsServer.certificate().fingerprint256 === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const after = tlsServer.certificate().fingerprint256;
    assert.is.not(after, before);
    const second = await httpsPost(`${tlsServer.url}/k8s/admission`, paymentsDeployment(), tls);
    assert.is(second.status, 200);
    assert.is(second.fingerprint256, after);
    assert.ok(logger.lines.some((l) => l.msg === 'tls certificate reloaded' && l.fingerprint256 === after));

    // make-certs.sh run again in place (same CA) is picked up the same way.
    makeCerts(dir);
    const rotatedDeadline = Date.now() + 5_000;
    while (tlsServer.certificate().fingerprint256 === after && Date.now() < rotatedDeadline) await new Promise((r) => setTimeout(r, 25));
    const third = await httpsPost(`${tlsServer.url}/k8s/admission`, paymentsDeployment(), tls);
    assert.is.not(third.fingerprint256, after);
    assert.is(third.fingerprint256, tlsServer.certificate().fingerprint256);
  } finally {
    await tlsServer.close();
  }
});

k8s('with a client CA, only clients with a certificate from it (the API server) get an answer', async ({ checks }) => {
  const dir = tempDir('dfw-k8s-mtls-');
  makeCerts(dir);
  const client = makeClientCert(dir);
  const ca = readFileSync(join(dir, 'ca.crt'));
  const app = admissionRoutes({ checks, logger: createMemoryLogger(), environmentFor: environments });
  const tlsServer = await createAdmissionTlsServer({
    fetch: app.fetch,
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    clientCaFile: join(dir, 'ca.crt'),
    host: '127.0.0.1',
    port: 0,
    reloadIntervalMs: 0,
  });
  try {
    const url = `${tlsServer.url}/k8s/admission`;
    await refused(httpsPost(url, paymentsDeployment(), { ca, servername: 'dfw.dfw.svc' }), /certificate|socket hang up|ECONNRESET/i);
    const answer = await httpsPost(url, paymentsDeployment(), { ca, servername: 'dfw.dfw.svc', ...client });
    assert.is(answer.status, 200);
    assert.is((JSON.parse(answer.body) as AdmissionReviewResponse).response.uid, '2024ee9c-c374-413c-838d-e62bcb4826be');
  } finally {
    await tlsServer.close();
  }
});

k8s('a domain error from the check service keeps its message; other errors do not leak', async () => {
  const { review } = webhook({ check: async () => { throw new UnavailableError('collector_down', 'the registry collector timed out after 5 s'); } });
  const { body } = await review(paymentsDeployment());
  assert.match(body.response.status!.message, 'the registry collector timed out after 5 s');
});

k8s.run();
