// The `github:` section of dfw.yaml, as a JSON Schema fragment to splice into CONFIG_SCHEMA,
// and its mapping onto githubProtectionRoutes' options once the files are read. Reading the
// secret and key files is the server's job (Node); this stays Web-standard.
import type { GitHubAppCredentials } from './app-auth.js';
import type { RequestMapping } from './check-request.js';
import type { RetryPolicy } from './http.js';

export const GITHUB_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['app_id', 'private_key_path', 'webhook_secret_file'],
  properties: {
    app_id: { type: 'string', minLength: 1, description: "The GitHub App's client ID (Iv23…) or numeric app ID: the JWT issuer" },
    private_key_path: { type: 'string', minLength: 1, description: "PEM file of the App's private key, as downloaded (PKCS#1) or PKCS#8" },
    webhook_secret_file: { type: 'string', minLength: 1, description: "File holding the App's webhook secret" },
    api_base_url: { type: 'string', pattern: '^https?://[^/?#@]+(/[^?#]*)?$', description: 'https://api.github.com (default) or https://HOST/api/v3 for GitHub Enterprise Server' },
    environment_map: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, description: 'GitHub environment -> dfw environment' },
    application_map: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, description: '"owner/repo" or "repo" -> dfw application' },
    image_template: { type: 'string', minLength: 1, description: 'Image when the deployment payload names none, e.g. ghcr.io/{full_name}:{sha}' },
    source_host: { type: 'string', minLength: 1, description: 'Host in source.repository; default github.com' },
    callback_attempts: { type: 'integer', minimum: 1, maximum: 10, description: 'Attempts for each GitHub API call' },
  },
} as const;

/** The `github:` section as parsed from dfw.yaml. */
export interface GitHubConfig {
  app_id: string;
  private_key_path: string;
  webhook_secret_file: string;
  api_base_url?: string;
  environment_map?: Record<string, string>;
  application_map?: Record<string, string>;
  image_template?: string;
  source_host?: string;
  callback_attempts?: number;
}

/** githubProtectionRoutes options from the config section and the contents of its two files. */
export function githubOptionsFromConfig(
  config: GitHubConfig,
  files: { privateKeyPem: string; webhookSecret: string },
): RequestMapping & { webhookSecret: string; app: GitHubAppCredentials; retry?: Partial<RetryPolicy> } {
  return {
    webhookSecret: files.webhookSecret.trim(),
    app: { appId: config.app_id, privateKeyPem: files.privateKeyPem, ...(config.api_base_url ? { apiBaseUrl: config.api_base_url } : {}) },
    ...(config.environment_map ? { environmentMap: config.environment_map } : {}),
    ...(config.application_map ? { applicationMap: config.application_map } : {}),
    ...(config.image_template ? { imageTemplate: config.image_template } : {}),
    ...(config.source_host ? { sourceHost: config.source_host } : {}),
    ...(config.callback_attempts ? { retry: { attempts: config.callback_attempts } } : {}),
  };
}
