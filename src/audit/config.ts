// The `audit:` section of dfw.yaml: how often continuous audit re-evaluates what is deployed
// (it also runs when new evidence arrives, a waiver ends or a new bundle becomes active).

export interface AuditConfig {
  /** Off: no audit runs at all. */
  enabled: boolean;
  /** The scheduled run's period. */
  interval_seconds: number;
  /** Audit records are deleted after this many days. */
  keep_days: number;
}

export const DEFAULT_AUDIT_CONFIG: AuditConfig = { enabled: true, interval_seconds: 3600, keep_days: 90 };

export const AUDIT_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    interval_seconds: { type: 'integer', minimum: 10, maximum: 7 * 86400 },
    keep_days: { type: 'integer', minimum: 1, maximum: 3650 },
  },
} as const;
