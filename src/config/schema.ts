// The schema of dfw.yaml. Unknown keys are errors, so a typo stops startup instead of
// silently running with a default.
import { COLLECTORS_CONFIG_SCHEMA } from '../collect/collectors/index.js';
import { GITHUB_CONFIG_SCHEMA } from '../integrations/github/config.js';

/** kubernetes.admission: the validating admission webhook's HTTPS listener (docs/kubernetes.md). */
const KUBERNETES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    admission: {
      type: 'object',
      additionalProperties: false,
      required: ['tls'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['cert_file', 'key_file'],
          properties: {
            cert_file: { type: 'string', minLength: 1 },
            key_file: { type: 'string', minLength: 1 },
            client_ca_file: { type: 'string', minLength: 1 },
            reload_interval_seconds: { type: 'number', minimum: 1 },
          },
        },
        timeout_seconds: { type: 'number', minimum: 1, maximum: 30 },
        environment_label: { oneOf: [{ type: 'string', minLength: 1 }, { const: false }] },
        namespace_label_lookup: { type: 'boolean', description: 'read namespace labels from the Kubernetes API (in-cluster service account)' },
        recheck_unchanged_images: { type: 'boolean' },
        namespaces: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        max_body_bytes: { type: 'integer', minimum: 1024 },
        shutdown_timeout_seconds: { type: 'number', minimum: 0 },
      },
    },
    bundle: {
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
        url: { type: 'string', pattern: '^https?://', description: 'edge mode: pull the bundle from this bundle server URL instead of reading path' },
        cache_dir: { type: 'string', minLength: 1, description: 'edge mode: where the last good bundle is kept' },
        poll_min_seconds: { type: 'number', minimum: 0 },
        poll_max_seconds: { type: 'number', minimum: 0 },
        long_poll_seconds: { type: 'integer', minimum: 0, maximum: 3600 },
      },
    },
    publish: {
      type: 'object',
      additionalProperties: false,
      description: 'the bundle server: where published revisions live and how many are kept',
      properties: {
        dir: { type: 'string', minLength: 1 },
        keep: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: '^(sqlite:|postgres(ql)?://)' },
        retention_days: { type: 'integer', minimum: 1 },
        mask_paths: { type: 'array', items: { type: 'string', minLength: 1 } },
        schema: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'PostgreSQL only: the schema for dfw\'s tables (created if missing)' },
        pool_size: { type: 'integer', minimum: 1, maximum: 1000, description: 'PostgreSQL only: most connections the pool opens' },
      },
    },
    waivers: {
      type: 'object',
      additionalProperties: false,
      properties: { max_days: { type: 'integer', minimum: 1, maximum: 3650 } },
    },
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'sha256', 'roles'],
        properties: {
          name: { type: 'string', minLength: 1 },
          sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
          roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['check', 'evidence', 'admin'] } },
        },
      },
    },
    collectors: COLLECTORS_CONFIG_SCHEMA,
    kubernetes: KUBERNETES_SCHEMA,
    github: GITHUB_CONFIG_SCHEMA,
    log: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { enum: ['debug', 'info', 'warn', 'error'] } },
    },
  },
} as const;
