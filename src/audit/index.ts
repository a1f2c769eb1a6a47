// Continuous audit: what was let through, judged again today.
export { Auditor } from './auditor.js';
export { DEFAULT_AUDIT_CONFIG, type AuditConfig } from './config.js';
export { registerAuditMetrics } from './metrics.js';
export { UNEVALUABLE_RULE } from './unevaluable.js';
