// Delivering one outbox message over HTTP: CloudEvents 1.0 in structured mode
// (application/cloudevents+json, https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md#32-structured-content-mode)
// signed with HMAC-SHA256, or a Slack incoming-webhook message. Any 2xx is a delivery.
import type { OutboxMessage } from '../store/types.js';
import { answerFailure, requestFailure } from './delivery-failure.js';
import type { CloudEvent } from './events.js';
import { receiverEndpoint, type ReceiverSource } from './receiver-url.js';
import { slackMessage } from './slack.js';

export { DeliveryError } from './delivery-failure.js';

/** The header that carries `sha256=<hex HMAC-SHA256 of the exact request body>`. */
export const SIGNATURE_HEADER = 'X-DFW-Signature-256';

export interface Sender {
  send(message: OutboxMessage, signal: AbortSignal): Promise<void>;
}

export async function hmacSha256Hex(key: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(body));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function post(endpoint: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(endpoint, { method: 'POST', body, headers, signal, redirect: 'error' });
  } catch (err) {
    throw requestFailure(endpoint, err, signal);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw answerFailure(endpoint, response.status, text);
}

/**
 * Senders check their URL when they are made (dfw's startup), naming `source` in the error:
 * one with a user name or password is refused (src/notify/receiver-url.ts).
 */
export function cloudEventsSender(url: string, secret: string, source?: ReceiverSource): Sender {
  const endpoint = receiverEndpoint(url, source);
  return {
    async send(message, signal) {
      const body = JSON.stringify(message.event);
      const signature = await hmacSha256Hex(secret, body);
      await post(endpoint, body, { 'content-type': 'application/cloudevents+json; charset=utf-8', [SIGNATURE_HEADER]: `sha256=${signature}` }, signal);
    },
  };
}

export function slackSender(url: string, source?: ReceiverSource): Sender {
  const endpoint = receiverEndpoint(url, source);
  return {
    send: (message, signal) => post(endpoint, JSON.stringify(slackMessage(message.event as CloudEvent)), { 'content-type': 'application/json' }, signal),
  };
}
