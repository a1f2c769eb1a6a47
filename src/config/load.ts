// Reads dfw.yaml (js-yaml), applies environment overrides, validates, and fills defaults.
// Any problem stops startup with the file, the key and the reason.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import yaml from 'js-yaml';
import type { ApiToken } from '../api/index.js';
import type { LogLevel } from '../shared/logger.js';
import type { CollectorsConfig } from '../collect/collectors/index.js';
import type { OpenStoreOptions } from '../store/index.js';
import type { GitHubConfig } from '../integrations/github/config.js';
import type { BundleSettings } from '../bundles/agent/local-file.js';
import { CONFIG_SCHEMA } from './schema.js';
import { fixedCodeError } from '../shared/errors.js';

export interface Config {
  /** The file it came from, or null for the embedded defaults. */
  file: string | null;
  server: { host: string; port: number; max_body_bytes: number; shutdown_timeout_seconds: number };
  bundle: BundleSettings & {
    /** Edge mode: pull from this bundle server instead of reading `path`. */
    url?: string;
    cache_dir: string;
    poll_min_seconds: number;
    poll_max_seconds: number;
    long_poll_seconds: number;
  };
  publish: { dir: string; keep: number };
  store: { url: string; retention_days: number; mask_paths: string[]; schema?: string; pool_size?: number };
  waivers: { max_days: number };
  /** Live evidence collectors; each key present enables one (docs/collectors.md). */
  collectors: CollectorsConfig;
  kubernetes?: { admission?: AdmissionConfig };
  github?: GitHubConfig;
  tokens: ApiToken[];
  log: { level: LogLevel };
}

export interface AdmissionConfig {
  host?: string;
  port?: number;
  tls: { cert_file: string; key_file: string; client_ca_file?: string; reload_interval_seconds?: number };
  timeout_seconds?: number;
  environment_label?: string | false;
  namespace_label_lookup?: boolean;
  recheck_unchanged_images?: boolean;
  namespaces?: Record<string, string>;
}

export class ConfigError extends fixedCodeError('ConfigError', 'config_invalid', 'invalid_input') {}

export const DEFAULT_CONFIG: Omit<Config, 'file'> = {
  server: { host: '127.0.0.1', port: 8787, max_body_bytes: 5 * 1024 * 1024, shutdown_timeout_seconds: 10 },
  bundle: {
    path: 'bundles/firewall.tar.gz',
    name: 'firewall',
    key_id: 'default',
    algorithm: 'RS256',
    max_memory_mb: 512,
    cache_dir: 'data/bundle-cache',
    poll_min_seconds: 10,
    poll_max_seconds: 30,
    long_poll_seconds: 60,
  },
  publish: { dir: 'data/bundles', keep: 10 },
  store: { url: 'sqlite:data/dfw.db', retention_days: 90, mask_paths: [] },
  waivers: { max_days: 90 },
  collectors: {},
  tokens: [],
  log: { level: 'info' },
};

function resolveAdmissionPaths(k: NonNullable<Config['kubernetes']>, resolvePath: (p: string) => string): NonNullable<Config['kubernetes']> {
  if (!k.admission) return k;
  const tls = k.admission.tls;
  return {
    admission: {
      ...k.admission,
      tls: { ...tls, cert_file: resolvePath(tls.cert_file), key_file: resolvePath(tls.key_file), ...(tls.client_ca_file ? { client_ca_file: resolvePath(tls.client_ca_file) } : {}) },
    },
  };
}

/** Environment variables that override the file, and the key each sets. */
export const ENV_OVERRIDES: Record<string, { key: string; type: 'string' | 'integer' }> = {
  DFW_HOST: { key: 'server.host', type: 'string' },
  DFW_PORT: { key: 'server.port', type: 'integer' },
  DFW_MAX_BODY_BYTES: { key: 'server.max_body_bytes', type: 'integer' },
  DFW_BUNDLE_PATH: { key: 'bundle.path', type: 'string' },
  DFW_BUNDLE_PUBLIC_KEY: { key: 'bundle.public_key', type: 'string' },
  DFW_BUNDLE_KEY_ID: { key: 'bundle.key_id', type: 'string' },
  DFW_BUNDLE_URL: { key: 'bundle.url', type: 'string' },
  DFW_STORE_URL: { key: 'store.url', type: 'string' },
  DFW_STORE_SCHEMA: { key: 'store.schema', type: 'string' },
  DFW_LOG_LEVEL: { key: 'log.level', type: 'string' },
};

