// Delivering one outbox message over HTTP: CloudEvents 1.0 in structured mode
// (application/cloudevents+json, https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#32-structured-content-mode)
// signed with HMAC-SHA256, or a Slack incoming-webhook message. Any 2xx is a delivery.
import { DfwError } from '../shared/errors.js';
import type { OutboxMessage } from '../store/types.js';
import type { CloudEvent } from './events.js';
import { slackMessage } from './slack.js';

/** The header that carries `sha256=<hex HMAC-SHA256 of the exact request body>`. */
export const SIGNATURE_HEADER = 'X-DFW-Signature-256';

/** A receiver refused or did not answer; `permanent` ones are not retried. */
export class DeliveryError extends DfwError {
  override name = 'DeliveryError';
  constructor(message: string, readonly permanent = false, cause?: unknown) {
    super('delivery_failed', message, { kind: 'unavailable', ...(cause === undefined ? {} : { cause }) });
  }
}

export interface Sender {
  send(message: OutboxMessage, signal: AbortSignal): Promise<void>;
}

export async function hmacSha256Hex(key: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(body));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'error' });
  } catch (err) {
    const reason = signal.aborted ? 'no answer before the timeout' : (err as Error).message;
    throw new DeliveryError(`POST ${new URL(url).host}: ${reason}`, false, err);
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  // 408 and 429 say "later"; other 4xx will not change by trying again.
  const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
  throw new DeliveryError(`POST ${new URL(url).host} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`, permanent);
}

export function cloudEventsSender(url: string, secret: string): Sender {
  return {
    async send(message, signal) {
      const body = JSON.stringify(message.event);
      const signature = await hmacSha256Hex(secret, body);
      await post(url, body, { 'content-type': 'application/cloudevents+json; charset=utf-8', [SIGNATURE_HEADER]: `sha256=${signature}` }, signal);
    },
  };
}

export function slackSender(url: string): Sender {
  return {
    send: (message, signal) => post(url, JSON.stringify(slackMessage(message.event as CloudEvent)), { 'content-type': 'application/json' }, signal),
  };
}
