// collectors.kubernetes (the clusters a deployment lands in) in dfw.yaml: its type and JSON
// Schema, apart from the collector, so that reading dfw.yaml (collectors/config.ts) does not
// load the collector.
import type { KubernetesClusterConfig } from './kubernetes-connection.js';

export interface KubernetesCollectorConfig {
  clusters: KubernetesClusterConfig[];
  /** environment -> namespace; default the request's service (else its application). */
  namespaces?: Record<string, string>;
  /** Label selector; {service}, {application}, {environment} are replaced. Default app.kubernetes.io/name={service}. */
  label_selector?: string;
  /** "artifact" (default): only containers of the deployed image's repository; "all": every container of the pods. */
  containers?: 'artifact' | 'all';
  /** Where the service account is mounted for in_cluster; default /var/run/secrets/kubernetes.io/serviceaccount. */
  service_account_dir?: string;
  /** Default 10000. */
  timeout_ms?: number;
  /** Default 10000; 0 disables caching. */
  cache_ttl_ms?: number;
}

const NAMESPACE_MAP = { type: 'object', additionalProperties: { type: 'string', minLength: 1 } } as const;

/** JSON Schema of KubernetesCollectorConfig, for validating dfw.yaml. */
export const KUBERNETES_COLLECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['clusters'],
  properties: {
    clusters: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          environments: { type: 'array', items: { type: 'string', minLength: 1 } },
          in_cluster: { type: 'boolean' },
          kubeconfig: { type: 'string', minLength: 1 },
          context: { type: 'string', minLength: 1 },
          server: { type: 'string', format: 'uri' },
          token: { type: 'string', minLength: 1 },
          token_file: { type: 'string', minLength: 1 },
          ca_file: { type: 'string', minLength: 1 },
          ca_data: { type: 'string', minLength: 1 },
          insecure_skip_tls_verify: { type: 'boolean' },
          namespaces: NAMESPACE_MAP,
        },
      },
    },
    namespaces: NAMESPACE_MAP,
    label_selector: { type: 'string', minLength: 1, default: 'app.kubernetes.io/name={service}' },
    containers: { enum: ['artifact', 'all'], default: 'artifact' },
    service_account_dir: { type: 'string', minLength: 1 },
    timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
    cache_ttl_ms: { type: 'integer', minimum: 0, default: 10000 },
  },
} as const;
