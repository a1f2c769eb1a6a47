// A deployment_protection_rule event -> the CheckRequest every dfw caller sends. The image
// comes from the deployment's own payload when the workflow put one there, else from a
// configured template; the policy sees which in input.request.extra.github.image_source.
import type { CheckRequest } from '../../collect/check-request.js';
import type { DeploymentProtectionRuleEvent } from './event.js';
import { GitHubIntegrationError } from './errors.js';

export interface RequestMapping {
  /** GitHub environment name -> dfw environment; a name not listed is used as it is. */
  environmentMap?: Record<string, string>;
  /** "owner/repo" or "repo" -> dfw application; otherwise the repository name. */
  applicationMap?: Record<string, string>;
  /**
   * Image reference used when the deployment payload names none, with placeholders
   * {owner} {repo} {full_name} (lower-cased, as registries require), {sha}, {ref},
   * {environment}. E.g. "ghcr.io/{full_name}:{sha}".
   */
  imageTemplate?: string;
  /** Host for source.repository ("github.com/owner/repo"); default from repository.html_url, else github.com. */
  sourceHost?: string;
}

const PLACEHOLDERS = ['owner', 'repo', 'full_name', 'sha', 'ref', 'environment'] as const;
const PLACEHOLDER = /\{([a-z_]+)\}/g;

/** Throws when the template names a placeholder that does not exist (a typo would never match). */
export function validateImageTemplate(template: string): void {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name!)) {
      throw new GitHubIntegrationError('github_image_template_invalid', `image template "${template}" has an unknown placeholder {${name}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    }
  }
}

function deploymentPayload(event: DeploymentProtectionRuleEvent): Record<string, unknown> {
  let payload = event.deployment?.payload;
  if (typeof payload === 'string' && payload.trim().startsWith('{')) {
    try {
      payload = JSON.parse(payload);
    } catch {
      return {};
    }
  }
  return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
}

/** refs/heads/x and a bare name are branches; refs/tags/… and refs/pull/… are not. */
export function branchFromRef(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/')) return undefined;
  return ref;
}

function sourceHostOf(event: DeploymentProtectionRuleEvent, configured: string | undefined): string {
  if (configured) return configured;
  if (event.repository.html_url) {
    try {
      return new URL(event.repository.html_url).host;
    } catch {
      // fall through
    }
  }
  return 'github.com';
}

export function buildCheckRequest(event: DeploymentProtectionRuleEvent, mapping: RequestMapping, deliveryId: string): CheckRequest {
  const fullName = event.repository.full_name;
  const [owner = '', repo = event.repository.name] = fullName.split('/');
  const sha = event.sha ?? event.deployment?.sha;
  const ref = event.ref ?? event.deployment?.ref;
  const payload = deploymentPayload(event);

  let image: string;
  let imageSource: 'deployment_payload' | 'image_template';
  if (typeof payload.image === 'string' && payload.image.trim()) {
    image = payload.image.trim();
    imageSource = 'deployment_payload';
  } else if (mapping.imageTemplate) {
    const values: Record<(typeof PLACEHOLDERS)[number], string | undefined> = {
      owner: owner.toLowerCase(),
      repo: repo.toLowerCase(),
      full_name: fullName.toLowerCase(),
      sha,
      ref,
      environment: event.environment,
    };
    image = mapping.imageTemplate.replace(PLACEHOLDER, (_match, name: string) => {
      const value = values[name as keyof typeof values];
      if (value === undefined) throw new GitHubIntegrationError('github_image_unknown', `the image template needs {${name}}, which the event does not carry`);
      return value;
    });
    imageSource = 'image_template';
  } else {
    throw new GitHubIntegrationError(
      'github_image_unknown',
      'the deployment names no image (deployment payload "image") and no image template is configured, so there is no artifact to check',
    );
  }

  const branch = branchFromRef(ref);
  const request: CheckRequest = {
    application: mapping.applicationMap?.[fullName] ?? mapping.applicationMap?.[repo] ?? repo,
    environment: mapping.environmentMap?.[event.environment] ?? event.environment,
    artifact: { image, ...(typeof payload.digest === 'string' ? { digest: payload.digest } : {}) },
    source: {
      repository: `${sourceHostOf(event, mapping.sourceHost)}/${fullName}`,
      ...(sha !== undefined ? { commit: sha } : {}),
      ...(branch !== undefined ? { branch } : {}),
    },
    ...(event.sender?.login ? { requested_by: event.sender.login } : {}),
    ...(typeof payload.change_ticket === 'string' ? { change_ticket: payload.change_ticket } : {}),
    // Not a known check-request field, so the policy finds it under input.request.extra.github.
    github: {
      delivery: deliveryId,
      environment: event.environment,
      ...(event.event !== undefined ? { event: event.event } : {}),
      ...(ref !== undefined ? { ref } : {}),
      ...(event.deployment?.id !== undefined ? { deployment_id: event.deployment.id } : {}),
      ...(event.workflow_run?.id !== undefined ? { workflow_run_id: event.workflow_run.id } : {}),
      installation_id: event.installation.id,
      image_source: imageSource,
    },
  };
  return request;
}
