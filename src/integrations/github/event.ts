// The deployment_protection_rule webhook payload ("Webhook events and payloads"): only the
// fields dfw reads are typed. What a callback cannot do without (environment, callback URL,
// installation, repository) is checked here; the rest is checked when the request is built,
// so that a gap there still ends in a "rejected" answer to GitHub rather than silence.
import { isObject } from '../../evidence/fields.js';
import { InvalidInputError } from '../../shared/errors.js';

export const PROTECTION_RULE_EVENT = 'deployment_protection_rule';
export const REQUESTED_ACTION = 'requested';

export interface DeploymentProtectionRuleEvent {
  action: string;
  /** The environment whose protection rule asks; echoed back as environment_name. */
  environment: string;
  /** The event that triggered the deployment, e.g. push or workflow_dispatch. */
  event?: string;
  deployment_callback_url: string;
  sha?: string;
  ref?: string;
  deployment?: {
    id?: number;
    sha?: string;
    ref?: string;
    environment?: string;
    /** Free-form data the deployment was created with; may be an object or a JSON string. */
    payload?: unknown;
  };
  repository: { id?: number; name: string; full_name: string; html_url?: string; owner?: { login?: string } };
  installation: { id: number };
  sender?: { login?: string };
  workflow_run?: { id?: number };
  [key: string]: unknown;
}

/** The payload lacks what a callback needs; the message names the gap. */
export class EventPayloadError extends InvalidInputError {
  override name = 'EventPayloadError';
  constructor(gap: string) {
    super('invalid_payload', `the ${PROTECTION_RULE_EVENT} payload cannot be answered: ${gap}`);
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks a parsed `requested` payload has what a callback needs. Throws EventPayloadError naming the gap. */
export function parseProtectionRuleEvent(body: unknown): DeploymentProtectionRuleEvent {
  if (!isObject(body)) throw new EventPayloadError('the payload is not a JSON object');
  const problems: string[] = [];
  if (!nonEmpty(body.environment)) problems.push('environment is missing');
  if (!nonEmpty(body.deployment_callback_url)) problems.push('deployment_callback_url is missing');
  const installation = body.installation;
  if (!isObject(installation) || !Number.isSafeInteger(installation.id) || (installation.id as number) <= 0) {
    problems.push('installation.id is missing (is the webhook configured on the GitHub App?)');
  }
  const repository = body.repository;
  if (!isObject(repository) || !nonEmpty(repository.full_name) || !nonEmpty(repository.name)) {
    problems.push('repository.full_name and repository.name are required');
  }
  if (problems.length) throw new EventPayloadError(problems.join('; '));
  return body as DeploymentProtectionRuleEvent;
}
