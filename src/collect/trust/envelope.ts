// Key-based verification of what cosign writes without a transparency log: the simple-signing
// payload of a `.sig` layer (the signature is over the payload bytes exactly as stored) and
// the DSSE envelope of an `.att` layer or a pushed envelope (the signature is over DSSE's
// pre-authentication encoding, PAE, of payloadType and payload: DSSE spec, protocol.md).
import { dsse } from '@sigstore/core';
import { noSignerReason, type AttestationFact, type SignatureFact } from './facts.js';
import { decodeBase64, findSigner, KEYS_SETTING, type VerificationKey } from './keys.js';
import { payloadTypeReason, readPredicateType, statementFact } from './statement.js';

export { readPredicateType } from './statement.js';

type Base = Pick<SignatureFact, 'source' | 'format' | 'location'>;

function noSigner(keys: readonly VerificationKey[]): string {
  return noSignerReason(keys.length, KEYS_SETTING);
}

/** The image digest a cosign simple-signing payload names (critical.image.docker-manifest-digest), if it is one. */
export function simpleSigningDigest(payload: Buffer): string | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } };
    const named = value?.critical?.image?.['docker-manifest-digest'];
    return typeof named === 'string' ? named : undefined;
  } catch {
    return undefined;
  }
}

export const NOT_SIMPLE_SIGNING = 'the payload is not a cosign simple-signing payload (no critical.image.docker-manifest-digest)';

/** cosign's simple-signing payload ("critical.image.docker-manifest-digest") signed in a `.sig` layer. */
export function verifySimpleSigning(base: Base, payload: Buffer, signatureBase64: string, keys: readonly VerificationKey[], digest: string): SignatureFact {
  const signed = simpleSigningDigest(payload);
  if (!signed) return { ...base, verified: false, reason: NOT_SIMPLE_SIGNING };
  const signature = decodeBase64(signatureBase64);
  if (!signature || signature.length === 0) return { ...base, digest: signed, verified: false, reason: 'the layer carries no signature (dev.cosignproject.cosign/signature is empty or not base64)' };
  const signer = findSigner(keys, payload, signature);
  if (!signer) return { ...base, digest: signed, verified: false, reason: noSigner(keys) };
  if (signed !== digest) {
    return { ...base, digest: signed, signer: { key: signer.fingerprint }, verified: false, reason: `the signature is over ${signed}, not the deployed ${digest}: it was copied from another image` };
  }
  return { ...base, digest, signer: { key: signer.fingerprint }, verified: true };
}

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid?: string; sig: string }>;
}

export function isEnvelope(value: unknown): value is Envelope {
  const e = value as Partial<Envelope> | null;
  return !!e && typeof e === 'object' && typeof e.payloadType === 'string' && typeof e.payload === 'string' && Array.isArray(e.signatures);
}

/** A DSSE envelope signed with a key: any one signature by a key dfw holds verifies it. */
export function verifyEnvelope(base: Base, envelope: Envelope, keys: readonly VerificationKey[], digest: string): AttestationFact {
  const notInToto = payloadTypeReason(envelope.payloadType);
  if (notInToto) return { ...base, verified: false, reason: notInToto };
  const payload = decodeBase64(envelope.payload);
  if (!payload) return { ...base, verified: false, reason: 'the envelope payload is not base64' };
  const predicateType = readPredicateType(payload);
  const described = { ...base, ...(predicateType ? { predicate_type: predicateType } : {}) };
  if (envelope.signatures.length === 0) return { ...described, verified: false, reason: 'the envelope carries no signature' };
  const pae = dsse.preAuthEncoding(envelope.payloadType, payload);
  for (const s of envelope.signatures) {
    const signature = typeof s?.sig === 'string' ? decodeBase64(s.sig) : undefined;
    const signer = signature && signature.length > 0 ? findSigner(keys, pae, signature) : undefined;
    if (signer) return statementFact({ ...described, signer: { key: signer.fingerprint } }, payload, digest);
  }
  return { ...described, verified: false, reason: noSigner(keys) };
}
