// Where an edge evaluator gets its signed bundle: bytes it was handed, or a URL it fetches
// with the Web-standard fetch. Only bytes come out; verification is loadBundle's job.
import { FirewallError } from '../engine/index.js';

/** Bytes already in hand (bundled with the code, read from a cache, posted by a page). */
export interface BundleBytes {
  bytes: Uint8Array | ArrayBuffer;
}

/** A bundle server URL, e.g. https://dfw.example.com/v1/bundles/firewall, or a static file. */
export interface BundleUrl {
  url: string | URL;
  /** Extra request headers, e.g. Authorization for a bundle server that needs a token. */
  headers?: Record<string, string>;
  /** Largest download accepted, in bytes (compressed); DEFAULT_MAX_DOWNLOAD_BYTES by default. */
  maxBytes?: number;
  /** The fetch to use; the global one by default (tests and service bindings pass their own). */
  fetch?: (input: Request) => Promise<Response>;
}

export type BundleSource = BundleBytes | BundleUrl;

/** The bundle could not be downloaded: nothing was verified, nothing is activated. */
export class BundleFetchError extends FirewallError {
  override name = 'BundleFetchError';
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export function isUrlSource(source: BundleSource): source is BundleUrl {
  return 'url' in source;
}

/** Reads a body up to `limit` bytes, so a hostile or broken server cannot exhaust memory. */
async function readLimited(response: Response, limit: number, where: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new BundleFetchError('bundle_too_large', `${where}: the bundle is ${declared} bytes, more than the limit of ${limit}`);
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BundleFetchError('bundle_too_large', `${where}: the bundle is larger than the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** The bundle's bytes. Throws BundleFetchError when a URL cannot be downloaded. */
export async function readBundleSource(source: BundleSource): Promise<Uint8Array> {
  if (!isUrlSource(source)) return source.bytes instanceof Uint8Array ? source.bytes : new Uint8Array(source.bytes);
  const where = String(source.url);
  const doFetch = source.fetch ?? ((request: Request) => fetch(request));
  let response: Response;
  try {
    // Accept names both what opa build writes and what a bundle server may label it.
    const request = new Request(where, { headers: { accept: 'application/gzip, application/vnd.openpolicyagent.bundles, */*', ...(source.headers ?? {}) } });
    response = await doFetch(request);
  } catch (err) {
    throw new BundleFetchError('bundle_fetch_failed', `${where}: the bundle cannot be downloaded: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new BundleFetchError('bundle_fetch_failed', `${where}: the bundle server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  return readLimited(response, source.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES, where);
}
