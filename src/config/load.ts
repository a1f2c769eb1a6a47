// Reads dfw.yaml (js-yaml), applies environment overrides, validates, and fills defaults.
// Any problem stops startup with the file, the key and the reason.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import yaml from 'js-yaml';
import { checkUniqueTokens, DEFAULT_SERVER_CONFIG, DEFAULT_WAIVERS_CONFIG, type ServerConfig, type TokensConfig, type WaiversConfig } from '../api/config.js';
import { DEFAULT_BUNDLE_CONFIG, type BundleConfig } from '../bundles/agent/config.js';
import { DEFAULT_PUBLISH_CONFIG, type PublishConfig } from '../bundles/server/config.js';
import type { CollectorsConfig } from '../collect/collectors/config.js';
import { resolveSignaturePaths } from '../collect/collectors/signatures-config.js';
import type { AttestationConfig } from '../decide/attestation.js';
import type { GitHubConfig } from '../integrations/github/config.js';
import type { KubernetesConfig } from '../integrations/kubernetes/config.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../shared/logger.js';
import { DEFAULT_STORE_CONFIG, type StoreConfig } from '../store/config.js';
import { DEFAULT_NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../notify/config.js';
import { receiverEndpoint } from '../notify/receiver-url.js';
import { DEFAULT_AUDIT_CONFIG, type AuditConfig } from '../audit/config.js';
import { CONFIG_SCHEMA } from './schema.js';
import { DEFAULT_ENVIRONMENTS_CONFIG, type EnvironmentsConfig } from '../decide/environments-config.js';
import { suggestKey } from './suggest-key.js';
import { ENV_OVERRIDES } from './env-overrides.js';
import { fixedCodeError } from '../shared/errors.js';
import { onFirstUse } from '../shared/on-first-use.js';

/** dfw.yaml, section by section; each section's type is declared by the room that takes it. */
export interface Config {
  /** The file it came from, or null for the embedded defaults. */
  file: string | null;
  server: ServerConfig;
  bundle: BundleConfig;
  publish: PublishConfig;
  store: StoreConfig;
  waivers: WaiversConfig;
  /** Live evidence collectors; each key present enables one (docs/collectors.md). */
  collectors: CollectorsConfig;
  /** dfw's signed verification summaries (docs/supply-chain.md). */
  attestation?: AttestationConfig;
  kubernetes?: KubernetesConfig;
  github?: GitHubConfig;
  tokens: TokensConfig;
  log: LogConfig;
  /** Where events go: Slack, CloudEvents webhooks (docs/notifications.md). */
  notifications: NotificationsConfig;
  /** Continuous audit of what is deployed (docs/console.md). */
  audit: AuditConfig;
  /** How a check request naming an environment the bundle does not configure is treated. */
  environments: EnvironmentsConfig;
}

export class ConfigError extends fixedCodeError('ConfigError', 'config_invalid', 'invalid_input') {}

export const DEFAULT_CONFIG: Omit<Config, 'file'> = {
  server: DEFAULT_SERVER_CONFIG,
  bundle: DEFAULT_BUNDLE_CONFIG,
  publish: DEFAULT_PUBLISH_CONFIG,
  store: DEFAULT_STORE_CONFIG,
  waivers: DEFAULT_WAIVERS_CONFIG,
  collectors: {},
  tokens: [],
  log: DEFAULT_LOG_CONFIG,
  notifications: DEFAULT_NOTIFICATIONS_CONFIG,
  audit: DEFAULT_AUDIT_CONFIG,
  environments: DEFAULT_ENVIRONMENTS_CONFIG,
};

function resolveAdmissionPaths(k: NonNullable<Config['kubernetes']>, resolvePath: (p: string) => string): NonNullable<Config['kubernetes']> {
  if (!k.admission) return k;
  const tls = k.admission.tls;
  return {
    admission: {
      ...k.admission,
      tls: { ...tls, cert_file: resolvePath(tls.cert_file), key_file: resolvePath(tls.key_file), ...(tls.client_ca_file ? { client_ca_file: resolvePath(tls.client_ca_file) } : {}) },
      ...(k.admission.admit_on_summary ? { admit_on_summary: { public_key: resolvePath(k.admission.admit_on_summary.public_key) } } : {}),
    },
  };
}

const configValidator = onFirstUse(() => {
  const ajv = new Ajv2020Import.default({ allErrors: true, strict: false });
  addFormatsImport.default(ajv);
  return ajv.compile(CONFIG_SCHEMA);
});

/** The schema object holding the keyword at an Ajv schemaPath ("#/properties/server/additionalProperties"). */
function schemaAt(schemaPath: string): unknown {
  const segments = schemaPath.replace(/^#\//, '').split('/').slice(0, -1);
  let node: unknown = CONFIG_SCHEMA;
  for (const s of segments) node = (node as Record<string, unknown> | undefined)?.[s.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

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
      if (!/^\d+$/.test(value)) throw new ConfigError(`environment variable ${name}: expected a whole number, 0 or more, for ${key}, got "${value}"`);
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
  const validateConfig = configValidator();
  if (!validateConfig(raw)) {
    const problems = (validateConfig.errors ?? []).map((e) => {
      const key = e.instancePath.split('/').slice(1).join('.');
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'additionalProperties') return `unknown key "${key ? `${key}.` : ''}${params.additionalProperty}"${suggestKey(String(params.additionalProperty), schemaAt(e.schemaPath))}`;
      if (e.keyword === 'enum') return `${key}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
      if (e.keyword === 'required') return `${key ? `${key}.` : ''}${params.missingProperty}: is required`;
      return `${key || '(top level)'}: ${e.message}`;
    });
    throw new ConfigError(`${where}: ${problems.join('; ')}`);
  }
  const base = file ? dirname(resolve(file)) : process.cwd();
  const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const r = raw as Partial<Config>;
  // What the schema cannot say, said before anything opens: one caller per token name and
  // secret; no receiver URL carrying credentials (the refusal never quotes the URL).
  try {
    checkUniqueTokens(r.tokens ?? []);
    for (const receiver of r.notifications?.receivers ?? []) if (receiver.url) receiverEndpoint(receiver.url, { name: receiver.name, field: 'url' });
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`, { cause: err });
  }
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
    collectors: resolveSignaturePaths(r.collectors ?? {}, resolvePath),
    ...(r.attestation ? { attestation: { ...r.attestation, ...(r.attestation.signing_key ? { signing_key: resolvePath(r.attestation.signing_key) } : {}) } } : {}),
    ...(r.kubernetes ? { kubernetes: resolveAdmissionPaths(r.kubernetes, resolvePath) } : {}),
    ...(r.github ? { github: { ...r.github, private_key_path: resolvePath(r.github.private_key_path), webhook_secret_file: resolvePath(r.github.webhook_secret_file) } } : {}),
    tokens: r.tokens ?? [],
    log: { ...DEFAULT_CONFIG.log, ...(r.log ?? {}) },
    notifications: {
      ...DEFAULT_CONFIG.notifications,
      ...(r.notifications ?? {}),
      receivers: (r.notifications?.receivers ?? []).map((x) => ({
        ...x,
        ...(x.url_file ? { url_file: resolvePath(x.url_file) } : {}),
        ...(x.secret_file ? { secret_file: resolvePath(x.secret_file) } : {}),
      })),
    },
    audit: { ...DEFAULT_CONFIG.audit, ...(r.audit ?? {}) },
    environments: { ...DEFAULT_CONFIG.environments, ...(r.environments ?? {}) },
  };
}
