// What a failed delivery says, before it is logged, stored as the outbox's last_error and
// shown on the console: the receiver's host and the reason, never its URL. A Slack webhook's
// path is its secret (https://api.slack.com/messaging/webhooks), fetch() quotes a URL it
// refuses whole, and a receiver or proxy may quote the path back in its answer ("Cannot POST
// /services/T000/B000/XXXX"). Also whether trying again can help.
import { DfwError } from '../shared/errors.js';
import { withoutUrlSecrets } from '../store/outbox.js';

/** A receiver refused or did not answer; `permanent` ones are not retried. */
export class DeliveryError extends DfwError {
  override name = 'DeliveryError';
  constructor(message: string, readonly permanent = false, cause?: unknown) {
    super('delivery_failed', message, { kind: 'unavailable', ...(cause === undefined ? {} : { cause }) });
  }
}

/** `text` with the endpoint's path and query, and any URL's, taken out. */
export function redactEndpoint(text: string, endpoint: URL): string {
  const path = `${endpoint.pathname}${endpoint.search}`;
  const withoutPath = path.length > 1 ? text.split(path).join('/…') : text;
  return withoutUrlSecrets(endpoint.pathname.length > 1 ? withoutPath.split(endpoint.pathname).join('/…') : withoutPath);
}

/**
 * fetch() threw: no answer came. Node's fetch (undici) says why in `cause`: network and TLS
 * failures carry a code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET, CERT_HAS_EXPIRED) and may
 * pass; a request that could not be made at all (a URL fetch refuses, a port it blocks, a
 * redirect, which is not followed) fails the same way every time, so it is not retried.
 */
export function requestFailure(endpoint: URL, err: unknown, signal: AbortSignal): DeliveryError {
  const at = `POST ${endpoint.host}`;
  if (signal.aborted) return new DeliveryError(`${at}: no answer before the timeout`);
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const said = cause instanceof Error ? redactEndpoint(cause.message, endpoint).trim() : '';
  if (typeof code === 'string' && code !== 'ERR_INVALID_URL') {
    // The socket's or TLS's own words when they name the code ("connect ECONNREFUSED 10.0.0.7:443"), else the code.
    return new DeliveryError(`${at}: ${said.includes(code) ? said : code}`, false, cause);
  }
  if (said === 'unexpected redirect') return new DeliveryError(`${at}: answered with a redirect, which dfw does not follow`, true);
  return new DeliveryError(`${at}: the request cannot be made${said ? ` (${said})` : ''}`, true);
}

/** The receiver answered, but not 2xx. 408 and 429 say "later"; other 4xx will not change by trying again. */
export function answerFailure(endpoint: URL, status: number, body: string): DeliveryError {
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  const said = redactEndpoint(body, endpoint).slice(0, 200);
  return new DeliveryError(`POST ${endpoint.host} answered ${status}${said ? `: ${said}` : ''}`, permanent);
}
