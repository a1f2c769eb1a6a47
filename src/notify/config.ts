// The `notifications:` section of dfw.yaml: where events go (Slack incoming webhooks,
// CloudEvents webhooks signed with HMAC-SHA256) and how the outbox worker delivers them.
// Declared beside the notifier; src/config assembles it with the other rooms' sections.

export const EVENT_NAMES = ['decision.denied', 'waiver.granted', 'waiver.expiring', 'waiver.expired', 'bundle.activated', 'audit.drifted'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export interface ReceiverConfig {
  /** Unique; the outbox keys deliveries by it and the console shows it. */
  name: string;
  type: 'slack' | 'cloudevents';
  /** The endpoint, or `url_file` naming a file that holds it (a Slack webhook URL is a secret). */
  url?: string;
  url_file?: string;
  /** cloudevents: a file holding the HMAC-SHA256 key the body is signed with. */
  secret_file?: string;
  /** Which events this receiver gets; all of them when absent. */
  events?: EventName[];
}

export interface NotificationsConfig {
  /** The console's address as people reach it, for links in messages (https://dfw.example.com). */
  console_url?: string;
  receivers: ReceiverConfig[];
  /** Attempts before a message becomes a dead letter. */
  max_attempts: number;
  /** One delivery attempt's limit. */
  timeout_ms: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  backoff_initial_ms: number;
  backoff_max_ms: number;
  /** How often the worker looks for due messages when nothing wakes it. */
  poll_interval_ms: number;
  /** A waiver.expiring event goes out this many days before a waiver ends. */
  waiver_expiring_days: number;
  /** Delivered messages and dead letters are deleted after this many days. */
  keep_days: number;
}

export const DEFAULT_NOTIFICATIONS_CONFIG: NotificationsConfig = {
  receivers: [],
  max_attempts: 10,
  timeout_ms: 5000,
  concurrency: 4,
  backoff_initial_ms: 1000,
  backoff_max_ms: 10 * 60 * 1000,
  poll_interval_ms: 1000,
  waiver_expiring_days: 7,
  keep_days: 30,
};

export const NOTIFICATIONS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    console_url: { type: 'string', pattern: '^https?://' },
    receivers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
          type: { enum: ['slack', 'cloudevents'] },
          url: { type: 'string', pattern: '^https?://' },
          url_file: { type: 'string', minLength: 1 },
          secret_file: { type: 'string', minLength: 1 },
          events: { type: 'array', uniqueItems: true, items: { enum: [...EVENT_NAMES] } },
        },
        oneOf: [{ required: ['url'] }, { required: ['url_file'] }],
        if: { properties: { type: { const: 'cloudevents' } } },
        then: { required: ['secret_file'] },
      },
    },
    max_attempts: { type: 'integer', minimum: 1, maximum: 100 },
    timeout_ms: { type: 'integer', minimum: 100, maximum: 120000 },
    concurrency: { type: 'integer', minimum: 1, maximum: 64 },
    backoff_initial_ms: { type: 'integer', minimum: 1 },
    backoff_max_ms: { type: 'integer', minimum: 1 },
    poll_interval_ms: { type: 'integer', minimum: 10 },
    waiver_expiring_days: { type: 'integer', minimum: 1, maximum: 365 },
    keep_days: { type: 'integer', minimum: 1, maximum: 3650 },
  },
} as const;
