// Continuous audit: what was let through, judged again today.
export { Auditor, type AuditorOptions, type AuditScope } from './auditor.js';
export { AUDIT_CONFIG_SCHEMA, DEFAULT_AUDIT_CONFIG, type AuditConfig } from './config.js';
export { refreshInput } from './refresh-input.js';
