// The inline verifier of Web-standard evaluators (the edge runtime, and a check service
// built without the Node host's verifier): key-based cosign signatures and DSSE envelopes,
// checked with Web Crypto the way src/collect/trust/envelope.ts checks them with node:crypto
// — same facts, same fingerprints, same reasons. Sigstore bundles need @sigstore/verify,
// which is Node's: here they are recorded unverified with the reason.
import { IN_TOTO_PAYLOAD_TYPE } from '../../evidence/slsa.js';
import { sha256Hex } from '../../shared/sha256.js';
import { noSignerReason, type AttestationFact, type SignatureFact } from './facts.js';
import { withVerificationCache, type InlineFact, type InlineMaterial, type InlineVerifier } from './inline.js';
import { readPredicateType, statementFact } from './statement.js';

interface WebKey {
  fingerprint: string;
  verify(data: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

type Bytes = Uint8Array<ArrayBuffer>;

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

/**
 * cosign's ECDSA signatures are ASN.1 DER (SEQUENCE of INTEGER r, s); Web Crypto takes the
 * IEEE P1363 form, r and s as 32-byte big-endian numbers side by side.
 */
function derToP1363(der: Uint8Array): Bytes | undefined {
  let i = 0;
  if (der[i++] !== 0x30) return undefined;
  let length = der[i++] ?? 0;
  if (length & 0x80) i += length & 0x7f;
  const out = new Uint8Array(64);
  for (const offset of [0, 32]) {
    if (der[i++] !== 0x02) return undefined;
    length = der[i++] ?? 0;
    let value = der.subarray(i, i + length);
    i += length;
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) return undefined;
    out.set(value, offset + 32 - value.length);
  }
  return out;
}

// The algorithms cosign keys come in (keys.ts): ECDSA P-256 with SHA-256, RSA PKCS#1 v1.5
// with SHA-256, Ed25519. A key is imported as the first one that accepts it.
const ALGORITHMS: Array<{ import: EcKeyImportParams | RsaHashedImportParams | Algorithm; verify: Algorithm | EcdsaParams; ecdsa?: boolean }> = [
  { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams, ecdsa: true },
  { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } },
  { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
];

async function importWebKey(pem: string): Promise<WebKey | undefined> {
  const body = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem)?.[1];
  const der = body ? decodeBase64Web(body) : undefined;
  if (!der) return undefined;
  const fingerprint = `sha256:${await sha256Hex(der)}`;
  for (const algorithm of ALGORITHMS) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey('spki', der, algorithm.import, false, ['verify']);
    } catch {
      continue;
    }
    return {
      fingerprint,
      async verify(data, signature) {
        const sig = algorithm.ecdsa ? (derToP1363(signature) ?? (signature.length === 64 ? signature : undefined)) : signature;
        if (!sig) return false;
        try {
          return await crypto.subtle.verify(algorithm.verify, key, sig as Bytes, data as Bytes);
        } catch {
          return false;
        }
      },
    };
  }
  return undefined;
}

async function findSigner(keys: readonly WebKey[], data: Uint8Array, signature: Uint8Array): Promise<WebKey | undefined> {
  for (const key of keys) if (await key.verify(data, signature)) return key;
  return undefined;
}

/** DSSE's pre-authentication encoding: "DSSEv1 <len> <type> <len> <payload>" (DSSE protocol.md). */
function preAuthEncoding(payloadType: string, payload: Uint8Array): Bytes {
  const type = new TextEncoder().encode(payloadType);
  const head = new TextEncoder().encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

type Base = Pick<SignatureFact, 'source' | 'format' | 'location'>;

async function verifySimpleSigning(base: Base, payloadBase64: string, signatureBase64: string, keys: readonly WebKey[], digest: string): Promise<SignatureFact> {
  const payload = decodeBase64Web(payloadBase64);
  let signed: string | undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(payload)) as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } };
    const named = value?.critical?.image?.['docker-manifest-digest'];
    if (typeof named === 'string') signed = named;
  } catch {
    /* reported below */
  }
  if (!payload || !signed) return { ...base, verified: false, reason: 'the payload is not a cosign simple-signing payload (no critical.image.docker-manifest-digest)' };
  const signature = decodeBase64Web(signatureBase64);
  if (!signature || signature.length === 0) return { ...base, digest: signed, verified: false, reason: 'the signature is empty or not base64' };
  const signer = await findSigner(keys, payload, signature);
  if (!signer) return { ...base, digest: signed, verified: false, reason: noSignerReason(keys.length) };
  if (signed !== digest) {
    return { ...base, digest: signed, signer: { key: signer.fingerprint }, verified: false, reason: `the signature is over ${signed}, not the deployed ${digest}: it was copied from another image` };
  }
  return { ...base, digest, signer: { key: signer.fingerprint }, verified: true };
}

async function verifyEnvelope(base: Base, envelope: Extract<InlineMaterial, { kind: 'envelope' }>['json'], keys: readonly WebKey[], digest: string): Promise<AttestationFact> {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ...base, verified: false, reason: `payloadType ${JSON.stringify(envelope.payloadType)} is not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})` };
  const payload = decodeBase64Web(envelope.payload);
  if (!payload) return { ...base, verified: false, reason: 'the envelope payload is not base64' };
  const predicateType = readPredicateType(payload);
  const described = { ...base, ...(predicateType ? { predicate_type: predicateType } : {}) };
  if (envelope.signatures.length === 0) return { ...described, verified: false, reason: 'the envelope carries no signature' };
  const pae = preAuthEncoding(envelope.payloadType, payload);
  for (const s of envelope.signatures) {
    const signature = typeof s?.sig === 'string' ? decodeBase64Web(s.sig) : undefined;
    const signer = signature && signature.length > 0 ? await findSigner(keys, pae, signature) : undefined;
    if (signer) return statementFact({ ...described, signer: { key: signer.fingerprint } }, payload, digest);
  }
  return { ...described, verified: false, reason: noSignerReason(keys.length) };
}

/** A Web Crypto verifier holding `publicKeysPem` (PEM SubjectPublicKeyInfo, as cosign writes them). */
export function createWebInlineVerifier(publicKeysPem: readonly string[]): InlineVerifier {
  let keys: Promise<WebKey[]> | undefined;
  const loadKeys = () => (keys ??= Promise.all(publicKeysPem.map(importWebKey)).then((all) => all.filter((k): k is WebKey => k !== undefined)));
  return withVerificationCache({
    async verify(material, location, digest): Promise<InlineFact> {
      switch (material.kind) {
        case 'simple-signing':
          return { signature: await verifySimpleSigning({ source: 'inline', format: 'cosign', location }, material.payload, material.signature, await loadKeys(), digest) };
        case 'envelope':
          return { attestation: await verifyEnvelope({ source: 'inline', format: 'dsse', location }, material.json, await loadKeys(), digest) };
        case 'bundle': {
          // The claimed predicate type names the attestation for the rules; nothing more is read.
          const envelope = (material.json as { dsseEnvelope?: { payload?: unknown } }).dsseEnvelope;
          const payload = typeof envelope?.payload === 'string' ? decodeBase64Web(envelope.payload) : undefined;
          const predicateType = payload ? readPredicateType(payload) : undefined;
          return {
            attestation: {
              source: 'inline',
              format: 'sigstore-bundle',
              location,
              ...(predicateType ? { predicate_type: predicateType } : {}),
              verified: false,
              reason: 'Sigstore bundles are verified by the Node host (dfw serve, dfw check); this evaluator checks cosign signatures and DSSE envelopes with keys only',
            },
          };
        }
      }
    },
  });
}
