// The GitHub deployment protection rule integration's public surface.
export { githubProtectionRoutes, type GitHubProtectionDeps, type GitHubProtectionApp, type ProtectionOutcome } from './routes.js';
export { createMemoryDeliveryLog } from './deliveries.js';
export { githubOptionsFromConfig } from './config.js';
export { importAppPrivateKey, toPkcs8Pem } from './private-key.js';
export { signWebhookBody } from './signature.js';
export { reviewForDecision, COMMENT_LIMIT } from './comment.js';
export { resolveCallbackUrl } from './callback.js';
