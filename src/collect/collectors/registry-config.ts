// collectors.registry (the image registries) in dfw.yaml: its type and JSON Schema, apart from
// the collector, so that reading dfw.yaml (collectors/config.ts) does not load the collector.

export interface RegistryEndpointConfig {
  /** Where the registry's API is; default https://<host> (https://registry-1.docker.io for docker.io). */
  base_url?: string;
  /** Basic credentials for the token realm (or for a Basic challenge). */
  username?: string;
  /** Password or access token that goes with username. */
  password?: string;
  /** A ready bearer token sent on every request; the challenge flow is then not used. */
  token?: string;
}

export interface RegistryCollectorConfig {
  /** Registry host as images name it ("registry.example.com", "ghcr.io", "docker.io") -> endpoint. Only these are asked. */
  registries: Record<string, RegistryEndpointConfig>;
  /** Digests resolved for at most this many newest semver tags (plus the deployed tag); default 10. */
  max_tag_digests?: number;
  /** Pages of the tag list read at most; more is a failure, not a silent cut; default 100. */
  max_tag_pages?: number;
  /** `n` sent with the tag list; default none (the registry's own page size). */
  page_size?: number;
  /** Default 10000. */
  timeout_ms?: number;
  /** Default 30000; 0 disables caching. */
  cache_ttl_ms?: number;
  /**
   * Also GET the deployed manifest for its org.opencontainers.image.base.name annotation
   * (registry.base_image, DFW-ARTIFACT-002); default false: one more request per check.
   */
  base_image?: boolean;
}

const ENDPOINT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    base_url: { type: 'string', format: 'uri' },
    username: { type: 'string' },
    password: { type: 'string' },
    token: { type: 'string', minLength: 1 },
  },
} as const;

/** JSON Schema of RegistryCollectorConfig, for validating dfw.yaml. */
export const REGISTRY_COLLECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['registries'],
  properties: {
    registries: { type: 'object', additionalProperties: ENDPOINT_SCHEMA, description: 'registry host -> endpoint and credentials' },
    max_tag_digests: { type: 'integer', minimum: 0, default: 10 },
    max_tag_pages: { type: 'integer', minimum: 1, default: 100 },
    page_size: { type: 'integer', minimum: 1 },
    timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
    cache_ttl_ms: { type: 'integer', minimum: 0, default: 30000 },
    base_image: { type: 'boolean', default: false, description: 'read the base image annotation of the deployed manifest' },
  },
} as const;
