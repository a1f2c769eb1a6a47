// The GitHub App's private key. GitHub hands out PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), but
// Web Crypto — and so jose's importPKCS8 — imports only PKCS#8 ("BEGIN PRIVATE KEY"). A
// PKCS#1 key is wrapped into a PKCS#8 PrivateKeyInfo here (RFC 5208 §5: version 0, the
// rsaEncryption AlgorithmIdentifier of RFC 8017 A.1, the PKCS#1 DER as an OCTET STRING),
// which is what `openssl pkcs8 -topk8 -nocrypt` does, so the file can be used as downloaded.
import { importPKCS8 } from 'jose';
import { GitHubIntegrationError } from './errors.js';

const PKCS1 = /-----BEGIN RSA PRIVATE KEY-----([\s\S]+?)-----END RSA PRIVATE KEY-----/;
const PKCS8 = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/;
// SEQUENCE { OBJECT IDENTIFIER 1.2.840.113549.1.1.1 (rsaEncryption), NULL }
const RSA_ALGORITHM_IDENTIFIER = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
const VERSION_0 = [0x02, 0x01, 0x00];

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

function derElement(tag: number, content: Uint8Array | number[]): Uint8Array {
  const body = content instanceof Uint8Array ? content : Uint8Array.from(content);
  const head = [tag, ...derLength(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** A PKCS#8 PEM for `pem`, which may be PKCS#1 (as GitHub issues it) or already PKCS#8. */
export function toPkcs8Pem(pem: string): string {
  const pkcs8 = PKCS8.exec(pem);
  if (pkcs8) return `-----BEGIN PRIVATE KEY-----\n${pkcs8[1]!.trim()}\n-----END PRIVATE KEY-----`;
  const pkcs1 = PKCS1.exec(pem);
  if (!pkcs1) {
    throw new GitHubIntegrationError('github_private_key_invalid', 'the GitHub App private key is not a PEM RSA key ("BEGIN RSA PRIVATE KEY" or "BEGIN PRIVATE KEY")');
  }
  let rsaKey: Uint8Array;
  try {
    rsaKey = base64ToBytes(pkcs1[1]!);
  } catch (err) {
    throw new GitHubIntegrationError('github_private_key_invalid', 'the GitHub App private key PEM is not valid base64', { cause: err });
  }
  const info = derElement(0x30, concat(VERSION_0, RSA_ALGORITHM_IDENTIFIER, derElement(0x04, rsaKey)));
  const lines = bytesToBase64(info).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----`;
}

/** Imports the App's key for RS256 signing; call at startup to fail fast on a bad key file. */
export async function importAppPrivateKey(pem: string): Promise<CryptoKey> {
  try {
    return await importPKCS8(toPkcs8Pem(pem), 'RS256');
  } catch (err) {
    if (err instanceof GitHubIntegrationError) throw err;
    throw new GitHubIntegrationError('github_private_key_invalid', `the GitHub App private key cannot be imported for RS256: ${(err as Error).message}`, { cause: err });
  }
}
