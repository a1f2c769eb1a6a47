// The inline verifier of Web-standard evaluators (the edge runtime, and a check service
// built without the Node host's verifier): key-based cosign signatures and DSSE envelopes,
// checked with Web Crypto the way src/collect/trust/envelope.ts checks them with node:crypto
// — same facts, same fingerprints, same reasons — and Sigstore bundles, key-based and
// keyless against a configured trusted root, the way bundle.ts checks them with
// @sigstore/verify (web-bundle.ts).
import { noSignerReason, type AttestationFact, type SignatureFact } from './facts.js';
import { withVerificationCache, type InlineFact, type InlineMaterial, type InlineVerifier } from './inline.js';
import { COSIGN_SIGN_PREDICATE, payloadTypeReason, readPredicateType, statementFact } from './statement.js';
import { readWebTrustedRoot, verifyBundleWeb, type WebBundleTrust, type WebTrustedRoot } from './web-bundle.js';
import { decodeBase64Web, preAuthEncoding, type WebKey } from './web-crypto.js';
import { heldKeys } from './web-keys.js';

async function findSigner(keys: readonly WebKey[], data: Uint8Array, signature: Uint8Array): Promise<WebKey | undefined> {
  for (const key of keys) if (await key.verify(data, signature)) return key;
  return undefined;
}

type Base = Pick<SignatureFact, 'source' | 'format' | 'location'>;

/** The keys this verifier holds, and the setting they came from (named when there are none). */
interface HeldKeys {
  keys: readonly WebKey[];
  setting: string;
}

async function verifySimpleSigning(base: Base, payloadBase64: string, signatureBase64: string, { keys, setting }: HeldKeys, digest: string): Promise<SignatureFact> {
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
  if (!signer) return { ...base, digest: signed, verified: false, reason: noSignerReason(keys.length, setting) };
  if (signed !== digest) {
    return { ...base, digest: signed, signer: { key: signer.fingerprint }, verified: false, reason: `the signature is over ${signed}, not the deployed ${digest}: it was copied from another image` };
  }
  return { ...base, digest, signer: { key: signer.fingerprint }, verified: true };
}

async function verifyEnvelope(base: Base, envelope: Extract<InlineMaterial, { kind: 'envelope' }>['json'], { keys, setting }: HeldKeys, digest: string): Promise<AttestationFact> {
  const notInToto = payloadTypeReason(envelope.payloadType);
  if (notInToto) return { ...base, verified: false, reason: notInToto };
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
  return { ...described, verified: false, reason: noSignerReason(keys.length, setting) };
}

export interface WebInlineVerifierOptions {
  /** A Sigstore trusted_root.json (text or parsed) keyless bundles are checked against; without one they stay unverified. */
  trustedRoot?: string | unknown;
  /** Signed certificate timestamps required per keyless certificate (1 by default, as collectors.signatures.ctlog_threshold). */
  ctlogThreshold?: number;
  /**
   * What the keys are called where this verifier runs, in the errors about one and in the
   * reason when there are none: the edge handler passes "signatureKeys" or "DFW_SIGNATURE_KEYS".
   */
  keysSetting?: string;
  /** What the trusted root is called, in the reason when there is none: "trustedRoot" unless given; the edge's settings say DFW_TRUSTED_ROOT. */
  trustedRootSetting?: string;
}

/**
 * A Web Crypto verifier holding `publicKeysPem` (PEM SubjectPublicKeyInfo, as cosign writes
 * them) and, for keyless Sigstore bundles, a trusted root (web-bundle.ts). A key the host
 * would refuse (another curve than P-256, another type than ECDSA, RSA, Ed25519, no PEM)
 * throws KeyConfigError here, naming it (web-keys.ts); one Web Crypto will not import fails
 * every verification with that error. A trusted root that cannot be read fails every bundle
 * with the reason; readWebTrustedRoot checks one first.
 */
export function createWebInlineVerifier(publicKeysPem: readonly string[], options: WebInlineVerifierOptions = {}): InlineVerifier {
  const setting = options.keysSetting ?? 'signatureKeys';
  const importKeys = heldKeys(publicKeysPem, setting);
  const loadKeys = async (): Promise<HeldKeys> => ({ keys: await importKeys(), setting });
  let root: Promise<WebTrustedRoot> | undefined;
  const loadRoot = () => (options.trustedRoot === undefined ? undefined : (root ??= readWebTrustedRoot(options.trustedRoot)));
  const bundleTrust = async (): Promise<WebBundleTrust> => {
    const trustedRoot = await loadRoot();
    return { keys: (await loadKeys()).keys, ...(trustedRoot ? { trustedRoot } : {}), trustedRootSetting: options.trustedRootSetting ?? 'trustedRoot', ctlogThreshold: options.ctlogThreshold ?? 1 };
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
