// Edge handler options from DFW_* string settings: a Worker's environment bindings, or the
// object a page or bootstrap script puts at globalThis.DFW_EDGE_CONFIG. Names follow the
// Node server's environment overrides where they mean the same thing.
import { ROLES, type ApiToken, type Role } from '../api/index.js';
import { createLogger, type LogLevel } from '../shared/logger.js';
import type { TrustedKey } from '../engine/index.js';
import type { EdgeHandlerOptions } from './handler.js';
import { EdgeConfigError } from './handler.js';

/** The settings the Worker entry reads; everything else in the environment is ignored. */
export const EDGE_SETTINGS = [
  'DFW_BUNDLE_URL',
  'DFW_BUNDLE_PUBLIC_KEY',
  'DFW_BUNDLE_KEY_ID',
  'DFW_BUNDLE_ALGORITHM',
  'DFW_BUNDLE_SCOPE',
  'DFW_BUNDLE_KEYS',
  'DFW_BUNDLE_NAME',
  'DFW_BUNDLE_TOKEN',
  'DFW_SIGNATURE_KEYS',
  'DFW_TRUSTED_ROOT',
  'DFW_CTLOG_THRESHOLD',
  'DFW_TOKENS',
  'DFW_ALLOW_ANONYMOUS',
  'DFW_MAX_BODY_BYTES',
  'DFW_LOG_LEVEL',
] as const;

