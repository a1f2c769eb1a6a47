// Where an edge evaluator gets its signed bundle: bytes it was handed, or a URL it fetches
// with the Web-standard fetch. Only bytes come out; verification is loadBundle's job.
import { readLimited } from '../bundles/agent/download.js';
import { DfwError } from '../shared/errors.js';

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
export class BundleFetchError extends DfwError {
  override name = 'BundleFetchError';
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, kind: 'unavailable' });
  }
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export function isUrlSource(source: BundleSource): source is BundleUrl {
  return 'url' in source;
}

/** Reads a body up to `limit` bytes (src/bundles/agent/download.ts), as a BundleFetchError otherwise. */
async function readBundleBody(response: Response, limit: number, where: string): Promise<Uint8Array> {
  try {
    return await readLimited(response, limit);
  } catch (err) {
    throw new BundleFetchError('bundle_too_large', `${where}: ${(err as Error).message}`, { cause: err });
  }
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
  return readBundleBody(response, source.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES, where);
}
