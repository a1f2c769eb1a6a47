// Webhook deliveries as GitHub sends them: the recorded deployment_protection_rule payload
// (../shared/fixtures/github), pointed at the fake GitHub, signed with X-Hub-Signature-256.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { signWebhookBody } from '../../src/integrations/github/index.js';
import { SHARED_FIXTURES } from './fixtures.js';

const FIXTURES = SHARED_FIXTURES;
export const PROTECTION_RULE_FIXTURE = join(FIXTURES, 'github/deployment-protection-rule-requested.json');

export type ProtectionRulePayload = Record<string, unknown> & {
  action: string;
  environment: string;
  deployment_callback_url: string;
  sha: string;
  deployment: Record<string, unknown>;
  repository: { full_name: string; name: string; id: number };
  installation: { id: number };
};

/** The real payload, with the callback URL's origin moved to `apiBaseUrl` (path kept). */
export function protectionRulePayload(apiBaseUrl: string): ProtectionRulePayload {
  const payload = JSON.parse(readFileSync(PROTECTION_RULE_FIXTURE, 'utf8')) as ProtectionRulePayload;
  const original = new URL(payload.deployment_callback_url);
  payload.deployment_callback_url = new URL(original.pathname, apiBaseUrl).href;
  return payload;
}

export interface DeliveryOptions {
  secret: string;
  event?: string;
  delivery?: string;
  /** Overrides the computed X-Hub-Signature-256; null sends none. */
  signature?: string | null;
}

/** POSTs a delivery to the app the way GitHub does; the body is signed as sent. */
export async function deliver(app: Hono, payload: unknown, options: DeliveryOptions): Promise<Response> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = options.signature === undefined ? await signWebhookBody(options.secret, body) : options.signature;
  return app.request('/github/deployment-protection', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': options.event ?? 'deployment_protection_rule',
      'x-github-delivery': options.delivery ?? randomUUID(),
      'x-github-hook-installation-target-type': 'integration',
      ...(signature !== null ? { 'x-hub-signature-256': signature } : {}),
    },
    body,
  });
}
