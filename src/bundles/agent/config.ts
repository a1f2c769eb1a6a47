// The `bundle:` section of dfw.yaml: which policy bundle this evaluator runs, how it is
// verified, and (edge mode, `url`) where it pulls it from. Declared beside the agent that
// uses it; src/config assembles it with the other rooms' sections.
import type { BundleSettings } from './local-file.js';
import { defaultBundlePath } from './packaged-bundle.js';

export interface BundleConfig extends BundleSettings {
  /** Edge mode: pull from this bundle server (http(s)://) or OCI registry (oci://) instead of reading `path`. */
  url?: string;
  cache_dir: string;
  poll_min_seconds: number;
  poll_max_seconds: number;
  long_poll_seconds: number;
}

export const DEFAULT_BUNDLE_CONFIG: BundleConfig = {
  // The checkout's bundle when run there, else the one inside the installed package.
  path: defaultBundlePath(),
  name: 'firewall',
  key_id: 'default',
  algorithm: 'RS256',
  max_memory_mb: 512,
  cache_dir: 'data/bundle-cache',
  poll_min_seconds: 10,
  poll_max_seconds: 30,
  long_poll_seconds: 60,
};

export const BUNDLE_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1 },
    name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    public_key: { type: 'string', minLength: 1, description: 'PEM file of the key that must have signed the bundle' },
    key_id: { type: 'string', minLength: 1 },
    algorithm: { enum: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'] },
    scope: { type: 'string' },
    max_memory_mb: { type: 'integer', minimum: 1, maximum: 4096 },
    url: { type: 'string', pattern: '^(https?|oci)://', description: 'edge mode: pull the bundle from this bundle server URL, or an OCI registry (oci://registry/repository:tag), instead of reading path' },
    cache_dir: { type: 'string', minLength: 1, description: 'edge mode: where the last good bundle is kept' },
    poll_min_seconds: { type: 'number', minimum: 0 },
    poll_max_seconds: { type: 'number', minimum: 0 },
    long_poll_seconds: { type: 'integer', minimum: 0, maximum: 3600 },
  },
} as const;
