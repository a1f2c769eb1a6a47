// The signatures collector: input.evidence.signatures and input.evidence.attestations for
// the deployed digest, from the image's registry (cosign's tag scheme, OCI referrers) and
// from attestations CI pushed (`dfw evidence push --kind attestation`). Every signature is
// verified here — keys from dfw.yaml, keyless against an offline trusted_root.json — and
// recorded as a fact, verified or not with the reason; the bundle's trust policy decides
// which verified signers count (docs/supply-chain.md).
import { readFileSync } from 'node:fs';
import type { EvidenceKind } from '../../evidence/types.js';
import { readAttestation } from '../../evidence/attestation.js';
import type { Store } from '../../store/types.js';
import { unavailableFor, type Collector, type CollectorResult } from '../collector.js';
import { isImageSignature, parseTrustedRoot, verifyBundle, type BundleTrust } from '../trust/bundle.js';
import { isEnvelope, verifyEnvelope, verifySimpleSigning } from '../trust/envelope.js';
import { EXAMPLE_VERIFICATION_KEYS } from '../trust/example-keys.js';
import type { AttestationFact, SignatureFact, TrustFacts, TrustSource } from '../trust/facts.js';
import { withVerificationCache, type InlineVerifier } from '../trust/inline.js';
import { decodeBase64, readVerificationKey, type VerificationKey } from '../trust/keys.js';
import { verifyLegacyKeyless } from '../trust/legacy-keyless.js';
import { RegistryTrustReader, type RawTrustItem } from '../trust/registry-sources.js';
import { CollectorConfigError, reasonFor } from './http.js';
import { positiveInteger } from './options.js';
import { RegistryClient, type RegistryEndpoint, type TokenCache } from './registry-client.js';
import { endpointsFrom, type RegistryCollectorConfig } from './registry.js';
import type { SignaturesCollectorConfig } from './signatures-config.js';

const KINDS: readonly EvidenceKind[] = ['signatures', 'attestations'];

type PushedReports = Pick<Store, 'listReports' | 'getReport'>;

export interface SignaturesCollectorDeps {
  /** collectors.registry, whose endpoints and credentials the registry is read with. */
  registry?: RegistryCollectorConfig;
  /** The evidence store, for pushed attestations. */
  store?: PushedReports;
}

function readText(value: string, where: string): string {
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new CollectorConfigError(`${where}: cannot read ${value}: ${(err as Error).message}`);
  }
}

