// Signatures and attestations a check request carries inline (evidence.signatures /
// evidence.attestations). A fact someone typed — `"verified": true` — is a claim, never
// trusted: it is recorded unverified with a reason a person can act on. Raw material (a
// Sigstore bundle, a DSSE envelope, a cosign signature with its payload) is verified with
// dfw's own trust material and becomes a fact like a registry one. Both happen while the
// request becomes the input, so the logged input holds the facts and replay decides alike.
// Web-standard: the edge runtime builds inputs with this file too.
import { deepFreeze } from '../../shared/deep-freeze.js';
import type { AttestationFact, SignatureFact, TrustFormat } from './facts.js';

export const TRUST_KINDS = ['signatures', 'attestations'] as const;
export type TrustKind = (typeof TRUST_KINDS)[number];

interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid?: string; sig: string }>;
}

/** What a pipeline can pass along from cosign; anything else in the lists is a claim. */
export type InlineMaterial =
  /** `cosign generate` payload (base64) and `cosign sign-blob` signature over it (base64). */
  | { kind: 'simple-signing'; payload: string; signature: string }
  /** `cosign attest-blob --key … --output-signature`: a DSSE envelope. */
  | { kind: 'envelope'; json: DsseEnvelope }
  /** A Sigstore bundle (`--bundle`, `--new-bundle-format`). */
  | { kind: 'bundle'; json: unknown };

export type InlineFact = { signature: SignatureFact; attestation?: undefined } | { attestation: AttestationFact; signature?: undefined };

/** Verifies one piece of inline material over `digest`, with the trust material it was made with. */
export interface InlineVerifier {
  verify(material: InlineMaterial, location: string, digest: string): Promise<InlineFact> | InlineFact;
}

