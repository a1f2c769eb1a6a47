// The collectors dfw ships, each a factory taking its section of dfw.yaml, with the JSON
// Schema of that section (docs/collectors.md describes every key).
import type { Collector } from '../collector.js';
import { createChangeCollector } from './change.js';
import type { CollectorsConfig } from './config.js';
import { createGitHubCollector } from './github.js';
import { createKubernetesCollector } from './kubernetes.js';
import { createRegistryCollector } from './registry.js';
import { createSignaturesCollector, type SignaturesCollectorDeps } from './signatures.js';

export { createGitHubCollector, parseRepository, type GitHubCollectorConfig } from './github.js';
export { createRegistryCollector, createDigestResolver, type RegistryCollectorConfig, type RegistryEndpointConfig } from './registry.js';
export { createKubernetesCollector, type KubernetesClusterConfig, type KubernetesCollectorConfig } from './kubernetes.js';
export { createChangeCollector, type ChangeCollectorConfig } from './change.js';
export { CollectorConfigError } from './http.js';
export { createInlineVerifier } from './signatures.js';
export { COLLECTORS_CONFIG_SCHEMA, type CollectorsConfig } from './config.js';

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