export type EdgeSettings = Partial<Record<(typeof EDGE_SETTINGS)[number], string>>;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** The DFW_* strings of an environment object (bindings that are not strings are skipped). */
export function pickEdgeSettings(env: unknown): EdgeSettings {
  const settings: EdgeSettings = {};
  if (!env || typeof env !== 'object') return settings;
  for (const name of EDGE_SETTINGS) {
    const value = (env as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') settings[name] = value;
  }
  return settings;
}

function parseTokens(text: string): ApiToken[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EdgeConfigError(`DFW_TOKENS is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new EdgeConfigError('DFW_TOKENS must be a JSON array of { name, sha256, roles }');
  return parsed.map((t: unknown, i) => {
    const token = (t ?? {}) as Record<string, unknown>;
    if (typeof token.name !== 'string' || token.name === '') throw new EdgeConfigError(`DFW_TOKENS[${i}].name must be a non-empty string`);
    if (typeof token.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(token.sha256)) {
      throw new EdgeConfigError(`DFW_TOKENS[${i}].sha256 must be the hex SHA-256 of the token (dfw token create prints it)`);
    }
    if (!Array.isArray(token.roles) || token.roles.length === 0 || !token.roles.every((r) => (ROLES as readonly unknown[]).includes(r))) {
      throw new EdgeConfigError(`DFW_TOKENS[${i}].roles must list some of ${ROLES.join(', ')}`);
    }
    return { name: token.name, sha256: token.sha256.toLowerCase(), roles: token.roles as Role[] };
  });
}

/** More trusted keys by id (the next key while keys rotate): JSON { "<key id>": { "key": PEM, "algorithm"?, "scope"? } }. */
function parseKeys(text: string): Record<string, TrustedKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EdgeConfigError(`DFW_BUNDLE_KEYS is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new EdgeConfigError('DFW_BUNDLE_KEYS must be a JSON object of key id -> { key, algorithm?, scope? }');
  const keys: Record<string, TrustedKey> = {};
  for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
    const k = (value ?? {}) as Record<string, unknown>;
    if (typeof k.key !== 'string' || !k.key.includes('-----BEGIN')) throw new EdgeConfigError(`DFW_BUNDLE_KEYS.${id}.key must hold PEM text`);
    if (k.algorithm !== undefined && typeof k.algorithm !== 'string') throw new EdgeConfigError(`DFW_BUNDLE_KEYS.${id}.algorithm must be a string such as RS256`);
    if (k.scope !== undefined && typeof k.scope !== 'string') throw new EdgeConfigError(`DFW_BUNDLE_KEYS.${id}.scope must be a string`);
    keys[id] = { key: k.key, ...(k.algorithm !== undefined ? { algorithm: k.algorithm as string } : {}), ...(k.scope !== undefined ? { scope: k.scope as string } : {}) };
  }
  return keys;
}

/** Public keys inline signatures are verified with: JSON ["<PEM>", …]. */
function parseSignatureKeys(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EdgeConfigError(`DFW_SIGNATURE_KEYS is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((k) => typeof k === 'string' && k.includes('-----BEGIN PUBLIC KEY-----'))) {
    throw new EdgeConfigError('DFW_SIGNATURE_KEYS must be a JSON array of PEM public keys ("-----BEGIN PUBLIC KEY-----…")');
  }
  return parsed as string[];
}

/** A Sigstore trusted_root.json, as text: checked to be JSON of the right media type here, read fully at the first bundle. */
function parseTrustedRoot(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EdgeConfigError(`DFW_TRUSTED_ROOT is not JSON: ${(err as Error).message}`);
  }
  const mediaType = (parsed as { mediaType?: unknown } | null)?.mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new EdgeConfigError('DFW_TRUSTED_ROOT must hold the text of a Sigstore trusted_root.json (mediaType application/vnd.dev.sigstore.trustedroot+json)');
  }
  return text;
}

/**
 * Handler options from settings. A Worker is reachable from the internet, so like the
 * Node server off loopback it refuses to run without API tokens unless
 * DFW_ALLOW_ANONYMOUS=true says that is intended. Throws EdgeConfigError.
 */
export function edgeOptionsFromSettings(settings: EdgeSettings): EdgeHandlerOptions {
  const url = settings.DFW_BUNDLE_URL;
  if (!url || !/^https?:\/\//.test(url)) throw new EdgeConfigError('DFW_BUNDLE_URL must be the http(s) URL of the signed bundle');
  const pem = settings.DFW_BUNDLE_PUBLIC_KEY;
  if (!pem || !pem.includes('-----BEGIN')) {
    throw new EdgeConfigError('DFW_BUNDLE_PUBLIC_KEY must hold the PEM text of the bundle signing key (a Worker has no files to read a path from)');
  }
  const tokens = settings.DFW_TOKENS ? parseTokens(settings.DFW_TOKENS) : [];
  if (tokens.length === 0 && settings.DFW_ALLOW_ANONYMOUS !== 'true') {
    throw new EdgeConfigError('no API tokens: set DFW_TOKENS (JSON [{ "name", "sha256", "roles" }]), or DFW_ALLOW_ANONYMOUS=true to serve checks to anyone');
  }
  let maxBodyBytes: number | undefined;
  if (settings.DFW_MAX_BODY_BYTES !== undefined) {
    if (!/^\d+$/.test(settings.DFW_MAX_BODY_BYTES)) throw new EdgeConfigError(`DFW_MAX_BODY_BYTES must be an integer, got "${settings.DFW_MAX_BODY_BYTES}"`);
    maxBodyBytes = Number(settings.DFW_MAX_BODY_BYTES);
  }
  let ctlogThreshold: number | undefined;
  if (settings.DFW_CTLOG_THRESHOLD !== undefined) {
    if (!/^\d+$/.test(settings.DFW_CTLOG_THRESHOLD)) throw new EdgeConfigError(`DFW_CTLOG_THRESHOLD must be an integer, got "${settings.DFW_CTLOG_THRESHOLD}"`);
    ctlogThreshold = Number(settings.DFW_CTLOG_THRESHOLD);
  }
  const level = (settings.DFW_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new EdgeConfigError(`DFW_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    bundle: { url, ...(settings.DFW_BUNDLE_TOKEN ? { headers: { authorization: `Bearer ${settings.DFW_BUNDLE_TOKEN}` } } : {}) },
    publicKeyPem: pem,
    ...(settings.DFW_BUNDLE_KEY_ID ? { keyId: settings.DFW_BUNDLE_KEY_ID } : {}),
    ...(settings.DFW_BUNDLE_ALGORITHM ? { algorithm: settings.DFW_BUNDLE_ALGORITHM } : {}),
    ...(settings.DFW_BUNDLE_SCOPE !== undefined ? { scope: settings.DFW_BUNDLE_SCOPE } : {}),
    ...(settings.DFW_BUNDLE_KEYS ? { additionalKeys: parseKeys(settings.DFW_BUNDLE_KEYS) } : {}),
    ...(settings.DFW_BUNDLE_NAME ? { bundleName: settings.DFW_BUNDLE_NAME } : {}),
    ...(settings.DFW_SIGNATURE_KEYS ? { signatureKeys: parseSignatureKeys(settings.DFW_SIGNATURE_KEYS), signatureKeysSetting: 'DFW_SIGNATURE_KEYS' } : {}),
    ...(settings.DFW_TRUSTED_ROOT ? { trustedRoot: parseTrustedRoot(settings.DFW_TRUSTED_ROOT) } : {}),
    // Set or not, the reason a keyless bundle stays unverified names the variable to set.
    trustedRootSetting: 'DFW_TRUSTED_ROOT',
    ...(ctlogThreshold !== undefined ? { ctlogThreshold } : {}),
    tokens,
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
    logger: createLogger(level),
  };
}
