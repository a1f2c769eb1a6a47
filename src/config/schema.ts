// The schema of dfw.yaml, assembled from the sections each room declares beside its code.
// Unknown keys are errors, so a typo stops startup instead of silently running with a default.
import { SERVER_CONFIG_SCHEMA, TOKENS_CONFIG_SCHEMA, WAIVERS_CONFIG_SCHEMA } from '../api/config.js';
import { BUNDLE_CONFIG_SCHEMA } from '../bundles/agent/config.js';
import { PUBLISH_CONFIG_SCHEMA } from '../bundles/server/config.js';
import { COLLECTORS_CONFIG_SCHEMA } from '../collect/collectors/config.js';
import { ATTESTATION_CONFIG_SCHEMA } from '../decide/attestation.js';
import { GITHUB_CONFIG_SCHEMA } from '../integrations/github/config.js';
import { KUBERNETES_CONFIG_SCHEMA } from '../integrations/kubernetes/config.js';
import { LOG_CONFIG_SCHEMA } from '../shared/logger.js';
import { STORE_CONFIG_SCHEMA } from '../store/config.js';
import { NOTIFICATIONS_CONFIG_SCHEMA } from '../notify/config.js';
import { AUDIT_CONFIG_SCHEMA } from '../audit/config.js';
import { ENVIRONMENTS_CONFIG_SCHEMA } from '../decide/environments-config.js';

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: SERVER_CONFIG_SCHEMA,
    bundle: BUNDLE_CONFIG_SCHEMA,
    publish: PUBLISH_CONFIG_SCHEMA,
    store: STORE_CONFIG_SCHEMA,
    waivers: WAIVERS_CONFIG_SCHEMA,
    tokens: TOKENS_CONFIG_SCHEMA,
    collectors: COLLECTORS_CONFIG_SCHEMA,
    attestation: ATTESTATION_CONFIG_SCHEMA,
    kubernetes: KUBERNETES_CONFIG_SCHEMA,
    github: GITHUB_CONFIG_SCHEMA,
    log: LOG_CONFIG_SCHEMA,
    notifications: NOTIFICATIONS_CONFIG_SCHEMA,
    audit: AUDIT_CONFIG_SCHEMA,
    environments: ENVIRONMENTS_CONFIG_SCHEMA,
  },
} as const;
