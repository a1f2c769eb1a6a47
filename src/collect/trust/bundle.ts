// Sigstore bundles (v0.1–v0.3), verified with the Sigstore project's own library
// (@sigstore/verify): keyless against an offline trusted_root.json (Fulcio chain, SCTs, Rekor
// entry, the certificate valid at the log's time), or with a key dfw holds (the bundle's
// `hint` names it, as cosign writes it). The identity the certificate carries becomes a
// fact; whether it is trusted is the policy's call.
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import { X509Certificate } from '@sigstore/core';
import { BUNDLE_REASONS, type AttestationFact, type SignatureFact, type SignerIdentity, type TlogEntryFact } from './facts.js';
import { fingerprintKey, type VerificationKey } from './keys.js';
import { readPredicateType } from './envelope.js';
import { COSIGN_SIGN_PREDICATE, payloadTypeReason, statementFact } from './statement.js';

export interface BundleTrust {
  keys: readonly VerificationKey[];
  /** The parsed trusted_root.json; absent means keyless bundles cannot verify. */
  trustedRoot?: TrustedRoot;
  /** Signed certificate timestamps required per certificate (default 1). */
  ctlogThreshold: number;
}

const EMPTY_ROOT = TrustedRoot.fromJSON({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
});

/** Parses a trusted_root.json text (Sigstore protobuf-specs TrustedRoot). */
export function parseTrustedRoot(text: string): TrustedRoot {
  return TrustedRoot.fromJSON(JSON.parse(text));
}

export function isSigstoreBundle(value: unknown): boolean {
  const v = value as { mediaType?: unknown } | null;
  return !!v && typeof v === 'object' && typeof v.mediaType === 'string' && v.mediaType.startsWith('application/vnd.dev.sigstore.bundle');
}

export function trustMaterial(trust: BundleTrust): TrustMaterial {
  return toTrustMaterial(trust.trustedRoot ?? EMPTY_ROOT, (hint: string) => {
    const key = trust.keys.find((k) => k.hint === hint);
    if (!key) throw new Error(BUNDLE_REASONS.unknownKey(hint));
    return { publicKey: key.key, validFor: () => true };
  });
}

function tlogOf(bundle: Bundle): TlogEntryFact | undefined {
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (!entry) return undefined;
  return { log_index: Number(entry.logIndex), integrated_time: new Date(Number(entry.integratedTime) * 1000).toISOString() };
}

function expiryOf(bundle: Bundle): string | undefined {
  const material = bundle.verificationMaterial.content;
  const raw = material.$case === 'certificate' ? material.certificate.rawBytes : material.$case === 'x509CertificateChain' ? material.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (!raw || !entry) return undefined;
  const leaf = X509Certificate.parse(Buffer.from(raw));
  return BUNDLE_REASONS.certificateNotValidAt(new Date(Number(entry.integratedTime) * 1000), leaf.notBefore, leaf.notAfter);
}

export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.message ? (e.code ? `${e.message} (${e.code})` : e.message) : String(err);
}

type Base = Pick<SignatureFact, 'source' | 'format' | 'location'>;

/** Who signed and where it was logged, once the library verified it; or why not. */
export type BundleCheck = { signer: SignerIdentity; tlog?: TlogEntryFact } | { reason: string };

export interface BundleCheckOptions {
  /** The signed bytes of a message-signature bundle (a cosign simple-signing payload). */
  artifact?: Buffer;
  /**
   * The bundle's log entries were checked by the caller (legacy-keyless.ts: Rekor intoto
   * v0.0.1 bodies, which @sigstore/verify does not read): the library then verifies the
   * certificate at the entry's time, the SCTs and the signature, but not the entries.
   */
  entriesCheckedByCaller?: boolean;
}

/**
 * Verifies a parsed bundle's signature with @sigstore/verify: keyless against the trusted
 * root (chain, SCTs, log entry, the certificate valid at the log's time), or with a key dfw
 * holds. The statement inside is the caller's to read.
 */
export function checkBundle(bundle: Bundle, trust: BundleTrust, options: BundleCheckOptions = {}): BundleCheck {
  const keyless = bundle.verificationMaterial.content.$case !== 'publicKey';
  if (keyless && !trust.trustedRoot) {
    return { reason: 'the signature is keyless, and dfw has no trusted root (collectors.signatures.trusted_root) to check its certificate against' };
  }
  // Keyless needs a log entry or timestamp to know when the short-lived certificate was
  // valid; a key has no validity window, so cosign's --tlog-upload=false bundles verify too.
  const thresholds = keyless ? { ctlogThreshold: trust.ctlogThreshold } : { tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 };
  const entity = toSignedEntity(bundle, options.artifact);
  let signer;
  try {
    signer = options.entriesCheckedByCaller
      ? new Verifier(trustMaterial(trust), { ...thresholds, tlogThreshold: 0 }).verify({ ...entity, tlogEntries: [] })
      : new Verifier(trustMaterial(trust), thresholds).verify(entity);
  } catch (err) {
    return { reason: expiryOf(bundle) ?? describeError(err) };
  }
  const identity: SignerIdentity = keyless
    ? {
        ...(signer.identity?.extensions?.issuer ? { issuer: signer.identity.extensions.issuer } : {}),
        ...(signer.identity?.subjectAlternativeName ? { subject: signer.identity.subjectAlternativeName } : {}),
      }
    : { key: fingerprintKey(signer.key).fingerprint };
  const tlog = tlogOf(bundle);
  return { signer: identity, ...(tlog ? { tlog } : {}) };
}

/**
 * Verifies a bundle and returns the attestation fact of its DSSE statement. A cosign image
 * signature in the bundle format is an attestation with predicate type
 * https://sigstore.dev/cosign/sign/v1; the caller files it under signatures.
 */
export function verifyBundle(base: Base, json: unknown, trust: BundleTrust, digest: string): AttestationFact {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    return { ...base, verified: false, reason: `not a valid Sigstore bundle: ${describeError(err)}` };
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return { ...base, verified: false, reason: BUNDLE_REASONS.blobSignature };
  }
  const notInToto = payloadTypeReason(bundle.content.dsseEnvelope.payloadType);
  if (notInToto) return { ...base, verified: false, reason: notInToto };
  const payload = bundle.content.dsseEnvelope.payload;
  const predicateType = readPredicateType(payload);
  const described = { ...base, ...(predicateType ? { predicate_type: predicateType } : {}) };
  if (bundle.verificationMaterial.content.$case !== 'publicKey' && !trust.trustedRoot) {
    return { ...described, verified: false, reason: BUNDLE_REASONS.noTrustedRoot('collectors.signatures.trusted_root') };
  }
  const checked = checkBundle(bundle, trust);
  if ('reason' in checked) return { ...described, verified: false, reason: `the bundle does not verify: ${checked.reason}` };
  return statementFact({ ...described, ...checked }, payload, digest);
}

/** True for a fact that is an image signature rather than an attestation with a predicate. */
export function isImageSignature(fact: AttestationFact): boolean {
  return fact.predicate_type === COSIGN_SIGN_PREDICATE;
}
