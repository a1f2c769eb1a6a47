// The Kubernetes collector against real API servers on 127.0.0.1 (plain HTTP and TLS with a
// throwaway CA): pods -> workloads and digests, several clusters, in-cluster and kubeconfig
// auth (token, client certificate, insecure), every failure, and the result through the
// real policy together with the registry collector.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { CheckRequest } from '../src/collect/check-request.js';
import { buildInput } from '../src/collect/check-request.js';
import type { Collector, CollectorResult } from '../src/collect/collector.js';
import { createKubernetesCollector, createRegistryCollector, type KubernetesClusterConfig, type KubernetesCollectorConfig } from '../src/collect/collectors/index.js';
import { digestFromImageId } from '../src/collect/collectors/kubernetes-workloads.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import type { Evaluator } from '../src/engine/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import {
  checkWithCollectors, createTestPki, fixtureText, MALFORMED_JSON, podFrom, sha256Digest, startFakeKubernetes, startFakeRegistry, violationsOf,
  type FakeServer, type TestPki,
} from './helpers/fake-servers.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.test-only-service-account';
const IMAGE = 'registry.example.com/payments/api';
const MANIFEST_150 = fixtureText('oci/docker-manifest-v2-git-init.json');
const MANIFEST_142 = fixtureText('oci/docker-manifest-v2-slsa-example-package.json');
const DIGEST_150 = sha256Digest(MANIFEST_150);
const DIGEST_142 = sha256Digest(MANIFEST_142);
const ISTIO_DIGEST = `sha256:${'a1'.repeat(32)}`;
const LABELS = { 'app.kubernetes.io/name': 'payments-api', 'app.kubernetes.io/part-of': 'payments' };

function pods(): unknown[] {
  const replica = (name: string) => podFrom({
    name, namespace: 'payments', labels: LABELS, deployment: { name: 'payments-api', hash: '5d8f7c9b6' },
    containers: [
      { name: 'api', image: `${IMAGE}:1.4.2`, imageID: `${IMAGE}@${DIGEST_142}` },
      { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0', imageID: `docker-pullable://istio/proxyv2@${ISTIO_DIGEST}` },
    ],
  });
  return [
    replica('payments-api-5d8f7c9b6-x2k4q'),
    replica('payments-api-5d8f7c9b6-p9z7m'),
    podFrom({ name: 'payments-api-debug', namespace: 'payments', labels: LABELS, containers: [{ name: 'api', image: `${IMAGE}:1.5.0`, imageID: `docker-pullable://${IMAGE}@${DIGEST_150}` }] }),
    podFrom({ name: 'payments-api-migrate-7xk2p', namespace: 'payments', labels: LABELS, phase: 'Succeeded', containers: [{ name: 'api', image: `${IMAGE}:0.9.0`, imageID: `${IMAGE}@sha256:${'0'.repeat(64)}` }] }),
    podFrom({ name: 'ledger-6c7d-abcde', namespace: 'payments', labels: { 'app.kubernetes.io/name': 'ledger' }, containers: [{ name: 'ledger', image: 'registry.example.com/payments/ledger:2.0.0', imageID: `registry.example.com/payments/ledger@sha256:${'b2'.repeat(32)}` }] }),
  ];
}

const EXPECTED = [
  { cluster: 'prod-eu', namespace: 'payments', name: 'payments-api', container: 'api', image: `${IMAGE}:1.4.2`, digest: DIGEST_142 },
  { cluster: 'prod-eu', namespace: 'payments', name: 'payments-api-debug', container: 'api', image: `${IMAGE}:1.5.0`, digest: DIGEST_150 },
];

function request(overrides: Partial<CheckRequest> = {}): CheckRequest {
  return { application: 'payments', service: 'payments-api', environment: 'production', artifact: { image: `${IMAGE}:1.5.0@${DIGEST_150}` }, ...overrides };
}

async function collect(c: Collector, req: CheckRequest = request()): Promise<CollectorResult> {
  return c.collect({ request: req, input: buildInput(req, { id: 't', via: 'api' }), signal: new AbortController().signal });
}

interface Context {
  server: FakeServer;
  pki: TestPki;
  evaluator?: Evaluator;
}

const kubernetes = suite<Context>('collectors-kubernetes');

kubernetes.before(async (ctx) => {
  ctx.server = await startFakeKubernetes({ token: TOKEN, pageSize: 500, pods: { payments: pods() } });
  ctx.pki = createTestPki();
});

kubernetes.after(async (ctx) => {
  await ctx.server.close();
});

kubernetes.before.each((ctx) => {
  ctx.server.reset();
});

function prodEu(server: FakeServer, extra: Partial<KubernetesClusterConfig> = {}): KubernetesClusterConfig {
  return { name: 'prod-eu', environments: ['production'], server: server.url, token: TOKEN, ...extra };
}

function collector(clusters: KubernetesClusterConfig[], options: Partial<KubernetesCollectorConfig> = {}): Collector {
  return createKubernetesCollector({ clusters, namespaces: { production: 'payments' }, ...options });
}

kubernetes('lists the service\'s pods and reports what each runs by the digest the node pulled', async ({ server }) => {
  const result = await collect(collector([prodEu(server)]));
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.runtime, { workloads: EXPECTED });
  assert.is(server.requests.length, 1);
  const [req] = server.requests;
  assert.is(req!.path, '/api/v1/namespaces/payments/pods');
  assert.is(req!.query.get('labelSelector'), 'app.kubernetes.io/name=payments-api');
  assert.is(req!.query.get('limit'), '500');
  assert.is(req!.headers.authorization, `Bearer ${TOKEN}`);
});

