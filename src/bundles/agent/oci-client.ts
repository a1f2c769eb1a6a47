// A small client of the OCI distribution API (v2) for policy bundles: resolve a manifest,
// fetch a blob and check its digest, push blobs and a manifest. A bundle is stored the way
// OPA's OCI downloader (v1/download/oci_download.go) reads it: an image manifest whose
// layer of media type application/vnd.oci.image.layer.v1.tar+gzip is the bundle .tar.gz.
// Anonymous, Basic or Bearer-token auth (the registry's WWW-Authenticate challenge).
// Web-standard APIs only.
import { sha256Hex } from '../../shared/sha256.js';
import { readLimited } from './download.js';
import type { OciReference } from './oci-reference.js';

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
/** The one layer media type OPA's OCI downloader takes as the bundle. */
export const OPA_BUNDLE_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface OciCredentials {
  username: string;
  password: string;
}

export interface OciClientOptions {
  credentials?: OciCredentials;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** "sha256:<hex>" of bytes. */
export async function ociDigest(bytes: Uint8Array | string): Promise<string> {
  return `sha256:${await sha256Hex(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes)}`;
}

function basic(credentials: OciCredentials): string {
  return `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`;
}

/** The parameters of a `Bearer realm="…",service="…",scope="…"` challenge. */
function challengeParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return params;
}

export class OciClient {
  private authorization: string | undefined;

  constructor(
    readonly ref: OciReference,
    private readonly options: OciClientOptions = {},
  ) {}

  private url(path: string): string {
    return `${this.ref.baseUrl}/v2/${this.ref.repository}/${path}`;
  }

