// The environment variables that override dfw.yaml: read by loadConfig, and listed by every
// command's --help (cli/help.ts), which must not load the config reader to list them.

/** Environment variables that override the file, and the key each sets. */
export const ENV_OVERRIDES: Record<string, { key: string; type: 'string' | 'integer' }> = {
  DFW_HOST: { key: 'server.host', type: 'string' },
  DFW_PORT: { key: 'server.port', type: 'integer' },
  DFW_MAX_BODY_BYTES: { key: 'server.max_body_bytes', type: 'integer' },
  DFW_WORKERS: { key: 'server.workers', type: 'integer' },
  DFW_EVALUATION_THREADS: { key: 'server.evaluation_threads', type: 'integer' },
  DFW_BUNDLE_PATH: { key: 'bundle.path', type: 'string' },
  DFW_BUNDLE_PUBLIC_KEY: { key: 'bundle.public_key', type: 'string' },
  DFW_BUNDLE_KEY_ID: { key: 'bundle.key_id', type: 'string' },
  DFW_BUNDLE_URL: { key: 'bundle.url', type: 'string' },
  DFW_STORE_URL: { key: 'store.url', type: 'string' },
  DFW_STORE_SCHEMA: { key: 'store.schema', type: 'string' },
  DFW_LOG_LEVEL: { key: 'log.level', type: 'string' },
};