kubernetes('containers: all reports sidecars too; a custom selector and the namespace default (the service) are used', async ({ server }) => {
  const c = createKubernetesCollector({ clusters: [prodEu(server)], containers: 'all', label_selector: 'app.kubernetes.io/part-of={application},app.kubernetes.io/name={service}' });
  const result = await collect(c, request({ service: 'payments' }));
  assert.equal(result.evidence.runtime, { workloads: [] }, 'namespace "payments" from the service, no pod named payments');
  assert.is(server.requests[0]!.query.get('labelSelector'), 'app.kubernetes.io/part-of=payments,app.kubernetes.io/name=payments');
  const all = await collect(createKubernetesCollector({ clusters: [prodEu(server)], containers: 'all', namespaces: { production: 'payments' } }));
  const names = (all.evidence.runtime as { workloads: Array<{ container: string; digest: string }> }).workloads.map((w) => `${w.container} ${w.digest}`);
  assert.equal(names, [`api ${DIGEST_142}`, `istio-proxy ${ISTIO_DIGEST}`, `api ${DIGEST_150}`]);
});

kubernetes('follows continue tokens across pages', async () => {
  const paged = await startFakeKubernetes({ token: TOKEN, pageSize: 1, pods: { payments: pods() } });
  try {
    const result = await collect(collector([prodEu(paged)]));
    assert.equal(result.evidence.runtime, { workloads: EXPECTED });
    assert.equal(paged.requests.map((r) => r.query.get('continue')), [null, 'continue-1', 'continue-2', 'continue-3']);
  } finally {
    await paged.close();
  }
});

kubernetes('reads every cluster of the environment and only those', async ({ server }) => {
  const us = await startFakeKubernetes({ token: 'us-token', pageSize: 500, pods: { 'payments-us': [podFrom({ name: 'payments-api-1', namespace: 'payments-us', labels: LABELS, containers: [{ name: 'api', image: `${IMAGE}:1.5.0`, imageID: `${IMAGE}@${DIGEST_150}` }] })] } });
  try {
    const c = collector([
      prodEu(server),
      { name: 'prod-us', environments: ['production'], server: us.url, token: 'us-token', namespaces: { production: 'payments-us' } },
      { name: 'staging', environments: ['staging'], server: 'http://127.0.0.1:9', token: 'x' },
    ]);
    const result = await collect(c);
    assert.equal(result.unavailable, {});
    assert.equal(result.evidence.runtime, {
      workloads: [...EXPECTED, { cluster: 'prod-us', namespace: 'payments-us', name: 'payments-api-1', container: 'api', image: `${IMAGE}:1.5.0`, digest: DIGEST_150 }],
    });
    const none = await collect(c, request({ environment: 'development' }));
    assert.is(none.unavailable.runtime, 'no Kubernetes cluster is configured for environment development');
  } finally {
    await us.close();
  }
});

kubernetes('one cluster that cannot be read makes runtime unavailable, naming the cluster and the API server\'s reason', async ({ server }) => {
  const forbidden = await startFakeKubernetes({ token: TOKEN, pageSize: 500, pods: {} });
  forbidden.override(/pods$/, {
    status: 403,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'pods is forbidden: User "system:serviceaccount:dfw:dfw" cannot list resource "pods" in API group "" in the namespace "payments"',
      details: { kind: 'pods' } },
  });
  try {
    const result = await collect(collector([prodEu(server), { name: 'prod-us', server: forbidden.url, token: TOKEN }]));
    assert.equal(result.evidence, {});
    assert.is(result.unavailable.runtime, 'cluster prod-us: Kubernetes answered 403: pods is forbidden: User "system:serviceaccount:dfw:dfw" cannot list resource "pods" in API group "" in the namespace "payments"');
  } finally {
    await forbidden.close();
  }
});

