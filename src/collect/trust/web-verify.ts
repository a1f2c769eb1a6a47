// The inline verifier of Web-standard evaluators (the edge runtime, and a check service
// built without the Node host's verifier): key-based cosign signatures and DSSE envelopes,
// checked with Web Crypto the way src/collect/trust/envelope.ts checks them with node:crypto
// — same facts, same fingerprints, same reasons — and Sigstore bundles, key-based and
// keyless against a configured trusted root, the way bundle.ts checks them with
// @sigstore/verify (web-bundle.ts).
import { IN_TOTO_PAYLOAD_TYPE } from '../../evidence/slsa.js';
import { noSignerReason, type AttestationFact, type SignatureFact } from './facts.js';
import { withVerificationCache, type InlineFact, type InlineMaterial, type InlineVerifier } from './inline.js';
import { COSIGN_SIGN_PREDICATE, readPredicateType, statementFact } from './statement.js';
import { readWebTrustedRoot, verifyBundleWeb, type WebBundleTrust, type WebTrustedRoot } from './web-bundle.js';
import { decodeBase64Web, importPemKey, preAuthEncoding, type WebKey } from './web-crypto.js';


async function findSigner(keys: readonly WebKey[], data: Uint8Array, signature: Uint8Array): Promise<WebKey | undefined> {
  for (const key of keys) if (await key.verify(data, signature)) return key;
  return undefined;
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

export interface WebInlineVerifierOptions {
  /** A Sigstore trusted_root.json (text or parsed) keyless bundles are checked against; without one they stay unverified. */
  trustedRoot?: string | unknown;
  /** Signed certificate timestamps required per keyless certificate (1 by default, as collectors.signatures.ctlog_threshold). */
  ctlogThreshold?: number;
}

/**
 * A Web Crypto verifier holding `publicKeysPem` (PEM SubjectPublicKeyInfo, as cosign writes
 * them) and, for keyless Sigstore bundles, a trusted root (web-bundle.ts). A trusted root
 * that cannot be read fails every bundle with the reason; readWebTrustedRoot checks one first.
 */
export function createWebInlineVerifier(publicKeysPem: readonly string[], options: WebInlineVerifierOptions = {}): InlineVerifier {
  let keys: Promise<WebKey[]> | undefined;
  const loadKeys = () => (keys ??= Promise.all(publicKeysPem.map(importPemKey)).then((all) => all.filter((k): k is WebKey => k !== undefined)));
  let root: Promise<WebTrustedRoot> | undefined;
  const loadRoot = () => (options.trustedRoot === undefined ? undefined : (root ??= readWebTrustedRoot(options.trustedRoot)));
  const bundleTrust = async (): Promise<WebBundleTrust> => {
    const trustedRoot = await loadRoot();
    return { keys: await loadKeys(), ...(trustedRoot ? { trustedRoot } : {}), ctlogThreshold: options.ctlogThreshold ?? 1 };
  };
  return withVerificationCache({
    async verify(material, location, digest): Promise<InlineFact> {
      switch (material.kind) {
        case 'simple-signing':
          return { signature: await verifySimpleSigning({ source: 'inline', format: 'cosign', location }, material.payload, material.signature, await loadKeys(), digest) };
        case 'envelope':
          return { attestation: await verifyEnvelope({ source: 'inline', format: 'dsse', location }, material.json, await loadKeys(), digest) };
        case 'bundle': {
          const fact = await verifyBundleWeb({ source: 'inline', format: 'sigstore-bundle', location }, material.json, await bundleTrust(), digest);
          if (fact.predicate_type !== COSIGN_SIGN_PREDICATE) return { attestation: fact };
          // An image signature in the bundle format, filed as the Node host files it (signatures.ts).
          const { predicate_type: _type, predicate: _predicate, provenance: _provenance, ...signature } = fact;
          return { signature };
        }
      }
    },
  });
}
