// Where signatures and attestations live in an OCI registry, for one image digest:
// cosign's tag scheme (`sha256-<hex>.sig`: simple-signing layers with the signature in the
// `dev.cosignproject.cosign/signature` annotation; `sha256-<hex>.att`: DSSE envelope layers;
// keyless, either carries its certificate and Rekor bundle in annotations)
// and OCI 1.1 referrers (the referrers API, or its fallback tag `sha256-<hex>` holding an
// index, as cosign --new-bundle-format writes it) carrying Sigstore bundles.
import { createHash } from 'node:crypto';
import { CollectorFailure, describeResponse } from '../collectors/http.js';
import type { RegistryClient } from '../collectors/registry-client.js';
import { CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, REKOR_BUNDLE_ANNOTATION, type LegacyKeylessLayer } from './legacy-keyless.js';

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
const BUNDLE_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(\.v[\d.]+)?\+json/;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Layers larger than this are not downloaded (a signature or attestation is kilobytes). */
const MAX_LAYER_BYTES = 4 * 1024 * 1024;

export type RawTrustItem =
  | { kind: 'simple-signing'; location: string; payload: Buffer; signature: string }
  | { kind: 'envelope'; location: string; json: unknown }
  | { kind: 'bundle'; location: string; json: unknown }
  | { kind: 'legacy-keyless'; location: string; layer: LegacyKeylessLayer }
  | { kind: 'unreadable'; location: string; reason: string; as: 'signature' | 'attestation' };

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

export class RegistryTrustReader {
  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
    /** registry/repository, to name locations. */
    private readonly name: string,
  ) {}

  /** A manifest by tag or digest, or undefined when the registry has none. */
  private async manifest(reference: string): Promise<Manifest | undefined> {
    const response = await this.client.request(`/v2/${this.repository}/manifests/${encodeURIComponent(reference)}`, 'GET', `${OCI_MANIFEST}, ${OCI_INDEX}`);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw new CollectorFailure(await describeResponse(this.client.service, response));
    return (await response.json()) as Manifest;
  }

  /** A layer's bytes, checked against its digest (content addressing is what makes a tag's content this content). */
  private async blob(layer: Descriptor): Promise<Buffer> {
    if ((layer.size ?? 0) > MAX_LAYER_BYTES) throw new CollectorFailure(`layer ${layer.digest} is ${layer.size} bytes, more than the ${MAX_LAYER_BYTES} dfw reads`);
    const response = await this.client.request(`/v2/${this.repository}/blobs/${layer.digest}`, 'GET');
    if (!response.ok) throw new CollectorFailure(await describeResponse(this.client.service, response));
    const bytes = Buffer.from(await response.arrayBuffer());
    const [algorithm, hex] = layer.digest.split(':');
    if (algorithm !== 'sha256' || createHash('sha256').update(bytes).digest('hex') !== hex) {
      throw new CollectorFailure(`${this.client.service} served layer ${layer.digest} with other content`);
    }
    return bytes;
  }

  private async layers(tag: string, as: 'signature' | 'attestation'): Promise<RawTrustItem[]> {
    const manifest = await this.manifest(tag);
    if (!manifest) return [];
    const items: RawTrustItem[] = [];
    for (const [i, layer] of (manifest.layers ?? []).entries()) {
      const location = `${this.name}:${tag} layer ${i}`;
      try {
        const certificate = layer.annotations?.[CERTIFICATE_ANNOTATION];
        if (certificate && ((as === 'signature' && layer.mediaType === SIMPLE_SIGNING) || (as === 'attestation' && layer.mediaType === DSSE_LAYER))) {
          // Keyless: the certificate and Rekor's answer ride in the annotations (legacy-keyless.ts).
          const a = layer.annotations!;
          items.push({
            kind: 'legacy-keyless',
            location,
            layer: { as, bytes: await this.blob(layer), signature: a[SIGNATURE_ANNOTATION] ?? '', certificate, ...(a[CHAIN_ANNOTATION] ? { chain: a[CHAIN_ANNOTATION] } : {}), ...(a[REKOR_BUNDLE_ANNOTATION] ? { rekorBundle: a[REKOR_BUNDLE_ANNOTATION] } : {}) },
          });
        } else if (as === 'signature' && layer.mediaType === SIMPLE_SIGNING) {
          items.push({ kind: 'simple-signing', location, payload: await this.blob(layer), signature: layer.annotations?.[SIGNATURE_ANNOTATION] ?? '' });
        } else if (as === 'attestation' && layer.mediaType === DSSE_LAYER) {
          items.push({ kind: 'envelope', location, json: JSON.parse((await this.blob(layer)).toString('utf8')) });
        } else {
          items.push({ kind: 'unreadable', location, as, reason: `layer media type ${layer.mediaType ?? '(none)'} is not a cosign ${as}` });
        }
      } catch (err) {
        items.push({ kind: 'unreadable', location, as, reason: (err as Error).message });
      }
    }
    return items;
  }

  /** The referrers of `digest`: the OCI 1.1 API when the registry has it, else the fallback tag. */
  private async referrers(digest: string): Promise<{ index: Manifest | undefined; where: string }> {
    const response = await this.client.request(`/v2/${this.repository}/referrers/${digest}`, 'GET', OCI_INDEX);
    if (response.ok) return { index: (await response.json()) as Manifest, where: `${this.name} referrers of ${digest}` };
    await response.body?.cancel();
    // 404 (or 405/400 from registries without the API): OCI distribution-spec's referrers tag schema.
    if (response.status !== 404 && response.status !== 405 && response.status !== 400) {
      throw new CollectorFailure(`${this.client.service} answered ${response.status} for the referrers of ${digest}`);
    }
    const tag = digest.replace(':', '-');
    return { index: await this.manifest(tag), where: `${this.name}:${tag}` };
  }

  private async bundles(digest: string): Promise<RawTrustItem[]> {
    const { index, where } = await this.referrers(digest);
    const items: RawTrustItem[] = [];
    for (const entry of index?.manifests ?? []) {
      const location = `${where} -> ${entry.digest}`;
      try {
        const manifest = await this.manifest(entry.digest);
        // cosign's fallback index lists the empty config's type; the manifest names the bundle.
        const types = [entry.artifactType, manifest?.artifactType, manifest?.config?.artifactType, manifest?.config?.mediaType];
        if (!types.some((t) => BUNDLE_TYPE.test(t ?? ''))) continue; // other referrers (SBOMs, other tools' VSAs) are not signatures
        const layer = (manifest?.layers ?? []).find((l) => BUNDLE_TYPE.test(l.mediaType ?? ''));
        if (!layer) {
          items.push({ kind: 'unreadable', location, as: 'attestation', reason: 'the referrer holds no Sigstore bundle layer' });
          continue;
        }
        items.push({ kind: 'bundle', location, json: JSON.parse((await this.blob(layer)).toString('utf8')) });
      } catch (err) {
        items.push({ kind: 'unreadable', location, as: 'attestation', reason: (err as Error).message });
      }
    }
    return items;
  }

  /** Everything the registry holds about `digest`. Registry failures throw CollectorFailure. */
  async read(digest: string): Promise<RawTrustItem[]> {
    const prefix = digest.replace(':', '-');
    const [signatures, attestations, bundles] = await Promise.all([
      this.layers(`${prefix}.sig`, 'signature'),
      this.layers(`${prefix}.att`, 'attestation'),
      this.bundles(digest),
    ]);
    return [...signatures, ...attestations, ...bundles];
  }
}
