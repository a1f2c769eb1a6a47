// Public keys dfw verifies signatures with, as cosign writes them (PEM SubjectPublicKeyInfo:
// ECDSA P-256, RSA, Ed25519), each named by its fingerprint — "sha256:" + the hex SHA-256
// of the DER SubjectPublicKeyInfo — which is what the bundle's trust policy lists.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HELD_CURVE, HELD_KEY_TYPES, KEY_REASONS, KeyConfigError } from './key-policy.js';

export { KeyConfigError } from './key-policy.js';

/** Where the host's keys are configured, named in the reason when it holds none. */
export const KEYS_SETTING = 'collectors.signatures.keys';

export interface VerificationKey {
  /** "sha256:<hex>" of the DER SubjectPublicKeyInfo. */
  fingerprint: string;
  /** The same digest in base64: the `hint` cosign writes into Sigstore bundles. */
  hint: string;
  key: KeyObject;
}

/** A PEM public key (or a certificate's key) -> VerificationKey; `where` names it in errors. */
export function readVerificationKey(pem: string, where: string): VerificationKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new KeyConfigError(`${where}: ${KEY_REASONS.notPem((err as Error).message)}`, { cause: err });
  }
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve !== HELD_CURVE) throw new KeyConfigError(`${where}: ${KEY_REASONS.curve(key.asymmetricKeyDetails?.namedCurve)}`);
  if (!type || !HELD_KEY_TYPES.includes(type)) throw new KeyConfigError(`${where}: ${KEY_REASONS.type(type)}`);
  return fingerprintKey(key);
}

export function fingerprintKey(key: KeyObject): VerificationKey {
  const digest = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest();
  return { fingerprint: `sha256:${digest.toString('hex')}`, hint: digest.toString('base64'), key };
}

/**
 * True when `signature` verifies over `data` with `key`. cosign signs with SHA-256 for
 * ECDSA (ASN.1 DER signatures) and RSA PKCS#1 v1.5; Ed25519 signs the message itself.
 */
export function verifiesWith(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, signature);
  } catch {
    return false;
  }
}

/** The first key whose signature verifies, or undefined. */
export function findSigner(keys: readonly VerificationKey[], data: Uint8Array, signature: Uint8Array): VerificationKey | undefined {
  return keys.find((k) => verifiesWith(k.key, data, signature));
}

/** Standard or URL-safe base64, padded or not (DSSE allows both) -> bytes; undefined if it is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const normalized = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) return undefined;
  return Buffer.from(normalized, 'base64');
}
