// The Kubernetes collector: evidence.runtime, what already runs of the deployed service in
// every cluster configured for the environment (GET /api/v1/namespaces/{ns}/pods with a
// label selector). One cluster that cannot be read makes the whole kind unavailable: an
// unseen cluster could be running anything.
import type { EvidenceKind } from '../../evidence/types.js';
import type { Collector, CollectorResult } from '../collector.js';
import { CollectorConfigError, CollectorFailure, reasonFor } from './http.js';
import { getJson } from './kubernetes-client.js';
import { connect, SERVICE_ACCOUNT_DIR, type KubernetesClusterConfig } from './kubernetes-connection.js';
import { workloadsFromPods, type Workload } from './kubernetes-workloads.js';
import { allInline, positiveInteger } from './options.js';
import type { KubernetesCollectorConfig } from './kubernetes-config.js';

export type { KubernetesClusterConfig } from './kubernetes-connection.js';
export type { KubernetesCollectorConfig } from './kubernetes-config.js';

const KINDS: readonly EvidenceKind[] = ['runtime'];
const DEFAULT_SELECTOR = 'app.kubernetes.io/name={service}';
const PAGE_SIZE = 500;
const MAX_PAGES = 20;

function checkClusters(clusters: KubernetesClusterConfig[]): void {
  if (!Array.isArray(clusters) || clusters.length === 0) throw new CollectorConfigError('kubernetes.clusters: configure at least one cluster');
  const names = new Set<string>();
  for (const [i, c] of clusters.entries()) {
    if (!c?.name) throw new CollectorConfigError(`kubernetes.clusters[${i}].name: is required`);
    if (names.has(c.name)) throw new CollectorConfigError(`kubernetes.clusters[${i}].name: "${c.name}" is used twice`);
    names.add(c.name);
    const ways = [c.in_cluster === true, !!c.kubeconfig, !!c.server].filter(Boolean).length;
    if (ways !== 1) throw new CollectorConfigError(`kubernetes.clusters[${i}] (${c.name}): set exactly one of in_cluster, kubeconfig, server`);
  }
}

export function createKubernetesCollector(config: KubernetesCollectorConfig): Collector {
  checkClusters(config?.clusters);
  const timeoutMs = positiveInteger(config.timeout_ms, 10_000, 'kubernetes.timeout_ms');
  const cacheTtlMs = positiveInteger(config.cache_ttl_ms, 10_000, 'kubernetes.cache_ttl_ms', 0);
  const selectorTemplate = config.label_selector ?? DEFAULT_SELECTOR;
  const serviceAccountDir = config.service_account_dir ?? SERVICE_ACCOUNT_DIR;
  const onlyArtifact = (config.containers ?? 'artifact') === 'artifact';

  const clustersFor = (environment: string): KubernetesClusterConfig[] =>
    config.clusters.filter((c) => !c.environments || c.environments.includes(environment));

  return {
    name: 'kubernetes',
    kinds: KINDS,
    timeoutMs,
    cacheTtlMs,
    cacheKey({ request, input }) {
      if (allInline(request, KINDS)) return null;
      const artifact = (input.artifact ?? {}) as { registry?: string; repository?: string };
      return JSON.stringify([request.environment, request.application, request.service ?? '', artifact.registry ?? '', artifact.repository ?? '']);
    },
    async collect({ request, input, signal }): Promise<CollectorResult> {
      const clusters = clustersFor(request.environment);
      if (clusters.length === 0) return { evidence: {}, unavailable: { runtime: `no Kubernetes cluster is configured for environment ${request.environment}` } };
      const service = request.service ?? request.application;
      const selector = selectorTemplate
        .replaceAll('{service}', service)
        .replaceAll('{application}', request.application)
        .replaceAll('{environment}', request.environment);
      const artifact = (input.artifact ?? {}) as { registry?: string; repository?: string };
      const filter = onlyArtifact && artifact.registry && artifact.repository ? { artifact: { registry: artifact.registry, repository: artifact.repository } } : {};
      const outcomes = await Promise.all(
        clusters.map(async (cluster) => {
          const namespace = cluster.namespaces?.[request.environment] ?? config.namespaces?.[request.environment] ?? service;
          try {
            return { workloads: await readCluster(cluster, namespace, selector, filter, serviceAccountDir, signal) };
          } catch (err) {
            return { reason: `cluster ${cluster.name}: ${reasonFor('Kubernetes', err)}` };
          }
        }),
      );
      const reasons = outcomes.flatMap((o) => (o.reason ? [o.reason] : []));
      if (reasons.length) return { evidence: {}, unavailable: { runtime: reasons.join('; ') } };
      return { evidence: { runtime: { workloads: outcomes.flatMap((o) => o.workloads ?? []) } }, unavailable: {} };
    },
  };
}

async function readCluster(
  cluster: KubernetesClusterConfig,
  namespace: string,
  selector: string,
  filter: Parameters<typeof workloadsFromPods>[3],
  serviceAccountDir: string,
  signal: AbortSignal,
): Promise<Workload[]> {
  const connection = await connect(cluster, serviceAccountDir);
  const pods: unknown[] = [];
  let continueToken = '';
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) throw new CollectorFailure(`more than ${MAX_PAGES * PAGE_SIZE} pods match ${selector} in namespace ${namespace}`);
    const query = new URLSearchParams({ labelSelector: selector, limit: String(PAGE_SIZE) });
    if (continueToken) query.set('continue', continueToken);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${query.toString()}`;
    const body = (await getJson(connection, path, 'Kubernetes', `the pods in namespace ${namespace}`, signal)) as Record<string, unknown> | null;
    if (!body || !Array.isArray(body.items)) throw new CollectorFailure(`Kubernetes answered the pods in namespace ${namespace} without an items list`);
    pods.push(...body.items);
    const next = (body.metadata as { continue?: unknown } | undefined)?.continue;
    if (typeof next !== 'string' || next === '') break;
    continueToken = next;
  }
  return workloadsFromPods(pods, cluster.name, namespace, filter);
}
