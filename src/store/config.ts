// The `store:` section of dfw.yaml: where the decision log, waivers and evidence live.
// Declared here, beside the store; src/config assembles it with the other rooms' sections.
import type { OpenStoreOptions } from './types.js';

export interface StoreConfig {
  url: string;
  retention_days: number;
  mask_paths: string[];
  schema?: string;
  pool_size?: number;
}

export const DEFAULT_STORE_CONFIG: StoreConfig = { url: 'sqlite:data/dfw.db', retention_days: 90, mask_paths: [] };

export const STORE_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^(sqlite:|postgres(ql)?://)' },
    retention_days: { type: 'integer', minimum: 1 },
    mask_paths: { type: 'array', items: { type: 'string', minLength: 1 } },
    schema: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', description: "PostgreSQL only: the schema for dfw's tables (created if missing)" },
    pool_size: { type: 'integer', minimum: 1, maximum: 1000, description: 'PostgreSQL only: most connections the pool opens' },
  },
} as const;

/**
 * What openStore needs from the `store` section besides the URL. Whether a schema fits the
 * URL is judged by openStore, on the URL actually opened (`dfw replay --store` may differ).
 */
export function storeOptions(store: StoreConfig): OpenStoreOptions {
  return {
    maskPaths: store.mask_paths,
    ...(store.schema === undefined ? {} : { schema: store.schema }),
    ...(store.pool_size === undefined ? {} : { poolSize: store.pool_size }),
  };
}
