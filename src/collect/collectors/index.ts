// The collectors dfw ships, each a factory taking its section of dfw.yaml, with the JSON
// Schema of that section (docs/collectors.md describes every key).
import type { Collector } from '../collector.js';
import { CHANGE_COLLECTOR_SCHEMA, createChangeCollector, type ChangeCollectorConfig } from './change.js';
import { createGitHubCollector, GITHUB_COLLECTOR_SCHEMA, type GitHubCollectorConfig } from './github.js';
import { createKubernetesCollector, KUBERNETES_COLLECTOR_SCHEMA, type KubernetesCollectorConfig } from './kubernetes.js';
import { createRegistryCollector, REGISTRY_COLLECTOR_SCHEMA, type RegistryCollectorConfig } from './registry.js';
import { createSignaturesCollector, SIGNATURES_COLLECTOR_SCHEMA, type SignaturesCollectorConfig, type SignaturesCollectorDeps } from './signatures.js';

export { createGitHubCollector, parseRepository, type GitHubCollectorConfig } from './github.js';
export { createRegistryCollector, createDigestResolver, type RegistryCollectorConfig, type RegistryEndpointConfig } from './registry.js';
export { createKubernetesCollector, type KubernetesClusterConfig, type KubernetesCollectorConfig } from './kubernetes.js';
export { createChangeCollector, type ChangeCollectorConfig } from './change.js';
export { CollectorConfigError } from './http.js';
export { createInlineVerifier } from './signatures.js';

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

/**
 * The configured collectors, for CollectorRunner. Their kinds do not overlap, so the order
 * only decides the order of `timings`. Throws CollectorConfigError for a value that cannot work.
 */
export function createCollectors(config: CollectorsConfig = {}, deps: Pick<SignaturesCollectorDeps, 'store'> = {}): Collector[] {
  const collectors: Collector[] = [];
  if (config.github) collectors.push(createGitHubCollector(config.github));
  if (config.registry) collectors.push(createRegistryCollector(config.registry));
  if (config.kubernetes) collectors.push(createKubernetesCollector(config.kubernetes));
  if (config.change) collectors.push(createChangeCollector(config.change));
  if (config.signatures) collectors.push(createSignaturesCollector(config.signatures, { ...deps, ...(config.registry ? { registry: config.registry } : {}) }));
  return collectors;
}
