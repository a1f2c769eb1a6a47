// Verifies a bundle's .signatures.json the way OPA does (v1/bundle/verify.go): exactly one
// JWT; the key chosen by the configured key id, else the JWT's `kid` header, else its
// `keyid` claim; the scope must match; then every file's hash, and the file list exactly.
import { compactVerify, importSPKI, importX509, type CryptoKey, type KeyObject } from 'jose';
import { SignatureError } from '../errors.js';
import type { ArchiveFiles } from './archive.js';
import { canonicalJson, CanonicalJsonError } from './canonical-json.js';
import { digestHex } from '../../shared/sha256.js';

export const SIGNATURES_FILE = '.signatures.json';

/** One key an evaluator trusts, as OPA's `keys` config has it. */
export interface TrustedKey {
  /** PEM public key or certificate (RS*, PS*, ES*), or the shared secret for HS*. */
  key: string;
  /** JWS algorithm; OPA's default is RS256. */
  algorithm?: string;
  scope?: string;
}

export interface VerificationConfig {
  /** Trusted keys by key id. A single key given on the command line is "default". */
  keys: Record<string, TrustedKey>;
  /** Forces this key id instead of the JWT's own (OPA's `keyid` in verification config). */
  keyId?: string;
  scope?: string;
}

interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

const WEB_CRYPTO_HASH: Record<string, string> = {
  'SHA-1': 'SHA-1',
  'SHA-256': 'SHA-256',
  'SHA-384': 'SHA-384',
  'SHA-512': 'SHA-512',
};

const decoder = new TextDecoder();
/**
 * Structured files must be valid UTF-8. A lossy decoder would let two different byte
 * sequences hash alike, and it does not replace invalid bytes the way Go does (one U+FFFD
 * per byte), so such a file is refused rather than hashed differently from OPA.
 */
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** OPA hashes data.json, data.yaml and .manifest as canonical JSON; everything else raw. */
function isStructured(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === '.manifest' || base === 'data.yaml' || base === 'data.yml';
}

async function importKey(trusted: TrustedKey, algorithm: string): Promise<CryptoKey | KeyObject | Uint8Array> {
  if (algorithm.startsWith('HS')) return new TextEncoder().encode(trusted.key);
  const pem = trusted.key.trim();
  try {
    if (pem.includes('BEGIN CERTIFICATE')) return await importX509(pem, algorithm);
    if (pem.includes('BEGIN RSA PUBLIC KEY')) {
      throw new Error('PKCS#1 "RSA PUBLIC KEY" PEM is not supported; convert it with `openssl rsa -RSAPublicKey_in -pubout`');
    }
    return await importSPKI(pem, algorithm);
  } catch (err) {
    throw new SignatureError('bundle_key_invalid', `the verification key cannot be used for ${algorithm}: ${(err as Error).message}`, { cause: err });
  }
}

