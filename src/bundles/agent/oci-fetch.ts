// The bundle poller over an OCI registry: a fetch-compatible function that answers the
// poller's requests for an oci:// URL as a bundle server would — 304 when the manifest
// digest is the ETag it already has, else 200 with the bundle layer's bytes — so polling,
// signature verification, the last-good cache and the atomic swap are the very same code
// as for a dfw bundle server. The layer's bytes must match the manifest's digest; the
// bundle inside must then pass the signature check like any other. Web-standard.
import { describeThrown } from '../../engine/index.js';
import { GZIP_MEDIA_TYPE } from '../protocol.js';
import { bundleLayerOf, OciClient, type OciCredentials } from './oci-client.js';
import { parseOciReference } from './oci-reference.js';
import type { PublisherLogger } from '../server/revisions.js';

export interface OciFetchOptions {
  credentials?: OciCredentials;
  /** Largest layer downloaded, in bytes. */
  maxBundleBytes?: number;
  logger?: PublisherLogger;
  fetch?: typeof fetch;
}

const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

/** A fetch for BundlePoller's `fetch` option; the poller's URL is the oci:// reference. */
export function createOciFetch(options: OciFetchOptions = {}): typeof fetch {
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const ref = parseOciReference(url);
    const client = new OciClient(ref, {
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const { manifest, digest } = await client.manifest();
    const etag = `"${digest}"`;
    const ifNoneMatch = new Headers(init.headers).get('if-none-match');
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers: { etag } });
    const layer = bundleLayerOf(manifest);
    try {
      const bytes = await client.blob(layer, options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES);
      return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: { etag, 'content-type': GZIP_MEDIA_TYPE, 'content-length': String(bytes.byteLength) } });
    } catch (err) {
      options.logger?.error('bundle layer refused; the last good one keeps serving', { url, manifest: digest, layer: layer.digest, error: describeThrown(err) });
      throw err;
    }
  }) as typeof fetch;
}
