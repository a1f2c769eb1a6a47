// A Distribution API v2 client (OCI distribution-spec) for one repository: manifests by
// tag or digest and the tag list with Link pagination; a 401 is answered once through
// registry-auth.ts and the request retried.
import { CollectorFailure, describeResponse, fetchOrFail, nextLink, readJson } from './http.js';
import { RegistryAuth, type RegistryEndpoint, type TokenCache } from './registry-auth.js';
import { DIGEST } from '../image-reference.js';
import { sha256Hex } from '../../shared/sha256.js';

export type { RegistryEndpoint, TokenCache } from './registry-auth.js';

/** Manifest media types dfw accepts, so the registry answers with the digest clients pull. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');


export class RegistryClient {
  readonly service: string;
  private readonly auth: RegistryAuth;

  constructor(
    private readonly endpoint: RegistryEndpoint,
    private readonly repository: string,
    private readonly signal: AbortSignal,
    tokens: TokenCache,
  ) {
    this.service = `registry ${endpoint.host}`;
    this.auth = new RegistryAuth(endpoint, repository, this.service, signal, tokens);
  }

  private send(url: string, method: string, accept?: string): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'dfw-collector' };
    if (accept) headers.accept = accept;
    if (this.auth.header) headers.authorization = this.auth.header;
    return fetchOrFail(this.service, url, { method, headers, signal: this.signal, redirect: 'follow' });
  }

  /** One request, answering one auth challenge. Non-2xx answers are returned, not thrown. */
  async request(path: string, method: 'GET' | 'HEAD' = 'GET', accept?: string): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.endpoint.baseUrl}${path}`;
    const response = await this.send(url, method, accept);
    if (response.status !== 401 || !(await this.auth.answer(response))) return response;
    await response.body?.cancel();
    return this.send(url, method, accept);
  }

  /**
   * The digest the registry holds for a tag or digest, undefined when it has no such
   * manifest. HEAD first (no body to download); GET when HEAD is refused or leaves out
   * Docker-Content-Digest, then the digest is the sha256 of the exact bytes served.
   */
  async resolveDigest(reference: string): Promise<string | undefined> {
    const path = `/v2/${this.repository}/manifests/${encodeURIComponent(reference)}`;
    const head = await this.request(path, 'HEAD', MANIFEST_ACCEPT);
    if (head.status === 404) return undefined;
    const headDigest = head.headers.get('docker-content-digest');
    if (head.ok && headDigest && DIGEST.test(headDigest)) return headDigest;
    if (!head.ok && head.status !== 405 && head.status !== 400) throw new CollectorFailure(await describeResponse(this.service, head));
    const get = await this.request(path, 'GET', MANIFEST_ACCEPT);
    if (get.status === 404) return undefined;
    if (!get.ok) throw new CollectorFailure(await describeResponse(this.service, get));
    const bytes = await get.arrayBuffer();
    const digest = get.headers.get('docker-content-digest');
    if (digest && DIGEST.test(digest)) return digest;
    return `sha256:${await sha256Hex(new Uint8Array(bytes))}`;
  }

  /**
   * The annotations of a manifest (an image manifest or an index), as strings; undefined
   * when the registry has no such manifest.
   */
  async manifestAnnotations(reference: string): Promise<Record<string, string> | undefined> {
    const get = await this.request(`/v2/${this.repository}/manifests/${encodeURIComponent(reference)}`, 'GET', MANIFEST_ACCEPT);
    if (get.status === 404) return undefined;
    if (!get.ok) throw new CollectorFailure(await describeResponse(this.service, get));
    const manifest = (await readJson(this.service, get, `manifest ${reference}`)) as { annotations?: unknown } | null;
    const annotations = manifest && typeof manifest === 'object' ? manifest.annotations : undefined;
    if (!annotations || typeof annotations !== 'object' || Array.isArray(annotations)) return {};
    return Object.fromEntries(Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  /**
   * Every tag, following rel="next" on the registry's own origin. `manifests` holds the
   * digests some registries (GCR, Artifact Registry, registry.k8s.io) list alongside.
   */
  async listTags(maxPages: number, pageSize?: number): Promise<{ tags: string[]; manifests: Map<string, string> }> {
    const tags: string[] = [];
    const manifests = new Map<string, string>();
    const origin = new URL(this.endpoint.baseUrl).origin;
    let url: string | undefined = `${this.endpoint.baseUrl}/v2/${this.repository}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
    for (let page = 0; url; page++) {
      if (page >= maxPages) throw new CollectorFailure(`${this.service} listed more than ${maxPages} pages of tags for ${this.repository}; raise max_tag_pages to read them all`);
      const response = await this.request(url, 'GET', 'application/json');
      if (!response.ok) throw new CollectorFailure(await describeResponse(this.service, response));
      const body = (await readJson(this.service, response, `the tags of ${this.repository}`)) as Record<string, unknown> | null;
      if (!body || typeof body !== 'object' || (body.tags !== null && !Array.isArray(body.tags))) {
        throw new CollectorFailure(`${this.service} answered the tags of ${this.repository} without a tags list`);
      }
      for (const tag of (body.tags as unknown[] | null) ?? []) if (typeof tag === 'string') tags.push(tag);
      const extension = body.manifest && typeof body.manifest === 'object' ? (body.manifest as Record<string, unknown>) : {};
      for (const [digest, info] of Object.entries(extension)) {
        const named = (info as { tag?: unknown })?.tag;
        if (DIGEST.test(digest) && Array.isArray(named)) for (const tag of named) if (typeof tag === 'string') manifests.set(tag, digest);
      }
      const next = nextLink(response.headers.get('link'), url);
      if (next && new URL(next).origin !== origin) throw new CollectorFailure(`${this.service} links the next page of tags to another origin (${new URL(next).origin}); dfw does not follow it`);
      url = next;
    }
    return { tags, manifests };
  }
}