function decodeSegment(segment: string | undefined, what: string): Record<string, unknown> {
  try {
    const text = decoder.decode(Uint8Array.from(atob(segment!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new SignatureError('bundle_signature_malformed', `${SIGNATURES_FILE}: the JWT ${what} is not a base64url JSON object`);
}

function readToken(files: ArchiveFiles): string {
  let signatures: unknown;
  try {
    signatures = JSON.parse(decoder.decode(files.get(SIGNATURES_FILE)!));
  } catch (err) {
    throw new SignatureError('bundle_signature_malformed', `${SIGNATURES_FILE} is not valid JSON`, { cause: err });
  }
  const list = (signatures as { signatures?: unknown })?.signatures;
  if (!Array.isArray(list) || list.length === 0) {
    throw new SignatureError('bundle_signature_malformed', `${SIGNATURES_FILE}: missing JWT (expected exactly one)`);
  }
  if (list.length > 1) throw new SignatureError('bundle_signature_malformed', `${SIGNATURES_FILE}: multiple JWTs not supported (expected exactly one)`);
  if (typeof list[0] !== 'string') throw new SignatureError('bundle_signature_malformed', `${SIGNATURES_FILE}: the signature is not a string`);
  return list[0];
}


async function hashFile(name: string, bytes: Uint8Array, algorithm: string): Promise<string> {
  // Own properties only: a signed "algorithm" of "constructor" must not reach WebCrypto.
  const webAlgorithm = Object.hasOwn(WEB_CRYPTO_HASH, algorithm) ? WEB_CRYPTO_HASH[algorithm] : undefined;
  if (!webAlgorithm) throw new SignatureError('bundle_hash_unsupported', `${name}: hashing algorithm "${algorithm}" is not supported (use SHA-256)`);
  if (!isStructured(name)) return digestHex(webAlgorithm, bytes);
  if (!name.endsWith('.json') && name !== '.manifest' && !name.endsWith('/.manifest')) {
    throw new SignatureError('bundle_hash_unsupported', `${name}: signed YAML data files are not supported; opa build writes data.json`);
  }
  let canonical: string;
  try {
    canonical = canonicalJson(strictDecoder.decode(bytes));
  } catch (err) {
    if (err instanceof CanonicalJsonError) throw new SignatureError('bundle_file_malformed', `${name} is not valid JSON: ${err.message}`, { cause: err });
    if (err instanceof TypeError) throw new SignatureError('bundle_file_malformed', `${name} is not valid UTF-8`, { cause: err });
    throw err;
  }
  return digestHex(webAlgorithm, new TextEncoder().encode(canonical));
}

/**
 * Verifies the signature and every file hash. Returns the key id that verified it.
 * Without a config (no trusted key), only the file hashes are checked against the
 * unverified claims: that catches corruption but proves nothing about who signed, so the
 * result has keyId null. Throws SignatureError naming what failed.
 */
export async function verifyBundleSignature(files: ArchiveFiles, config?: VerificationConfig): Promise<{ keyId: string | null }> {
  const token = readToken(files);
  const [headerPart, payloadPart] = token.split('.');
  const header = decodeSegment(headerPart, 'header');
  const claims = decodeSegment(payloadPart, 'payload');
  if (!config) {
    await verifyFileHashes(files, claims.files);
    return { keyId: null };
  }
  const keyId = config.keyId || (typeof header.kid === 'string' && header.kid) || (typeof claims.keyid === 'string' && claims.keyid) || '';
  if (!keyId) throw new SignatureError('bundle_signature_key_id', 'verification key ID is empty: the JWT names no kid or keyid and none is configured');
  const trusted = config.keys[keyId];
  if (!trusted) {
    throw new SignatureError('bundle_signature_unknown_key', `the bundle is signed with key id "${keyId}", which is not a trusted key (trusted: ${Object.keys(config.keys).join(', ') || 'none'})`);
  }
  const algorithm = trusted.algorithm ?? 'RS256';
  const key = await importKey(trusted, algorithm);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, key, { algorithms: [algorithm] }));
  } catch (err) {
    throw new SignatureError('bundle_signature_invalid', `the bundle signature does not verify with key "${keyId}" (${algorithm}): ${(err as Error).message}`, { cause: err });
  }
  const verified = JSON.parse(decoder.decode(payload)) as { files?: unknown; scope?: unknown };
  const scope = config.scope ?? trusted.scope ?? '';
  if ((verified.scope ?? '') !== scope) throw new SignatureError('bundle_signature_scope', `scope mismatch: the signature has scope "${String(verified.scope ?? '')}", expected "${scope}"`);
  await verifyFileHashes(files, verified.files);
  return { keyId };
}

/** Every file but .signatures.json must be signed with a matching hash, and nothing more. */
async function verifyFileHashes(files: ArchiveFiles, signedFiles: unknown): Promise<void> {
  const signed = new Map<string, SignedFile>();
  for (const f of Array.isArray(signedFiles) ? (signedFiles as SignedFile[]) : []) {
    if (f && typeof f.name === 'string') signed.set(f.name.replace(/^\/+/, ''), f);
  }
  for (const [name, bytes] of files) {
    if (name === SIGNATURES_FILE) continue;
    const entry = signed.get(name);
    if (!entry) throw new SignatureError('bundle_file_unsigned', `${name} is not included in the bundle signature`);
    if (!entry.algorithm) throw new SignatureError('bundle_hash_unsupported', `no hashing algorithm provided for ${name}`);
    const actual = await hashFile(name, bytes, entry.algorithm);
    if (actual !== String(entry.hash).toLowerCase()) {
      throw new SignatureError('bundle_digest_mismatch', `${name}: digest mismatch (signed ${entry.hash}, found ${actual}): the file was changed after signing`);
    }
    signed.delete(name);
  }
  if (signed.size > 0) {
    throw new SignatureError('bundle_file_missing', `file(s) ${[...signed.keys()].join(', ')} specified in the bundle signature but not found in the bundle`);
  }
}
