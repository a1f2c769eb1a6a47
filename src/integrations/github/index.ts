// The GitHub deployment protection rule integration's public surface.
export {
  githubProtectionRoutes,
  GITHUB_PROTECTION_PATH,
  DEFAULT_GITHUB_MAX_BODY_BYTES,
  DEFAULT_MAX_IN_FLIGHT,
  type GitHubProtectionDeps,
  type GitHubProtectionApp,
  type ProtectionOutcome,
} from './routes.js';
export { createMemoryDeliveryLog, type DeliveryLog, type MemoryDeliveryLogOptions } from './deliveries.js';
export { GITHUB_CONFIG_SCHEMA, githubOptionsFromConfig, type GitHubConfig } from './config.js';
export { importAppPrivateKey, toPkcs8Pem } from './private-key.js';
export { createAppJwt, InstallationTokens, DEFAULT_API_BASE_URL, type GitHubAppCredentials } from './app-auth.js';
export { createWebhookVerifier, signWebhookBody, type WebhookVerifier } from './signature.js';
export { buildCheckRequest, type RequestMapping } from './check-request.js';
export { reviewForDecision, reviewForFailure, COMMENT_LIMIT, type ReviewComment, type ReviewState } from './comment.js';
export { resolveCallbackUrl } from './callback.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy, type FetchLike } from './http.js';
export { GitHubApiError, GitHubIntegrationError } from './errors.js';
export { PROTECTION_RULE_EVENT, type DeploymentProtectionRuleEvent } from './event.js';