const ajv = new Ajv2020Import.default({ allErrors: true, strict: false });
addFormatsImport.default(ajv);
const validateConfig = ajv.compile(CONFIG_SCHEMA);

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [section, key] = path.split('.') as [string, string];
  const sectionValue = (target[section] ??= {}) as Record<string, unknown>;
  sectionValue[key] = value;
}

function applyEnv(raw: Record<string, unknown>, env: Record<string, string | undefined>): void {
  for (const [name, { key, type }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (type === 'integer') {
      if (!/^\d+$/.test(value)) throw new ConfigError(`environment variable ${name}: expected an integer for ${key}, got "${value}"`);
      setPath(raw, key, Number(value));
    } else setPath(raw, key, value);
  }
}

/**
 * Loads the configuration: `file` when given (relative paths in it are resolved against
 * its folder), otherwise the embedded defaults; then DFW_* environment variables.
 */
export function loadConfig(file?: string, env: Record<string, string | undefined> = process.env): Config {
  let raw: Record<string, unknown> = {};
  const where = file ?? '(defaults)';
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot be read: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = yaml.load(text, { filename: file });
    } catch (err) {
      throw new ConfigError(`${file}: is not valid YAML: ${(err as Error).message}`);
    }
    if (parsed !== undefined && parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`${file}: the top level must be a mapping of sections (server, bundle, tokens, log)`);
    }
    raw = (parsed ?? {}) as Record<string, unknown>;
  }
  applyEnv(raw, env);
  if (!validateConfig(raw)) {
    const problems = (validateConfig.errors ?? []).map((e) => {
      const key = e.instancePath.split('/').slice(1).join('.');
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'additionalProperties') return `unknown key "${key ? `${key}.` : ''}${params.additionalProperty}"`;
      if (e.keyword === 'enum') return `${key}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
      if (e.keyword === 'required') return `${key ? `${key}.` : ''}${params.missingProperty}: is required`;
      return `${key || '(top level)'}: ${e.message}`;
    });
    throw new ConfigError(`${where}: ${problems.join('; ')}`);
  }
  const base = file ? dirname(resolve(file)) : process.cwd();
  const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const r = raw as Partial<Config>;
  const bundle = { ...DEFAULT_CONFIG.bundle, ...(r.bundle ?? {}) };
  bundle.path = resolvePath(bundle.path);
  bundle.cache_dir = resolvePath(bundle.cache_dir);
  if (bundle.public_key) bundle.public_key = resolvePath(bundle.public_key);
  const publish = { ...DEFAULT_CONFIG.publish, ...(r.publish ?? {}) };
  publish.dir = resolvePath(publish.dir);
  const store = { ...DEFAULT_CONFIG.store, ...(r.store ?? {}) };
  // A relative SQLite path is relative to the config file, like every other path in it.
  if (store.url.startsWith('sqlite:') && store.url !== 'sqlite::memory:') store.url = `sqlite:${resolvePath(store.url.slice('sqlite:'.length))}`;
  return {
    file: file ?? null,
    server: { ...DEFAULT_CONFIG.server, ...(r.server ?? {}) },
    bundle,
    publish,
    store,
    waivers: { ...DEFAULT_CONFIG.waivers, ...(r.waivers ?? {}) },
    collectors: r.collectors ?? {},
    ...(r.kubernetes ? { kubernetes: resolveAdmissionPaths(r.kubernetes, resolvePath) } : {}),
    ...(r.github ? { github: { ...r.github, private_key_path: resolvePath(r.github.private_key_path), webhook_secret_file: resolvePath(r.github.webhook_secret_file) } } : {}),
    tokens: (r.tokens ?? []) as ApiToken[],
    log: { ...DEFAULT_CONFIG.log, ...(r.log ?? {}) },
  };
}

/**
 * What openStore needs from the `store` section besides the URL. Whether a schema fits the
 * URL is judged by openStore, on the URL actually opened (`dfw replay --store` may differ).
 */
export function storeOptions(store: Config['store']): OpenStoreOptions {
  return {
    maskPaths: store.mask_paths,
    ...(store.schema === undefined ? {} : { schema: store.schema }),
    ...(store.pool_size === undefined ? {} : { poolSize: store.pool_size }),
  };
}
