// The registry collector: evidence.registry for the deployed image, from its registry's
// Distribution API v2 — the digest the deployed tag points to, the digests of the newest
// semantic-version tags, and which tag is the newest.
import { semverCompare, semverIsValid } from '../../engine/builtins/semver.js';
import type { EvidenceKind } from '../../evidence/types.js';
import { unavailableFor, type Collector, type CollectorResult } from '../collector.js';
import { CollectorConfigError, mapWithLimit, normalizeBaseUrl, reasonFor } from './http.js';
import { allInline, positiveInteger } from './options.js';
import { RegistryClient, type RegistryEndpoint, type TokenCache } from './registry-client.js';
import { parseImageReference } from '../image-reference.js';
import type { RegistryCollectorConfig } from './registry-config.js';
export type { RegistryEndpointConfig, RegistryCollectorConfig } from './registry-config.js';

export interface RegistryEvidence {
  /** The digest of the deployed tag; absent when the registry has no such tag. */
  digest?: string;
  tags: Record<string, string>;
  /** The newest semantic-version tag; absent when no tag is one. */
  latest?: string;
  /** The deployed manifest's org.opencontainers.image.base.name annotation, when asked for and present. */
  base_image?: string;
}

interface ArtifactRef {
  registry?: string;
  repository?: string;
  tag?: string;
  digest?: string;
}

const KINDS: readonly EvidenceKind[] = ['registry'];
/** OCI image-spec annotations.md: the image reference of the image this one is based on. */
const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';
const CONCURRENCY = 4;
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Semantic-version tags, newest first; equal versions by name, as the latest_version rule shows them. */
export function newestSemverTags(tags: readonly string[]): string[] {
  return tags
    .filter((tag) => semverIsValid(tag) === true)
    .sort((a, b) => ((semverCompare(b, a) as number | undefined) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

export function endpointsFrom(config: RegistryCollectorConfig): Map<string, RegistryEndpoint> {
  if (!config || typeof config.registries !== 'object' || config.registries === null) {
    throw new CollectorConfigError('registry.registries: must map each registry host to its endpoint');
  }
  const endpoints = new Map<string, RegistryEndpoint>();
  for (const [host, e] of Object.entries(config.registries)) {
    const key = host.toLowerCase();
    const fallback = DOCKER_HUB_HOSTS.has(key) ? 'https://registry-1.docker.io' : `https://${key}`;
    if ((e?.username === undefined) !== (e?.password === undefined)) {
      throw new CollectorConfigError(`registry.registries.${host}: username and password go together`);
    }
    endpoints.set(key, {
      host: key,
      baseUrl: normalizeBaseUrl(e?.base_url ?? fallback, `registry.registries.${host}.base_url`),
      ...(e?.username !== undefined ? { username: e.username, password: e.password! } : {}),
      ...(e?.token ? { token: e.token } : {}),
    });
  }
  return endpoints;
}

export function createRegistryCollector(config: RegistryCollectorConfig): Collector {
  const endpoints = endpointsFrom(config);
  const maxTagDigests = positiveInteger(config.max_tag_digests, 10, 'registry.max_tag_digests', 0);
  const maxTagPages = positiveInteger(config.max_tag_pages, 100, 'registry.max_tag_pages');
  const pageSize = config.page_size === undefined ? undefined : positiveInteger(config.page_size, 0, 'registry.page_size');
  const timeoutMs = positiveInteger(config.timeout_ms, 10_000, 'registry.timeout_ms');
  const cacheTtlMs = positiveInteger(config.cache_ttl_ms, 30_000, 'registry.cache_ttl_ms', 0);
  const baseImage = config.base_image === true;
  const tokens: TokenCache = new Map();

  return {
    name: 'registry',
    kinds: KINDS,
    timeoutMs,
    cacheTtlMs,
    cacheKey({ request, input }) {
      if (allInline(request, KINDS)) return null;
      const a = (input.artifact ?? {}) as ArtifactRef;
      return JSON.stringify([a.registry ?? '', a.repository ?? '', a.tag ?? '', a.digest ?? '']);
    },
    async collect({ input, signal }): Promise<CollectorResult> {
      const artifact = (input.artifact ?? {}) as ArtifactRef;
      const fail = (reason: string): CollectorResult => unavailableFor(['registry'], reason);
      if (!artifact.registry || !artifact.repository) return fail('the request names no image registry and repository');
      const endpoint = endpoints.get(artifact.registry.toLowerCase());
      if (!endpoint) return fail(`registry ${artifact.registry} is not configured in dfw (collectors.registry.registries), so it is not asked`);
      const client = new RegistryClient(endpoint, artifact.repository, signal, tokens);
      try {
        const registry = await readRegistry(client, artifact, maxTagDigests, maxTagPages, pageSize);
        if (baseImage && registry.digest) {
          const base = (await client.manifestAnnotations(registry.digest))?.[BASE_NAME_ANNOTATION];
          if (base) registry.base_image = base;
        }
        return { evidence: { registry }, unavailable: {} };
      } catch (err) {
        return fail(reasonFor(client.service, err));
      }
    },
  };
}

async function readRegistry(client: RegistryClient, artifact: ArtifactRef, maxTagDigests: number, maxTagPages: number, pageSize: number | undefined): Promise<RegistryEvidence> {
  const { tags, manifests } = await client.listTags(maxTagPages, pageSize);
  const newest = newestSemverTags(tags);
  const wanted = new Set(newest.slice(0, maxTagDigests));
  if (artifact.tag) wanted.add(artifact.tag);
  const resolved = await mapWithLimit([...wanted], CONCURRENCY, async (tag) => [tag, manifests.get(tag) ?? (await client.resolveDigest(tag))] as const);
  const tagDigests: Record<string, string> = {};
  for (const [tag, digest] of resolved) if (digest) tagDigests[tag] = digest;
  const evidence: RegistryEvidence = { tags: tagDigests };
  // By tag, the registry vouches for what the tag points to; by digest alone, that it holds it.
  const digest = artifact.tag ? tagDigests[artifact.tag] : artifact.digest ? await client.resolveDigest(artifact.digest) : undefined;
  if (digest) evidence.digest = digest;
  if (newest[0] !== undefined) evidence.latest = newest[0];
  return evidence;
}

/**
 * Tag -> digest through the configured registries, for the admission webhook: the image a
 * Pod names by tag is checked at the digest the registry serves for it, so what was
 * checked is what runs. Undefined for an unconfigured registry or an unknown tag.
 */
export function createDigestResolver(config: RegistryCollectorConfig): (image: string) => Promise<string | undefined> {
  const endpoints = endpointsFrom(config);
  const timeoutMs = positiveInteger(config.timeout_ms, 10_000, 'registry.timeout_ms');
  const tokens: TokenCache = new Map();
  return async (image) => {
    const ref = parseImageReference(image);
    if (ref.digest) return ref.digest;
    const endpoint = endpoints.get(ref.registry.toLowerCase());
    if (!endpoint) return undefined;
    const client = new RegistryClient(endpoint, ref.repository, AbortSignal.timeout(timeoutMs), tokens);
    return client.resolveDigest(ref.tag ?? 'latest');
  };
}
