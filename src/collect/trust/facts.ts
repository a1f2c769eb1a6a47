// What the trust collector tells the policy (input.evidence.signatures and
// input.evidence.attestations): one fact per signature or attestation found for the
// deployed digest, verified or not. Crypto happens here on the host; Rego decides whether
// the verified signer is trusted for this image and environment (docs/supply-chain.md).
import type { ParsedEvidence, Provenance } from '../../evidence/types.js';

/** Who signed: a key by fingerprint, or a Fulcio certificate's OIDC issuer and subject (SAN). */
export interface SignerIdentity {
  /** "sha256:<hex>" of the public key's DER SubjectPublicKeyInfo (key-based signatures). */
  key?: string;
  /** The certificate's OIDC issuer extension (1.3.6.1.4.1.57264.1.8, or .1.1). */
  issuer?: string;
  /** The certificate's subject alternative name: a workflow ref, an e-mail address. */
  subject?: string;
}

/** The transparency-log entry that was verified with the signature, when there is one. */
export interface TlogEntryFact {
  log_index: number;
  /** RFC 3339, from the entry's integratedTime. */
  integrated_time: string;
}

/** Where a fact came from; "inline" is the check request's own evidence (src/collect/trust/inline.ts). */
export type TrustSource = 'registry' | 'pushed' | 'inline';
export type TrustFormat = 'cosign' | 'dsse' | 'sigstore-bundle';

export interface SignatureFact {
  verified: boolean;
  source: TrustSource;
  format: TrustFormat;
  /** Where it was found: a registry reference and layer, or a pushed report id. */
  location: string;
  /** The image digest the signed payload names (verified or not, when it could be read). */
  digest?: string;
  signer?: SignerIdentity;
  tlog?: TlogEntryFact;
  /** Why it is not verified, for a person to act on. Absent when verified. */
  reason?: string;
}

export interface AttestationFact extends SignatureFact {
  predicate_type?: string;
  /** The predicate, only when the signature verified (never an unverified claim). */
  predicate?: unknown;
  /** SLSA provenance read from a verified predicate (src/evidence/slsa.ts). */
  provenance?: Provenance;
  /**
   * A verified vulnerability scan or SBOM predicate read by the parser a pushed report of
   * that kind goes through, by kind (a Trivy scan gives vulnerabilities and container_scan):
   * what the rules judge where the environment requires the kind verified.
   */
  evidence?: ParsedEvidence;
  /** Why a verified predicate of a type dfw reads as evidence could not be read. */
  evidence_reason?: string;
}

export interface TrustFacts {
  signatures: SignatureFact[];
  attestations: AttestationFact[];
}

/**
 * Why a key-based signature did not verify, the same words wherever it is checked. `keysSetting`
 * names where this verifier's keys are configured: collectors.signatures.keys on the host,
 * the edge handler's signatureKeys option or DFW_SIGNATURE_KEYS at the edge.
 */
export function noSignerReason(keyCount: number, keysSetting: string): string {
  return keyCount === 0
    ? `dfw holds no verification keys (${keysSetting}), so a key-based signature cannot be checked`
    : `the signature does not verify with any of the ${keyCount} key(s) dfw holds: it was made by another key, or the signed payload was altered`;
}

/**
 * Why a Sigstore bundle cannot be checked or did not verify, the same words from the Node
 * verifier (bundle.ts, @sigstore/verify) and the Web one (web-bundle.ts).
 */
export const BUNDLE_REASONS = {
  blobSignature: 'the bundle holds a message signature over a blob; dfw reads bundles that sign an in-toto statement about the image (cosign --new-bundle-format)',
  /** `setting` names where this verifier's trusted root is configured, as noSignerReason's keysSetting. */
  noTrustedRoot: (setting: string) => `the bundle is signed keyless, and dfw has no trusted root (${setting}) to check its certificate against`,
  unknownKey: (hint: string) => `signed by a key dfw does not hold (hint ${hint})`,
  /**
   * A leaf that was not valid when the log recorded the signature: the library calls it a
   * chain failure; a person needs to know the certificate had expired (or was not yet valid).
   */
  certificateNotValidAt(at: Date, notBefore: Date, notAfter: Date): string | undefined {
    if (at <= notAfter && at >= notBefore) return undefined;
    return `the signing certificate ${at > notAfter ? 'had expired' : 'was not yet valid'} when the transparency log recorded the signature (valid ${notBefore.toISOString()} to ${notAfter.toISOString()}, logged ${at.toISOString()})`;
  },
};

/** A failed verification's fact: kept, with its reason, never dropped (issue 15). */
export function unverified<T extends SignatureFact>(fact: Omit<T, 'verified' | 'reason'>, reason: string): T {
  return { ...fact, verified: false, reason } as T;
}