  /** One request, answering the registry's auth challenge once (RFC 6750 / the Docker token flow). */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const doFetch = this.options.fetch ?? fetch;
    const send = () => {
      const headers = new Headers(init.headers);
      if (this.authorization) headers.set('authorization', this.authorization);
      return doFetch(url, { ...init, headers, ...(this.options.signal ? { signal: this.options.signal } : {}), redirect: 'follow' });
    };
    let response = await send();
    if (response.status !== 401) return response;
    const challenge = response.headers.get('www-authenticate') ?? '';
    await response.body?.cancel();
    if (/^basic/i.test(challenge) && this.options.credentials) this.authorization = basic(this.options.credentials);
    else if (/^bearer/i.test(challenge)) this.authorization = await this.token(challengeParams(challenge));
    else return response;
    response = await send();
    return response;
  }

  private async token(params: Record<string, string>): Promise<string> {
    if (!params.realm) throw new Error('the registry asked for a token without saying where to get one');
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const headers: Record<string, string> = this.options.credentials ? { authorization: basic(this.options.credentials) } : {};
    const r = await (this.options.fetch ?? fetch)(url, { headers, ...(this.options.signal ? { signal: this.options.signal } : {}) });
    if (!r.ok) throw new Error(`the registry's token service ${url.origin} answered ${r.status}`);
    const body = (await r.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`the registry's token service ${url.origin} gave no token`);
    return `Bearer ${token}`;
  }

  private async failure(response: Response, what: string): Promise<Error> {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    return new Error(`${what}: the registry ${this.ref.registry} answered ${response.status}${text ? `: ${text}` : ''}`);
  }

  /** The manifest at the reference and its digest (the digest of the bytes the registry sent). */
  async manifest(maxBytes = 4 * 1024 * 1024): Promise<{ manifest: OciManifest; digest: string }> {
    const r = await this.request(this.url(`manifests/${this.ref.reference}`), { headers: { accept: OCI_MANIFEST_MEDIA_TYPE } });
    if (!r.ok) throw await this.failure(r, `manifest ${this.ref.repository}:${this.ref.reference}`);
    const bytes = await readLimited(r, maxBytes);
    const digest = await ociDigest(bytes);
    if (this.ref.reference.startsWith('sha256:') && digest !== this.ref.reference) throw new Error(`the registry sent a manifest whose digest is ${digest}, not ${this.ref.reference}`);
    let manifest: OciManifest;
    try {
      manifest = JSON.parse(new TextDecoder().decode(bytes)) as OciManifest;
    } catch {
      throw new Error(`the manifest of ${this.ref.repository}:${this.ref.reference} is not JSON`);
    }
    if (!Array.isArray(manifest.layers)) throw new Error(`${this.ref.repository}:${this.ref.reference} is not an image manifest (no layers)`);
    return { manifest, digest };
  }

  /** A blob, refused unless its bytes have the descriptor's digest and size. */
  async blob(descriptor: OciDescriptor, maxBytes: number): Promise<Uint8Array> {
    if (descriptor.size > maxBytes) throw new Error(`the layer is ${descriptor.size} bytes, more than the limit of ${maxBytes}`);
    const r = await this.request(this.url(`blobs/${descriptor.digest}`));
    if (!r.ok) throw await this.failure(r, `blob ${descriptor.digest}`);
    const bytes = await readLimited(r, maxBytes);
    const digest = await ociDigest(bytes);
    if (digest !== descriptor.digest) throw new Error(`the layer's content has digest ${digest}, but the manifest names ${descriptor.digest}: refused`);
    if (bytes.byteLength !== descriptor.size) throw new Error(`the layer is ${bytes.byteLength} bytes, but the manifest says ${descriptor.size}: refused`);
    return bytes;
  }

  /** Uploads a blob unless the registry has it (monolithic upload: POST then PUT ?digest=). */
  async pushBlob(bytes: Uint8Array, mediaType: string): Promise<OciDescriptor> {
    const digest = await ociDigest(bytes);
    const descriptor = { mediaType, digest, size: bytes.byteLength };
    const head = await this.request(this.url(`blobs/${digest}`), { method: 'HEAD' });
    if (head.ok) return descriptor;
    const start = await this.request(this.url('blobs/uploads/'), { method: 'POST' });
    if (start.status !== 202) throw await this.failure(start, 'starting a blob upload');
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (!location) throw new Error(`the registry ${this.ref.registry} started an upload without a Location`);
    const target = new URL(location, `${this.ref.baseUrl}/`);
    target.searchParams.set('digest', digest);
    const put = await this.request(target.href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes as Uint8Array<ArrayBuffer> });
    if (put.status !== 201) throw await this.failure(put, `uploading blob ${digest}`);
    await put.body?.cancel();
    return descriptor;
  }

  /** Puts the manifest at the reference; returns its digest. */
  async pushManifest(manifest: OciManifest): Promise<string> {
    const text = JSON.stringify(manifest);
    const r = await this.request(this.url(`manifests/${this.ref.reference}`), { method: 'PUT', headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE }, body: text });
    if (r.status !== 201) throw await this.failure(r, `putting the manifest ${this.ref.repository}:${this.ref.reference}`);
    await r.body?.cancel();
    return ociDigest(text);
  }
}

/** The bundle's layer in a manifest, as OPA's downloader picks it: the first tar+gzip layer. */
export function bundleLayerOf(manifest: OciManifest): OciDescriptor {
  const layer = manifest.layers.find((l) => l.mediaType === OPA_BUNDLE_LAYER_MEDIA_TYPE);
  if (!layer) throw new Error(`the manifest has no layer of media type ${OPA_BUNDLE_LAYER_MEDIA_TYPE} (an OPA bundle artifact has one)`);
  return layer;
}

/**
 * Pushes a bundle .tar.gz as an OPA bundle artifact: an empty-object config and one layer.
 * Returns the manifest digest.
 */
export async function pushBundleArtifact(client: OciClient, bundle: Uint8Array, annotations: Record<string, string> = {}): Promise<{ digest: string; layer: OciDescriptor }> {
  const config = await client.pushBlob(new TextEncoder().encode('{}'), OCI_CONFIG_MEDIA_TYPE);
  const layer = await client.pushBlob(bundle, OPA_BUNDLE_LAYER_MEDIA_TYPE);
  const digest = await client.pushManifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config,
    layers: [{ ...layer, annotations: { 'org.opencontainers.image.title': 'bundle.tar.gz' } }],
    ...(Object.keys(annotations).length ? { annotations } : {}),
  });
  return { digest, layer };
}
