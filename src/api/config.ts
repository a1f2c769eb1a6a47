// The API's sections of dfw.yaml: `server:` (the listener and its limits), `waivers:` and
// `tokens:`. Declared beside the API; src/config assembles them with the other rooms'.
import { fixedCodeError } from '../shared/errors.js';
import { ROLES, type ApiToken } from './auth.js';

export interface ServerConfig {
  host: string;
  port: number;
  max_body_bytes: number;
  shutdown_timeout_seconds: number;
  /** Server processes sharing the port (node:cluster); 1 is a single process (src/host/cluster.ts). */
  workers: number;
  /**
   * Threads that evaluate large checks, and any check while others are in hand
   * (src/host/evaluation-pool.ts); 0 evaluates every check on the thread that answers it.
   * Unset: 1, or 0 on one core or with several workers.
   */
  evaluation_threads?: number;
}

export interface WaiversConfig {
  max_days: number;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = { host: '127.0.0.1', port: 8787, max_body_bytes: 5 * 1024 * 1024, shutdown_timeout_seconds: 10, workers: 1 };
export const DEFAULT_WAIVERS_CONFIG: WaiversConfig = { max_days: 90 };

export const SERVER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    max_body_bytes: { type: 'integer', minimum: 1024 },
    shutdown_timeout_seconds: { type: 'number', minimum: 0 },
    workers: { type: 'integer', minimum: 1, maximum: 64 },
    evaluation_threads: { type: 'integer', minimum: 0, maximum: 64 },
  },
} as const;

export const WAIVERS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { max_days: { type: 'integer', minimum: 1, maximum: 3650 } },
} as const;

export const TOKENS_CONFIG_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'sha256', 'roles'],
    properties: {
      name: { type: 'string', minLength: 1 },
      sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
      roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...ROLES] } },
    },
  },
} as const;

export type TokensConfig = ApiToken[];

/** The `tokens:` list cannot be used as it is. */
export class TokensConfigError extends fixedCodeError('TokensConfigError', 'config_invalid', 'invalid_input') {}

/**
 * Refuses two tokens with one name, and one secret under two entries. A name is who the
 * caller is in the decision log, as a waiver's approver and on the console, so one name on
 * two tokens would let either pass for the other; one hash on two entries would make one
 * secret two callers. Exact names: "dev" and "DEV" may be two tokens of one person, and
 * separation of duties compares them as one identity (src/shared/identity.ts). JSON Schema
 * cannot say "unique by a property", hence code.
 */
export function checkUniqueTokens(tokens: readonly ApiToken[], where = 'tokens'): void {
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  tokens.forEach((token, i) => {
    const sameName = names.get(token.name);
    if (sameName !== undefined) throw new TokensConfigError(`${where}[${i}].name: "${token.name}" is already the name of ${where}[${sameName}]; token names must be unique`);
    const sameHash = hashes.get(token.sha256.toLowerCase());
    if (sameHash !== undefined) {
      throw new TokensConfigError(`${where}[${i}].sha256: is already the hash of ${where}[${sameHash}] ("${tokens[sameHash]!.name}"); each token needs its own secret (dfw token create)`);
    }
    names.set(token.name, i);
    hashes.set(token.sha256.toLowerCase(), i);
  });
}
