// collectors.change (ServiceNow or Jira change tickets) in dfw.yaml: its type and JSON Schema,
// apart from the collector, so that reading dfw.yaml (collectors/config.ts) does not load the
// collector.
import type { JiraConfig } from './change-jira.js';
import type { ServiceNowConfig } from './change-servicenow.js';

export interface ChangeCollectorConfig {
  servicenow?: ServiceNowConfig;
  jira?: JiraConfig;
  /** The system for ids that match neither pattern; default none (such ids are unavailable). */
  default_system?: 'servicenow' | 'jira';
  /** Environments whose requests need the ticket read; default every environment. */
  environments?: string[];
  /** Default 10000. */
  timeout_ms?: number;
  /** Default 30000; 0 disables caching. An approval withdrawn is seen after at most this long. */
  cache_ttl_ms?: number;
}

const CREDENTIALS = {
  base_url: { type: 'string', format: 'uri' },
  username: { type: 'string', minLength: 1 },
  password: { type: 'string' },
  token: { type: 'string', minLength: 1 },
  ticket_pattern: { type: 'string', minLength: 1 },
} as const;

/** JSON Schema of ChangeCollectorConfig, for validating dfw.yaml. */
export const CHANGE_COLLECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    servicenow: {
      type: 'object',
      additionalProperties: false,
      required: ['base_url'],
      properties: {
        ...CREDENTIALS,
        approved_states: { type: 'array', items: { type: 'string' }, default: ['-2', '-1'] },
        approvers: { type: 'boolean', default: true },
      },
    },
    jira: {
      type: 'object',
      additionalProperties: false,
      required: ['base_url'],
      properties: {
        ...CREDENTIALS,
        status_map: { type: 'object', additionalProperties: { type: 'string' }, default: { Approved: 'approved', Done: 'approved' } },
        approver_field: { type: 'string', minLength: 1 },
        window_start_field: { type: 'string', minLength: 1 },
        window_end_field: { type: 'string', minLength: 1 },
      },
    },
    default_system: { enum: ['servicenow', 'jira'] },
    environments: { type: 'array', items: { type: 'string', minLength: 1 } },
    timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
    cache_ttl_ms: { type: 'integer', minimum: 0, default: 30000 },
  },
} as const;
