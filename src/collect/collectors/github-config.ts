// collectors.github (the GitHub REST API) in dfw.yaml: its type and JSON Schema, apart from
// the collector, so that reading dfw.yaml (collectors/config.ts) does not load the collector.

export interface GitHubCollectorConfig {
  /** REST API root: https://api.github.com (default) or https://ghe.example.com/api/v3. */
  base_url?: string;
  /** A token that can read the repositories (fine-grained: Administration read for classic protection, Contents and Metadata read). */
  token?: string;
  /**
   * Hosts that name repositories on this GitHub in source.repository ("github.com"); a
   * repository on another host is not asked about. Default: base_url's host without "api.".
   */
  hosts?: string[];
  /** Also read repository rulesets (GitHub Enterprise Server 3.11+); default true. */
  rulesets?: boolean;
  /** Default 10000. */
  timeout_ms?: number;
  /** Default 60000; 0 disables caching. */
  cache_ttl_ms?: number;
}

/** JSON Schema of GitHubCollectorConfig, for validating dfw.yaml. */
export const GITHUB_COLLECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    base_url: { type: 'string', format: 'uri', default: 'https://api.github.com', description: 'REST API root; GitHub Enterprise Server: https://<host>/api/v3' },
    token: { type: 'string', minLength: 1, description: 'sent as Authorization: Bearer' },
    hosts: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'repository hosts this GitHub serves; default from base_url' },
    rulesets: { type: 'boolean', default: true },
    timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
    cache_ttl_ms: { type: 'integer', minimum: 0, default: 60000 },
  },
} as const;
