// Web Crypto pieces the Web-standard verifiers share (web-verify.ts, web-bundle.ts): base64,
// DER signatures to the form Web Crypto takes, and public keys (PEM or DER
// SubjectPublicKeyInfo) imported for verification. No node: imports: the edge bundle uses them.
import { sha256Hex } from '../../shared/sha256.js';

export type Bytes = Uint8Array<ArrayBuffer>;

/** Standard or URL-safe base64, padded or not -> bytes; undefined if it is not base64. */
export function decodeBase64Web(text: string): Bytes | undefined {
  const normalized = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) return undefined;
  try {
    const binary = atob(normalized.padEnd(Math.ceil(normalized.length / 4) * 4, '='));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export function encodeBase64Web(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * ECDSA signatures in X.509, cosign and Sigstore are ASN.1 DER (SEQUENCE of INTEGER r, s);
 * Web Crypto takes the IEEE P1363 form, r and s as `size`-byte big-endian numbers side by side.
 */
function derToP1363(der: Uint8Array, size = 32): Bytes | undefined {
  let i = 0;
  if (der[i++] !== 0x30) return undefined;
  let length = der[i++] ?? 0;
  if (length & 0x80) i += length & 0x7f;
  const out = new Uint8Array(size * 2);
  for (const offset of [0, size]) {
    if (der[i++] !== 0x02) return undefined;
    length = der[i++] ?? 0;
    let value = der.subarray(i, i + length);
    i += length;
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) return undefined;
    out.set(value, offset + size - value.length);
  }
  return out;
}

/** A public key ready to verify; `hash` overrides the key's usual one (a certificate's signature algorithm names it). */
export interface WebKey {
  /** "sha256:<hex>" of the DER SubjectPublicKeyInfo (keys.ts names keys the same way). */
  fingerprint: string;
  /** The same digest in base64: the `hint` cosign writes into Sigstore bundles. */
  hint: string;
  verify(data: Uint8Array, signature: Uint8Array, hash?: 'SHA-256' | 'SHA-384' | 'SHA-512'): Promise<boolean>;
}

// DER of the named-curve parameters in an EC SubjectPublicKeyInfo, by Web Crypto curve name.
const CURVES: Array<{ curve: string; size: number; hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; oid: string }> = [
  { curve: 'P-256', size: 32, hash: 'SHA-256', oid: '06082a8648ce3d030107' },
  { curve: 'P-384', size: 48, hash: 'SHA-384', oid: '06052b81040022' },
  { curve: 'P-521', size: 66, hash: 'SHA-512', oid: '06052b81040023' },
];

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

type Algorithm = { import: EcKeyImportParams | RsaHashedImportParams | { name: string }; verify: (hash: string) => EcdsaParams | { name: string }; p1363Size?: number; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' };

function algorithmsFor(spki: Uint8Array): Algorithm[] {
  const text = hex(spki);
  const curve = CURVES.find((c) => text.includes(c.oid));
  const rsa = (hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): Algorithm => ({ import: { name: 'RSASSA-PKCS1-v1_5', hash }, verify: () => ({ name: 'RSASSA-PKCS1-v1_5' }), hash });
  return [
    ...(curve ? [{ import: { name: 'ECDSA', namedCurve: curve.curve }, verify: (hash: string) => ({ name: 'ECDSA', hash }), p1363Size: curve.size, hash: curve.hash }] : []),
    rsa('SHA-256'),
    { import: { name: 'Ed25519' }, verify: () => ({ name: 'Ed25519' }), hash: 'SHA-256' },
  ];
}

/**
 * A DER SubjectPublicKeyInfo -> WebKey: ECDSA (P-256, P-384, P-521; SHA-256/384/512 by
 * curve unless the caller names the hash), RSA PKCS#1 v1.5, Ed25519; or the error of the
 * last algorithm tried when Web Crypto imports it as none. Certificates and trusted-root keys
 * (Fulcio's CA is P-384) come here as they are; the keys dfw is configured with go through
 * web-keys.ts first, which holds them to the host's rules.
 */
export async function importSpkiOrThrow(der: Bytes): Promise<WebKey> {
  const digest = await sha256Hex(der);
  const hint = encodeBase64Web(Uint8Array.from(digest.match(/../g)!, (h) => parseInt(h, 16)));
  let refusal: unknown;
  for (const algorithm of algorithmsFor(der)) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey('spki', der, algorithm.import, false, ['verify']);
    } catch (err) {
      refusal = err;
      continue;
    }
    const rsaKeys = new Map<string, Promise<CryptoKey>>();
    return {
      fingerprint: `sha256:${digest}`,
      hint,
      async verify(data, signature, hash = algorithm.hash) {
        const sig = algorithm.p1363Size ? (derToP1363(signature, algorithm.p1363Size) ?? (signature.length === algorithm.p1363Size * 2 ? signature : undefined)) : signature;
        if (!sig) return false;
        try {
          // An RSA key is bound to one hash when imported: another hash needs its own import.
          let use = key;
          if (algorithm.import.name === 'RSASSA-PKCS1-v1_5' && hash !== algorithm.hash) {
            if (!rsaKeys.has(hash)) rsaKeys.set(hash, crypto.subtle.importKey('spki', der, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']));
            use = await rsaKeys.get(hash)!;
          }
          return await crypto.subtle.verify(algorithm.verify(hash), use, sig as Bytes, data as Bytes);
        } catch {
          return false;
        }
      },
    };
  }
  throw refusal instanceof Error ? refusal : new Error(String(refusal));
}

/** importSpkiOrThrow, undefined when Web Crypto imports the key as none of the algorithms. */
export async function importSpki(der: Bytes): Promise<WebKey | undefined> {
  try {
    return await importSpkiOrThrow(der);
  } catch {
    return undefined;
  }
}

/** DSSE's pre-authentication encoding: "DSSEv1 <len> <type> <len> <payload>" (DSSE protocol.md). */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Bytes {
  const type = new TextEncoder().encode(payloadType);
  const head = new TextEncoder().encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** A failed check, worded as @sigstore/verify words it (message and code), so reasons read alike on both verifiers. */
export class VerificationFailure extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(code ? `${message} (${code})` : message);
  }
}