/** Material larger than this is verified every time: the cache must not hold request bodies. */
const CACHED_MATERIAL_MAX_CHARS = 64 * 1024;
/** All the cached keys together stay under this many characters (8 MiB of UTF-16 at most). */
const CACHED_KEYS_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Remembers what a verifier answered for the same material, digest and place in the request:
 * verification is a pure function of those and of the verifier's fixed trust material (a
 * keyless certificate is judged at its transparency-log time, not now), and a pipeline sends
 * the same signature for staging, production and every retry. Keyed by the material's text
 * itself: hashing it first (Web Crypto's digest is asynchronous) cost more per check than the
 * lookup saves, and a Map compares the text in native code. Bounded by entries and by the
 * keys' total size (least recently used first); answers are frozen, so no check can change
 * another's facts.
 */
export function withVerificationCache(verifier: InlineVerifier, maxEntries = 1024): InlineVerifier {
  const answers = new Map<string, InlineFact>();
  let keyChars = 0;
  return {
    async verify(material, location, digest) {
      const text = JSON.stringify(material);
      if (text.length > CACHED_MATERIAL_MAX_CHARS) return verifier.verify(material, location, digest);
      const key = `${digest}\u0000${location}\u0000${text}`;
      const known = answers.get(key);
      if (known) {
        answers.delete(key);
        answers.set(key, known);
        return known;
      }
      const fact = deepFreeze(await verifier.verify(material, location, digest));
      if (!answers.has(key)) keyChars += key.length;
      answers.set(key, fact);
      while (answers.size > maxEntries || keyChars > CACHED_KEYS_MAX_CHARS) {
        const oldest = answers.keys().next().value!;
        answers.delete(oldest);
        keyChars -= oldest.length;
      }
      return fact;
    },
  };
}

export const INLINE_CLAIM_ADVICE =
  'dfw counts only signatures it verified itself — send the Sigstore bundle, the DSSE envelope or the cosign signature with its payload instead, or let the signatures collector read the registry';

const NO_DIGEST = 'the request names no image digest, and signatures are made over a digest: deploy by digest';

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** The raw material an entry is, or undefined when it is a claim (fact-shaped or unreadable). */
export function inlineMaterial(entry: unknown): InlineMaterial | undefined {
  if (!isObject(entry)) return undefined;
  if (typeof entry.mediaType === 'string' && entry.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) return { kind: 'bundle', json: entry };
  if (typeof entry.payloadType === 'string' && typeof entry.payload === 'string' && Array.isArray(entry.signatures)) {
    return { kind: 'envelope', json: entry as unknown as DsseEnvelope };
  }
  if (typeof entry.payload === 'string' && typeof entry.signature === 'string') return { kind: 'simple-signing', payload: entry.payload, signature: entry.signature };
  return undefined;
}

const FORMAT_OF: Record<InlineMaterial['kind'], TrustFormat> = { 'simple-signing': 'cosign', envelope: 'dsse', bundle: 'sigstore-bundle' };

function describeClaim(entry: unknown): string {
  if (!isObject(entry)) return 'a value that is not a signature';
  const parts: string[] = [];
  if ('verified' in entry) parts.push(`verified: ${JSON.stringify(entry.verified)}`);
  const signer = isObject(entry.signer) ? entry.signer : {};
  if (typeof signer.key === 'string') parts.push(`signer key ${signer.key}`);
  else if (typeof signer.subject === 'string') parts.push(`signer ${signer.subject}`);
  return parts.length ? `a fact (${parts.join(', ')})` : 'an object that is neither a fact dfw made nor a bundle, envelope or cosign signature';
}

/** A claim's fact: unverified, with why; no predicate or provenance (those count only when verified). */
function claimFact(kind: TrustKind, entry: unknown, location: string): SignatureFact | AttestationFact {
  const claimed = isObject(entry) ? entry : {};
  const format = typeof claimed.format === 'string' && ['cosign', 'dsse', 'sigstore-bundle'].includes(claimed.format) ? (claimed.format as TrustFormat) : kind === 'signatures' ? 'cosign' : 'dsse';
  return {
    source: 'inline',
    format,
    location,
    ...(kind === 'attestations' && typeof claimed.predicate_type === 'string' ? { predicate_type: claimed.predicate_type } : {}),
    verified: false,
    reason: `supplied inline in the check request as ${describeClaim(entry)}: ${INLINE_CLAIM_ADVICE}`,
  };
}

function unverifiedMaterial(material: InlineMaterial, location: string, reason: string): InlineFact {
  const fact = { source: 'inline' as const, format: FORMAT_OF[material.kind], location, verified: false, reason };
  return material.kind === 'simple-signing' ? { signature: fact } : { attestation: fact };
}

interface Entry {
  kind: TrustKind;
  location: string;
  entry: unknown;
  material: InlineMaterial | undefined;
}

function entriesOf(evidence: Record<string, unknown>): Entry[] {
  return TRUST_KINDS.flatMap((kind) => {
    const list = evidence[kind];
    if (!Array.isArray(list)) return [];
    return list.map((entry, i) => ({ kind, location: `check request evidence.${kind}[${i}]`, entry, material: inlineMaterial(entry) }));
  });
}

/**
 * The request's signatures and attestations as facts: claims unverified, material as
 * `factFor` judges it, each filed where it belongs (a bundle that is an image signature
 * under signatures). Only the kinds the request carries, or that its material fills.
 */
function trustFacts(evidence: Record<string, unknown>, factFor: (e: Entry & { material: InlineMaterial }) => InlineFact): Partial<Record<TrustKind, unknown[]>> {
  const lists: Record<TrustKind, unknown[]> = { signatures: [], attestations: [] };
  for (const e of entriesOf(evidence)) {
    if (!e.material) {
      lists[e.kind].push(claimFact(e.kind, e.entry, e.location));
      continue;
    }
    const fact = factFor(e as Entry & { material: InlineMaterial });
    if (fact.signature) lists.signatures.push(fact.signature);
    else lists.attestations.push(fact.attestation);
  }
  return Object.fromEntries(TRUST_KINDS.filter((k) => Array.isArray(evidence[k]) || lists[k].length > 0).map((k) => [k, lists[k]]));
}

/**
 * For buildInput: the request's evidence with its signatures and attestations as facts
 * that trust nothing yet. Raw material waits for the verifier (verifyInlineTrust), which
 * the collector runner applies before anything is evaluated.
 */
export function inlineTrustEvidence(evidence: Record<string, unknown>): Record<string, unknown> {
  return {
    ...evidence,
    ...trustFacts(evidence, (e) => unverifiedMaterial(e.material, e.location, 'not verified: this evaluator was given no verifier for inline signatures')),
  };
}

/** Replaces input.evidence.signatures/attestations with the verified facts of the request's material. */
export async function verifyInlineTrust(requestEvidence: Record<string, unknown> | undefined, input: Record<string, unknown>, verifier: InlineVerifier): Promise<void> {
  const evidence = requestEvidence ?? {};
  const entries = entriesOf(evidence).filter((e): e is Entry & { material: InlineMaterial } => e.material !== undefined);
  if (entries.length === 0) return;
  const digest = (input.artifact as { digest?: unknown } | undefined)?.digest;
  const verified = new Map<string, InlineFact>();
  await Promise.all(
    entries.map(async (e) => {
      let fact: InlineFact;
      if (typeof digest !== 'string') fact = unverifiedMaterial(e.material, e.location, NO_DIGEST);
      else {
        try {
          fact = await verifier.verify(e.material, e.location, digest);
        } catch (err) {
          fact = unverifiedMaterial(e.material, e.location, `verification failed: ${(err as Error)?.message ?? String(err)}`);
        }
      }
      verified.set(e.location, fact);
    }),
  );
  input.evidence ??= {};
  Object.assign(input.evidence as Record<string, unknown>, trustFacts(evidence, (e) => verified.get(e.location)!));
}