kubernetes('401, 500 and malformed JSON', async ({ server }) => {
  const unauthorized = await collect(collector([prodEu(server, { token: 'expired' })]));
  assert.is(unauthorized.unavailable.runtime, 'cluster prod-eu: Kubernetes answered 401: Unauthorized');
  server.override(/pods$/, { status: 500, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } });
  const failing = await collect(collector([prodEu(server)]));
  assert.is(failing.unavailable.runtime, 'cluster prod-eu: Kubernetes answered 500: etcdserver: request timed out');
  server.reset();
  server.override(/pods$/, MALFORMED_JSON);
  const malformed = await collect(collector([prodEu(server)]));
  assert.match(malformed.unavailable.runtime!, /^cluster prod-eu: Kubernetes answered 200 with malformed JSON for the pods in namespace payments: /);
});

kubernetes('a slow API server times out through the runner, which answers within the timeout', async ({ server }) => {
  server.override(/pods$/, { body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] }, delayMs: 5000 });
  const runner = new CollectorRunner([collector([prodEu(server)], { timeout_ms: 300 })]);
  const req = request();
  const input = buildInput(req, { id: 't', via: 'api' });
  const started = performance.now();
  await runner.collect(req, input);
  const elapsed = performance.now() - started;
  assert.equal(input.unavailable, { runtime: 'kubernetes timed out after 300 ms' });
  assert.ok(elapsed < 300 + 250, `collect took ${elapsed.toFixed(0)} ms`);
});

kubernetes('in-cluster: the mounted service-account token and CA, over TLS to KUBERNETES_SERVICE_HOST', async ({ pki }) => {
  const tls = await startFakeKubernetes({ token: TOKEN, pageSize: 500, pods: { payments: pods() } }, pki.server);
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  const dir = mkdtempSync(join(tmpdir(), 'dfw-sa-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'ca.crt'), pki.ca);
  try {
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = new URL(tls.url).port;
    const result = await collect(collector([{ name: 'prod-eu', in_cluster: true }], { service_account_dir: dir }));
    assert.equal(result.unavailable, {});
    assert.equal(result.evidence.runtime, { workloads: EXPECTED });
    delete process.env.KUBERNETES_SERVICE_HOST;
    const outside = await collect(collector([{ name: 'prod-eu', in_cluster: true }], { service_account_dir: dir }));
    assert.is(outside.unavailable.runtime, 'cluster prod-eu: dfw is not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT are not set)');
  } finally {
    if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
    else process.env.KUBERNETES_SERVICE_HOST = saved.host;
    if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    await tls.close();
  }
});

function writeKubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dfw-kubeconfig-')), 'config');
  writeFileSync(path, yaml.dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'prod-eu',
    clusters: [{ name: 'prod-eu-cluster', cluster }],
    users: [{ name: 'dfw', user }],
    contexts: [{ name: 'prod-eu', context: { cluster: 'prod-eu-cluster', user: 'dfw', namespace: 'payments' } }, { name: 'other', context: { cluster: 'missing', user: 'dfw' } }],
  }));
  return path;
}

kubernetes('kubeconfig: certificate-authority-data with a client certificate, or a token with insecure-skip-tls-verify', async ({ pki }) => {
  const mtls = await startFakeKubernetes({ pageSize: 500, pods: { payments: pods() } }, pki.server);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  try {
    const certConfig = writeKubeconfig(
      { 'client-certificate-data': b64(pki.client.cert), 'client-key-data': b64(pki.client.key) },
      { server: mtls.url, 'certificate-authority-data': b64(pki.ca) },
    );
    const byCert = await collect(collector([{ name: 'prod-eu', kubeconfig: certConfig }]));
    assert.equal(byCert.unavailable, {});
    assert.equal(byCert.evidence.runtime, { workloads: EXPECTED });
    assert.equal(mtls.requests[0]!.clientCertificate, { authorized: true, commonName: 'dfw' });

    const missingContext = await collect(collector([{ name: 'prod-eu', kubeconfig: certConfig, context: 'other' }]));
    assert.is(missingContext.unavailable.runtime, `cluster prod-eu: kubeconfig ${certConfig} has no cluster named "missing"`);

    const noCa = writeKubeconfig({ 'client-certificate-data': b64(pki.client.cert), 'client-key-data': b64(pki.client.key) }, { server: mtls.url });
    const untrusted = await collect(collector([{ name: 'prod-eu', kubeconfig: noCa }]));
    assert.match(untrusted.unavailable.runtime!, new RegExp(`^cluster prod-eu: cannot reach Kubernetes at ${mtls.url}: .*certificate`));
  } finally {
    await mtls.close();
  }
  const tokenTls = await startFakeKubernetes({ token: TOKEN, pageSize: 500, pods: { payments: pods() } }, pki.server);
  try {
    const insecure = writeKubeconfig({ token: TOKEN }, { server: tokenTls.url, 'insecure-skip-tls-verify': true });
    const result = await collect(collector([{ name: 'prod-eu', kubeconfig: insecure }]));
    assert.equal(result.evidence.runtime, { workloads: EXPECTED });
    const exec = writeKubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'] } }, { server: tokenTls.url });
    const refused = await collect(collector([{ name: 'prod-eu', kubeconfig: exec }]));
    assert.is(refused.unavailable.runtime, `cluster prod-eu: kubeconfig ${exec}: user "dfw" gets credentials from an exec plugin or auth provider, which dfw does not run; use a token or client certificate`);
  } finally {
    await tokenTls.close();
  }
});