/** The trust material of the config, read once at start-up so a bad key stops startup. */
export function loadBundleTrust(config: SignaturesCollectorConfig): BundleTrust {
  const keys: VerificationKey[] = (config.keys ?? []).map((k, i) => {
    try {
      return readVerificationKey(readText(k, `signatures.keys[${i}]`), `signatures.keys[${i}]`);
    } catch (err) {
      throw new CollectorConfigError((err as Error).message, { cause: err });
    }
  });
  let trustedRoot;
  if (config.trusted_root) {
    try {
      trustedRoot = parseTrustedRoot(readText(config.trusted_root, 'signatures.trusted_root'));
    } catch (err) {
      if (err instanceof CollectorConfigError) throw err;
      throw new CollectorConfigError(`signatures.trusted_root: ${config.trusted_root} is not a Sigstore trusted root: ${(err as Error).message}`);
    }
  }
  return { keys, ...(trustedRoot ? { trustedRoot } : {}), ctlogThreshold: positiveInteger(config.ctlog_threshold, 1, 'signatures.ctlog_threshold', 0) };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** One raw item -> the fact it gives, filed as a signature or an attestation. */
export function verifyItem(item: RawTrustItem, source: TrustSource, trust: BundleTrust, digest: string): { signature?: SignatureFact; attestation?: AttestationFact } {
  const location = item.location;
  switch (item.kind) {
    case 'simple-signing':
      return { signature: verifySimpleSigning({ source, format: 'cosign', location }, item.payload, item.signature, trust.keys, digest) };
    case 'envelope':
      if (!isEnvelope(item.json)) return { attestation: { source, format: 'dsse', location, verified: false, reason: 'not a DSSE envelope (payloadType, payload, signatures)' } };
      return { attestation: verifyEnvelope({ source, format: 'dsse', location }, item.json, trust.keys, digest) };
    case 'bundle': {
      const fact = verifyBundle({ source, format: 'sigstore-bundle', location }, item.json, trust, digest);
      if (!isImageSignature(fact)) return { attestation: fact };
      // An image signature in the bundle format: its "predicate" is empty by design.
      const { predicate_type: _type, predicate: _predicate, provenance: _provenance, ...signature } = fact;
      return { signature };
    }
    case 'legacy-keyless': {
      const fact = verifyLegacyKeyless({ source, format: item.layer.as === 'signature' ? 'cosign' : 'dsse', location }, item.layer, trust, digest);
      if (fact.verified || trust.keys.length === 0) return { [item.layer.as]: fact };
      // `cosign sign --key … --certificate …` (a team's own PKI) also writes the certificate
      // annotation, with no Rekor entry: such a layer verifies with the configured keys.
      const keyed = verifyItem(
        item.layer.as === 'signature'
          ? { kind: 'simple-signing', location, payload: item.layer.bytes, signature: item.layer.signature }
          : { kind: 'envelope', location, json: parseJson(item.layer.bytes) },
        source,
        trust,
        digest,
      )[item.layer.as]!;
      if (keyed.verified) return { [item.layer.as]: keyed };
      return { [item.layer.as]: { ...fact, reason: `${fact.reason}; nor does it verify with a configured key: ${keyed.reason}` } };
    }
    case 'unreadable':
      return { [item.as]: { source, format: item.as === 'signature' ? 'cosign' : 'dsse', location, verified: false, reason: item.reason } };
  }
}

/**
 * The verifier of the signatures and attestations a check request carries inline: the same
 * verification as the registry's (verifyItem), with the same trust material. Without a
 * `collectors.signatures` section, the embedded example keys (trust/example-keys.ts), which
 * the built-in trust policy trusts for registry.example.com/ only.
 */
export function createInlineVerifier(config?: SignaturesCollectorConfig): InlineVerifier {
  const trust = loadBundleTrust(config ?? { keys: [...EXAMPLE_VERIFICATION_KEYS] });
  return withVerificationCache({
    verify(material, location, digest) {
      const item: RawTrustItem =
        material.kind === 'simple-signing'
          ? { kind: 'simple-signing', location, payload: decodeBase64(material.payload) ?? Buffer.alloc(0), signature: material.signature }
          : { kind: material.kind, location, json: material.json };
      const { signature, attestation } = verifyItem(item, 'inline', trust, digest);
      return signature ? { signature } : { attestation: attestation! };
    },
  });
}

async function pushedItems(store: PushedReports, digest: string): Promise<RawTrustItem[]> {
  const reports = (await store.listReports({ digest })).filter((r) => r.kind === 'attestation');
  const items: RawTrustItem[] = [];
  for (const summary of reports) {
    const report = await store.getReport(summary.id);
    if (!report) continue;
    const location = `pushed report ${summary.id} (by ${summary.pushed_by})`;
    let json: unknown;
    try {
      json = readAttestation(report.raw);
    } catch (err) {
      items.push({ kind: 'unreadable', location, as: 'attestation', reason: (err as Error).message });
      continue;
    }
    items.push(isEnvelope(json) ? { kind: 'envelope', location, json } : { kind: 'bundle', location, json });
  }
  return items;
}

interface ArtifactRef {
  registry?: string;
  repository?: string;
  digest?: string;
}

export function createSignaturesCollector(config: SignaturesCollectorConfig, deps: SignaturesCollectorDeps = {}): Collector {
  const trust = loadBundleTrust(config);
  const endpoints: Map<string, RegistryEndpoint> = config.registry !== false && deps.registry ? endpointsFrom(deps.registry) : new Map();
  const timeoutMs = positiveInteger(config.timeout_ms, 10_000, 'signatures.timeout_ms');
  const cacheTtlMs = positiveInteger(config.cache_ttl_ms, 0, 'signatures.cache_ttl_ms', 0);
  const tokens: TokenCache = new Map();

  return {
    name: 'signatures',
    kinds: KINDS,
    timeoutMs,
    cacheTtlMs,
    cacheKey({ input }) {
      const a = (input.artifact ?? {}) as ArtifactRef;
      return JSON.stringify([a.registry ?? '', a.repository ?? '', a.digest ?? '']);
    },
    async collect({ input, signal }): Promise<CollectorResult> {
      const artifact = (input.artifact ?? {}) as ArtifactRef;
      const digest = artifact.digest;
      if (!digest) return unavailableFor(KINDS, 'the request names no image digest, and signatures are made over a digest: deploy by digest');
      const endpoint = artifact.registry ? endpoints.get(artifact.registry.toLowerCase()) : undefined;
      if (!endpoint && !deps.store) {
        return unavailableFor(KINDS, `registry ${artifact.registry ?? '(none)'} is not configured in dfw (collectors.registry.registries), so its signatures cannot be read`);
      }
      const items: Array<{ item: RawTrustItem; source: TrustSource }> = [];
      if (endpoint && artifact.repository) {
        const client = new RegistryClient(endpoint, artifact.repository, signal, tokens);
        try {
          const reader = new RegistryTrustReader(client, artifact.repository, `${artifact.registry}/${artifact.repository}`);
          for (const item of await reader.read(digest)) items.push({ item, source: 'registry' });
        } catch (err) {
          return unavailableFor(KINDS, `signatures could not be read: ${reasonFor(client.service, err)}`);
        }
      }
      if (deps.store) for (const item of await pushedItems(deps.store, digest)) items.push({ item, source: 'pushed' });
      const facts: TrustFacts = { signatures: [], attestations: [] };
      for (const { item, source } of items) {
        const { signature, attestation } = verifyItem(item, source, trust, digest);
        if (signature) facts.signatures.push(signature);
        if (attestation) facts.attestations.push(attestation);
      }
      return { evidence: { signatures: facts.signatures, attestations: facts.attestations }, unavailable: {} };
    },
  };
}
