// Wires the integrations dfw.yaml enables: the GitHub deployment protection rule (on the
// main API) and the Kubernetes admission webhook (on its own HTTPS listener).
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { CheckService } from '../decide/index.js';
import type { Logger } from '../shared/logger.js';
import { healthRoutes } from '../api/routes/health.js';
import { metricsRoutes, type MetricsSource } from '../api/routes/metrics.js';
import { createDigestResolver } from '../collect/collectors/index.js';
import { createSummaryVerifier } from '../collect/trust/verification-summary.js';
import type { CollectorsConfig } from '../collect/collectors/index.js';
import type { GitHubConfig } from '../integrations/github/config.js';
import type { KubernetesConfig } from '../integrations/kubernetes/config.js';
import type { ActivePolicy } from '../engine/index.js';
import { githubOptionsFromConfig, githubProtectionRoutes, type GitHubProtectionApp } from '../integrations/github/index.js';
import {
  admissionRoutes,
  createAdmissionTlsServer,
  createEnvironmentMapper,
  createNamespaceLabelLookup,
  type AdmissionOutcome,
  type AdmissionTlsServer,
} from '../integrations/kubernetes/index.js';
import { fixedCodeError } from '../shared/errors.js';

export class IntegrationConfigError extends fixedCodeError('IntegrationConfigError', 'integration_config_invalid', 'invalid_input') {}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new IntegrationConfigError(`${what} ${path} cannot be read: ${(err as Error).message}`);
  }
}

/** The GitHub protection-rule routes, or undefined when github: is not configured. */
export function createGitHubIntegration(github: GitHubConfig | undefined, checks: CheckService, logger: Logger): GitHubProtectionApp | undefined {
  if (!github) return undefined;
  const options = githubOptionsFromConfig(github, {
    privateKeyPem: readSecretFile(github.private_key_path, 'github.private_key_path'),
    webhookSecret: readSecretFile(github.webhook_secret_file, 'github.webhook_secret_file'),
  });
  return githubProtectionRoutes({ ...options, checks, logger });
}

/** The admission webhook's HTTPS listener, or undefined when kubernetes.admission is not configured. */
export async function startAdmissionWebhook(
  kubernetes: KubernetesConfig | undefined,
  collectors: CollectorsConfig,
  policy: ActivePolicy,
  checks: CheckService,
  logger: Logger,
  metrics?: MetricsSource & { admitted(outcome: AdmissionOutcome): void },
): Promise<AdmissionTlsServer | undefined> {
  const admission = kubernetes?.admission;
  if (!admission) return undefined;
  const app = new Hono();
  // The kubelet probes this listener too, so it answers health and readiness like the API.
  app.route('/', healthRoutes({ policy }));
  // In the cluster the API stays on loopback; Prometheus scrapes this listener.
  if (metrics) app.route('/', metricsRoutes(metrics));
  app.route(
    '/',
    admissionRoutes({
      checks,
      logger,
      environmentFor: createEnvironmentMapper({
        ...(admission.namespaces ? { namespaces: admission.namespaces } : {}),
        ...(admission.environment_label !== undefined ? { label: admission.environment_label } : {}),
      }),
      ...(admission.namespace_label_lookup ? { namespaceLabels: createNamespaceLabelLookup() } : {}),
      ...(collectors.registry ? { resolveDigest: createDigestResolver(collectors.registry) } : {}),
      ...(admission.admit_on_summary && collectors.registry ? { verifySummary: createSummaryVerifier(readFileSync(admission.admit_on_summary.public_key, 'utf8'), collectors.registry) } : {}),
      ...(admission.timeout_seconds ? { timeoutMs: admission.timeout_seconds * 1000 } : {}),
      ...(admission.recheck_unchanged_images !== undefined ? { recheckUnchangedImages: admission.recheck_unchanged_images } : {}),
      ...(metrics ? { onOutcome: (outcome: AdmissionOutcome) => metrics.admitted(outcome) } : {}),
    }),
  );
  const server = await createAdmissionTlsServer({
    fetch: app.fetch,
    certFile: admission.tls.cert_file,
    keyFile: admission.tls.key_file,
    ...(admission.tls.client_ca_file ? { clientCaFile: admission.tls.client_ca_file } : {}),
    host: admission.host ?? '0.0.0.0',
    port: admission.port ?? 8443,
    ...(admission.tls.reload_interval_seconds ? { reloadIntervalMs: admission.tls.reload_interval_seconds * 1000 } : {}),
    logger,
  });
  logger.info('admission webhook listening', { url: server.url });
  return server;
}