kubernetes('imageID forms: docker-pullable://, containerd repo@digest, bare image ids', () => {
  assert.is(digestFromImageId(`docker-pullable://${IMAGE}@${DIGEST_150}`), DIGEST_150);
  assert.is(digestFromImageId(`${IMAGE}@${DIGEST_150}`), DIGEST_150);
  assert.is(digestFromImageId(`docker://${DIGEST_150}`), DIGEST_150);
  assert.is(digestFromImageId(''), undefined);
});

kubernetes('configuration mistakes stop the factory', () => {
  assert.throws(() => createKubernetesCollector({ clusters: [] }), /configure at least one cluster/);
  assert.throws(() => createKubernetesCollector({ clusters: [{ name: 'a', in_cluster: true, server: 'https://x' }] }), /exactly one of in_cluster, kubeconfig, server/);
});

async function evaluator(ctx: Context): Promise<Evaluator> {
  ctx.evaluator ??= await loadTestEvaluator({ revision: 'collectors-kubernetes' });
  return ctx.evaluator;
}

async function withRegistry<T>(fn: (registry: Collector) => Promise<T>): Promise<T> {
  const server = await startFakeRegistry({ auth: 'bearer', pageSize: 100, repositories: { 'payments/api': { '1.5.0': MANIFEST_150, '1.4.2': MANIFEST_142 } } });
  try {
    return await fn(createRegistryCollector({ registries: { 'registry.example.com': { base_url: server.url } } }));
  } finally {
    await server.close();
  }
}

kubernetes('end to end: a cluster that cannot be read denies in production with "cannot verify" and the reason', async (ctx) => {
  await withRegistry(async (registry) => {
    const { decision } = await checkWithCollectors(await evaluator(ctx), request(), [registry, collector([prodEu(ctx.server, { token: 'expired' })])]);
    assert.is(decision.allow, false);
    assert.equal(violationsOf(decision, 'DFW-ARTIFACT-001').deny.map((v) => v.message), [
      `cannot verify the digests the clusters run for ${IMAGE}:1.5.0@${DIGEST_150}: cluster prod-eu: Kubernetes answered 401: Unauthorized`,
    ]);
  });
});

kubernetes('end to end: workloads running digests the registry holds satisfy DFW-ARTIFACT-001; an unknown one is denied', async (ctx) => {
  await withRegistry(async (registry) => {
    const good = await checkWithCollectors(await evaluator(ctx), request(), [registry, collector([prodEu(ctx.server)])]);
    assert.equal(good.report.sources, { registry: 'registry', runtime: 'kubernetes' });
    assert.equal(violationsOf(good.decision, 'DFW-ARTIFACT-001'), { deny: [], warn: [] });

    const rogue = `sha256:${'c3'.repeat(32)}`;
    ctx.server.override(/pods$/, { body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [podFrom({ name: 'payments-api-x', namespace: 'payments', labels: LABELS, containers: [{ name: 'api', image: `${IMAGE}:1.5.0`, imageID: `${IMAGE}@${rogue}` }] })] } });
    const bad = await checkWithCollectors(await evaluator(ctx), request(), [registry, collector([prodEu(ctx.server)])]);
    assert.equal(violationsOf(bad.decision, 'DFW-ARTIFACT-001').deny.map((v) => v.message), [
      `workload prod-eu/payments/payments-api-x runs ${IMAGE}:1.5.0 at ${rogue}, a digest the registry does not know; it may be an unauthorized workload`,
    ]);
  });
});

kubernetes.run();
