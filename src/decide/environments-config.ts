// dfw.yaml `environments:`, apart from the warnings it governs (request-warnings.ts): the
// config loader reads it, and must not load the check request's schema and the engine to do so.

/** dfw.yaml `environments:` (docs/configuration.md). */
export interface EnvironmentsConfig {
  /** Refuse (400 / exit 2) a request naming an environment the bundle does not configure, or unknown fields. */
  strict: boolean;
}

export const DEFAULT_ENVIRONMENTS_CONFIG: EnvironmentsConfig = { strict: false };

export const ENVIRONMENTS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { strict: { type: 'boolean' } },
} as const;
