// A receiver's URL, checked once when its sender is made, before anything is sent: http or
// https, and no user name or password in it. fetch() refuses such a URL with an error that
// quotes it whole, and a URL ends up in error messages, logs, the outbox's last_error and
// the viewer-readable Notifications page; so dfw refuses it at startup and never quotes it.
import { fixedCodeError } from '../shared/errors.js';

export class ReceiverConfigError extends fixedCodeError('ReceiverConfigError', 'notifications_invalid', 'invalid_input') {}

/** Which receiver a URL belongs to and which key of dfw.yaml gave it, for errors. */
export interface ReceiverSource {
  name: string;
  field: 'url' | 'url_file';
}

function describe(source: ReceiverSource | undefined): string {
  if (!source) return 'notifications: a receiver URL';
  return `notifications: receiver "${source.name}": ${source.field === 'url' ? 'url' : 'the URL in url_file'}`;
}

/** The parsed endpoint; throws ReceiverConfigError, which names the receiver and field but never the URL. */
export function receiverEndpoint(url: string, source?: ReceiverSource): URL {
  const where = describe(source);
  let endpoint: URL;
  try {
    endpoint = new URL(url);
  } catch {
    throw new ReceiverConfigError(`${where} is not a URL`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new ReceiverConfigError(`${where} must start with http:// or https://`);
  if (endpoint.username || endpoint.password) {
    throw new ReceiverConfigError(
      `${where} carries a user name or password (user:password@${endpoint.host}); dfw refuses it, since error messages and logs would show it. ` +
        'Receivers take no credentials in the URL or in headers: a Slack webhook needs none (its URL is the secret: keep it in url_file), ' +
        'and a cloudevents receiver authenticates dfw by the X-DFW-Signature-256 HMAC made with secret_file.',
    );
  }
  return endpoint;
}
