// Which public keys dfw holds to verify signatures with, and the words for one it refuses:
// the host (keys.ts, node:crypto) and the edge (web-keys.ts, Web Crypto) hold the same keys
// and refuse the same ones with the same message, so both give the same facts. Web-standard.
import { InvalidInputError } from '../../shared/errors.js';

/** A configured key dfw cannot hold; the message starts with where it was configured. */
export class KeyConfigError extends InvalidInputError {
  override name = 'KeyConfigError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('invalid_key', message, undefined, options);
  }
}

/**
 * Why a key is refused, after `<where>: `. Curve and type names are OpenSSL's, as node:crypto
 * reports them (asymmetricKeyDetails.namedCurve, asymmetricKeyType). ECDSA is P-256 only:
 * `cosign generate-key-pair` makes P-256 keys, and the host checks ECDSA with SHA-256 alone
 * (keys.ts verifiesWith), so a P-384 key would verify at the edge (SHA-384) and not on the host.
 */
export const KEY_REASONS = {
  notPem: (detail: string) => `not a PEM public key: ${detail}`,
  curve: (curve: string | undefined) => `ECDSA keys must be on P-256 (cosign's curve), not ${curve}`,
  type: (type: string | undefined) => `${type} keys are not supported; use ECDSA P-256, RSA or Ed25519`,
};

/** The key types dfw verifies with (node:crypto's asymmetricKeyType), and the one curve for ECDSA. */
export const HELD_KEY_TYPES: readonly string[] = ['ec', 'rsa', 'ed25519'];
export const HELD_CURVE = 'prime256v1';
