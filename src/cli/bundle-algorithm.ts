// The JWS algorithm a bundle's signature is verified with, chosen alike by every command that
// verifies bundles (serve, check, replay, what-if, report): --bundle-alg, or
// DFW_BUNDLE_ALGORITHM as the edge runtime reads it; else dfw.yaml's bundle.algorithm; and
// when that is the default RS256 but the key is not an RSA key, the key's own algorithm.
// The key decides which algorithms can verify at all (an EC P-256 key only ES256), so
// choosing from it gives an attacker nothing; an algorithm named explicitly that cannot be
// used with the key is refused here with what to use instead.
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { BUNDLE_CONFIG_SCHEMA, DEFAULT_BUNDLE_CONFIG } from '../bundles/agent/config.js';
import { CliError } from './exit-codes.js';

export const BUNDLE_ALGORITHMS: readonly string[] = BUNDLE_CONFIG_SCHEMA.properties.algorithm.enum;

// Node's curve names, the JOSE name and the algorithm each verifies (RFC 7518 §3.4).
const EC_CURVES: Record<string, { name: string; algorithm: string }> = {
  prime256v1: { name: 'P-256', algorithm: 'ES256' },
  secp384r1: { name: 'P-384', algorithm: 'ES384' },
  secp521r1: { name: 'P-521', algorithm: 'ES512' },
};

/** --bundle-alg, also read from DFW_BUNDLE_ALGORITHM. */
export function bundleAlgorithmOption(): Option {
  return new Option('--bundle-alg <alg>', "JWS algorithm the bundle is signed with (default: bundle.algorithm of the dfw.yaml read, else RS256; with an EC --bundle-key its own: ES256 for P-256, ES384, ES512)")
    .choices([...BUNDLE_ALGORITHMS])
    .env('DFW_BUNDLE_ALGORITHM');
}

interface KeyKind {
  /** "an EC P-256 key", for messages. */
  name: string;
  /** The algorithms that can verify with it, the usual one first. */
  algorithms: string[];
}

/** What the PEM in `file` is, or undefined when it is no public key or certificate (an HS* secret, or unreadable: readVerification says so). */
function keyKind(file: string): KeyKind | undefined {
  let key: KeyObject;
  try {
    const pem = readFileSync(file, 'utf8');
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const known = Object.hasOwn(EC_CURVES, curve) ? EC_CURVES[curve] : undefined;
    return { name: `an EC ${known?.name ?? curve} key`, algorithms: known ? [known.algorithm] : [] };
  }
  if (key.asymmetricKeyType === 'rsa') return { name: 'an RSA key', algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] };
  if (key.asymmetricKeyType === 'rsa-pss') return { name: 'an RSA-PSS key', algorithms: ['PS256', 'PS384', 'PS512'] };
  return { name: `an ${key.asymmetricKeyType ?? 'unknown'} key`, algorithms: [] };
}

/**
 * The algorithm to verify a bundle with `keyFile`. `chosen`: --bundle-alg or
 * DFW_BUNDLE_ALGORITHM (`chosenBy` names which, for the error); `configured`: dfw.yaml's
 * bundle.algorithm (RS256 when it names none).
 */
export function bundleAlgorithm(keyFile: string | undefined, chosen: string | undefined, configured: string = DEFAULT_BUNDLE_CONFIG.algorithm, chosenBy = '--bundle-alg'): string {
  const kind = keyFile ? keyKind(keyFile) : undefined;
  if (chosen) {
    if (kind && !kind.algorithms.includes(chosen)) {
      const instead = kind.algorithms.length ? `use ${kind.algorithms[0]}${kind.algorithms.length > 1 ? ` (or ${kind.algorithms.slice(1).join(', ')})` : ''}` : 'dfw verifies bundles with RSA and EC P-256/P-384/P-521 keys only';
      throw new CliError(`${chosenBy} ${chosen} cannot verify a bundle with ${keyFile}, ${kind.name}: ${instead}`);
    }
    return chosen;
  }
  if (kind && configured === DEFAULT_BUNDLE_CONFIG.algorithm && !kind.algorithms.includes(configured) && kind.algorithms[0]) return kind.algorithms[0];
  return configured;
}

/** Where commander took --bundle-alg from, for bundleAlgorithm's error. */
export function bundleAlgorithmSource(source: string | undefined): string {
  return source === 'env' ? 'DFW_BUNDLE_ALGORITHM' : '--bundle-alg';
}
