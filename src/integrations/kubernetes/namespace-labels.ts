// Reads a namespace's labels from the Kubernetes API (GET /api/v1/namespaces/<name>), so
// the admission webhook can map a namespace to its environment by the dfw.io/environment
// label. Answers are cached briefly: every Pod creation asks.
import { connect, SERVICE_ACCOUNT_DIR, type Connection, type KubernetesClusterConfig } from '../../collect/collectors/kubernetes-connection.js';
import { getJson } from '../../collect/collectors/kubernetes-client.js';
import type { NamespaceLabelLookup } from './environment.js';

export interface NamespaceLabelOptions {
  /** How to reach the API server; the pod's own service account by default. */
  cluster?: KubernetesClusterConfig;
  cacheTtlMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * A lookup that throws when the API cannot answer (the webhook logs it and fails closed).
 * A connection that could not be made (no service-account token yet, a bad kubeconfig) is
 * tried again on the next lookup instead of being kept; lookups of a namespace already in
 * flight share its one request, so a burst of Pod creations asks the API server once.
 */
export function createNamespaceLabelLookup(options: NamespaceLabelOptions = {}): NamespaceLabelLookup {
  const cluster = options.cluster ?? { name: 'in-cluster', in_cluster: true };
  const ttl = options.cacheTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expires: number; labels: Record<string, string> | undefined }>();
  const inFlight = new Map<string, Promise<Record<string, string> | undefined>>();
  let connection: Promise<Connection> | undefined;

  const connected = (): Promise<Connection> => {
    connection ??= connect(cluster, SERVICE_ACCOUNT_DIR).catch((err: unknown) => {
      connection = undefined;
      throw err;
    });
    return connection;
  };

  const fetchLabels = async (namespace: string): Promise<Record<string, string> | undefined> => {
    const body = (await getJson(await connected(), `/api/v1/namespaces/${encodeURIComponent(namespace)}`, `Kubernetes API (${cluster.name})`, `namespace ${namespace}`, AbortSignal.timeout(options.timeoutMs ?? 3000))) as {
      metadata?: { labels?: Record<string, string> };
    };
    const labels = body?.metadata?.labels;
    cache.set(namespace, { expires: now() + ttl, labels });
    return labels;
  };

  return (namespace) => {
    const hit = cache.get(namespace);
    if (hit && hit.expires > now()) return Promise.resolve(hit.labels);
    let pending = inFlight.get(namespace);
    if (!pending) {
      pending = fetchLabels(namespace).finally(() => inFlight.delete(namespace));
      inFlight.set(namespace, pending);
    }
    return pending;
  };
}
