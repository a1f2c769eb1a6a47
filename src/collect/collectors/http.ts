// What every collector does over HTTP: fetch with the collector's abort signal, read JSON,
// and turn each way that fails into one sentence a person can act on ("GitHub answered
// 401: Bad credentials", "cannot reach GitHub at https://api.github.com: connect
// ECONNREFUSED …"). Web-standard fetch only; the Kubernetes client has its own transport.
import { describeHttpFailure } from '../collector.js';
import { fixedCodeError } from '../../shared/errors.js';

/** An expected failure of a collector: its message is the `unavailable` reason as is. */
export class CollectorFailure extends fixedCodeError('CollectorFailure', 'collector_failed', 'unavailable') {}

/** A configuration value a factory cannot work with; thrown at startup, not per request. */
export class CollectorConfigError extends fixedCodeError('CollectorConfigError', 'collector_config_invalid', 'invalid_input') {}

/**
 * The message of an error body, whatever the API: GitHub and Kubernetes put it in
 * `message`, the Distribution API in `errors[].code/message`, Jira in `errorMessages[]`
 * and `errors{}`, ServiceNow in `error.message` and `error.detail`.
 */
export function errorMessageOf(body: unknown): string {
  if (typeof body === 'string') return body.trim().length < 200 ? body.trim() : '';
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  if (typeof b.message === 'string') return b.message;
  // Docker's token services answer {"details": "..."}.
  if (typeof b.details === 'string') return b.details;
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    return b.errors
      .map((e) => (e && typeof e === 'object' ? [(e as Record<string, unknown>).code, (e as Record<string, unknown>).message].filter((x) => typeof x === 'string' && x).join(' ') : ''))
      .filter(Boolean)
      .join('; ');
  }
  if (Array.isArray(b.errorMessages) && b.errorMessages.length > 0) return b.errorMessages.filter((m) => typeof m === 'string').join('; ');
  if (b.errors && typeof b.errors === 'object') {
    const fields = Object.entries(b.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`);
    if (fields.length) return fields.join('; ');
  }
  if (b.error && typeof b.error === 'object') {
    const e = b.error as Record<string, unknown>;
    return [e.message, e.detail].filter((x) => typeof x === 'string' && x).join(': ');
  }
  return '';
}

/** The body of a failed answer, parsed as JSON when it is JSON, else its text. */
export async function readErrorBody(response: Response): Promise<unknown> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    return '';
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** "GitHub answered 404: Not Found" from a failed answer. */
export async function describeResponse(service: string, response: Response): Promise<string> {
  return describeHttpFailure(service, response.status, errorMessageOf(await readErrorBody(response)));
}

/** Why a request did not get an answer at all: refused, DNS, TLS, aborted. */
export function describeNetworkError(service: string, url: string, err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  const source = cause instanceof Error ? cause : err instanceof Error ? err : undefined;
  // Happy-eyeballs failures are an AggregateError without a message of its own.
  const inner = source && 'errors' in source && Array.isArray(source.errors) ? (source.errors[0] as Error | undefined) : undefined;
  const detail = source?.message || inner?.message || (source as NodeJS.ErrnoException | undefined)?.code || String(err);
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    /* keep the text */
  }
  return `cannot reach ${service} at ${origin}: ${detail}`;
}

/** fetch that never throws anything but CollectorFailure (or the signal's abort reason). */
export async function fetchOrFail(service: string, url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'follow', ...init });
  } catch (err) {
    if (init.signal.aborted) throw init.signal.reason ?? err;
    throw new CollectorFailure(describeNetworkError(service, url, err));
  }
}

/** The JSON body of a successful answer; malformed JSON is a CollectorFailure naming what was asked. */
export async function readJson(service: string, response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CollectorFailure(`${service} answered ${response.status} with malformed JSON for ${what}: ${(err as Error).message}`);
  }
}

/** The URL of rel="next" in an RFC 8288 Link header, resolved against the request URL. */
export function nextLink(link: string | null, requestUrl: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*((?:;[^;]*)*)/.exec(part.trim());
    if (match && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2] ?? '')) return new URL(match[1]!, requestUrl).toString();
  }
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping order. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The `unavailable` reason for anything a kind's collection threw: a CollectorFailure's
 * own message, or "<service> failed: …" for the unexpected.
 */
export function reasonFor(service: string, err: unknown): string {
  if (err instanceof CollectorFailure) return err.message;
  return `${service} failed: ${err instanceof Error ? err.message : String(err)}`;
}

/** "Basic <base64>" for username and password (RFC 7617, UTF-8). */
export function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** A base URL without its trailing slash, checked once at startup. */
export function normalizeBaseUrl(value: string, key: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CollectorConfigError(`${key}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CollectorConfigError(`${key}: "${value}" must be an http(s) URL`);
  return url.toString().replace(/\/+$/, '');
}
