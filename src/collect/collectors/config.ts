// The `collectors:` section of dfw.yaml, assembled from each collector's own schema
// (<collector>-config.ts). Its own module, so that reading dfw.yaml loads no collector.
import { CHANGE_COLLECTOR_SCHEMA, type ChangeCollectorConfig } from './change-config.js';
import { GITHUB_COLLECTOR_SCHEMA, type GitHubCollectorConfig } from './github-config.js';
import { KUBERNETES_COLLECTOR_SCHEMA, type KubernetesCollectorConfig } from './kubernetes-config.js';
import { REGISTRY_COLLECTOR_SCHEMA, type RegistryCollectorConfig } from './registry-config.js';
import { SIGNATURES_COLLECTOR_SCHEMA, type SignaturesCollectorConfig } from './signatures-config.js';

/** The `collectors:` section of dfw.yaml: each key present configures (and enables) one collector. */
export interface CollectorsConfig {
  github?: GitHubCollectorConfig;
  registry?: RegistryCollectorConfig;
  kubernetes?: KubernetesCollectorConfig;
  change?: ChangeCollectorConfig;
  /** Signatures and attestations of the deployed digest, verified (docs/supply-chain.md). */
  signatures?: SignaturesCollectorConfig;
}

/** JSON Schema of CollectorsConfig. */
export const COLLECTORS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    github: GITHUB_COLLECTOR_SCHEMA,
    registry: REGISTRY_COLLECTOR_SCHEMA,
    kubernetes: KUBERNETES_COLLECTOR_SCHEMA,
    change: CHANGE_COLLECTOR_SCHEMA,
    signatures: SIGNATURES_COLLECTOR_SCHEMA,
  },
} as const;
