// Keyless signatures and attestations in cosign's legacy tag layout: a `.sig` or `.att` layer
// whose annotations carry the Fulcio certificate (`dev.sigstore.cosign/certificate`), its
// chain (`dev.sigstore.cosign/chain`) and Rekor's answer (`dev.sigstore.cosign/bundle`: the
// SignedEntryTimestamp over the logged body, log index, integrated time, log id). The layer
// is turned into the Sigstore bundle (v0.1) it is equivalent to and verified offline with
// @sigstore/verify against the configured trusted_root.json, as bundle.ts does.
//
// One gap in the library: cosign logged legacy attestations as Rekor `intoto` v0.0.1
// entries, and @sigstore/verify 3.x checks only `intoto` v0.0.2 bodies ("unsupported intoto
// version: 0.0.1"). For those entries dfw checks what the library would: the SET (Rekor's
// signature over the canonical {body, integratedTime, logIndex, logID}, with the log key the
// trusted root holds for that time) and that the body is about this layer (its content hash
// is the envelope's SHA-256, its payload hash the payload's, its public key the certificate);
// the library then verifies the certificate chain at the logged time, the SCTs and the DSSE
// signature. `.sig` layers are logged as `hashedrekord` v0.0.1, which the library checks whole.
import { createHash } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { crypto, json, pem } from '@sigstore/core';
import { checkBundle, describeError, trustMaterial, type BundleTrust } from './bundle.js';
import { isEnvelope, NOT_SIMPLE_SIGNING, readPredicateType, simpleSigningDigest } from './envelope.js';
import type { AttestationFact, SignatureFact } from './facts.js';
import { decodeBase64 } from './keys.js';
import { payloadTypeReason, statementFact } from './statement.js';

export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

export interface LegacyKeylessLayer {
  /** `.sig` (simple-signing payload) or `.att` (DSSE envelope). */
  as: 'signature' | 'attestation';
  /** The layer exactly as stored (its digest was checked by the reader). */
  bytes: Buffer;
  /** The simple-signing signature (`dev.cosignproject.cosign/signature`), base64. */
  signature: string;
  certificate: string;
  chain?: string;
  rekorBundle?: string;
}

type Base = Pick<SignatureFact, 'source' | 'format' | 'location'>;

/** cosign's `dev.sigstore.cosign/bundle` annotation (cosign pkg/cosign/bundle RekorBundle). */
interface RekorBundle {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

interface LoggedBody {
  kind?: string;
  apiVersion?: string;
  spec?: {
    content?: { hash?: { algorithm?: string; value?: string }; payloadHash?: { algorithm?: string; value?: string } };
    publicKey?: string;
  };
}

function readRekorBundle(text: string): RekorBundle | string {
  let value: Partial<RekorBundle>;
  try {
    value = JSON.parse(text) as Partial<RekorBundle>;
  } catch (err) {
    return `the Rekor bundle annotation is not JSON: ${(err as Error).message}`;
  }
  const p = value?.Payload;
  if (typeof value?.SignedEntryTimestamp !== 'string' || !p || typeof p.body !== 'string' || typeof p.integratedTime !== 'number' || typeof p.logIndex !== 'number' || typeof p.logID !== 'string') {
    return 'the Rekor bundle annotation lacks SignedEntryTimestamp or Payload {body, integratedTime, logIndex, logID}';
  }
  return value as RekorBundle;
}

function readBody(rekor: RekorBundle): LoggedBody | undefined {
  try {
    return JSON.parse(Buffer.from(rekor.Payload.body, 'base64').toString('utf8')) as LoggedBody;
  } catch {
    return undefined;
  }
}

function certificates(layer: LegacyKeylessLayer): Buffer[] | string {
  const pems = [layer.certificate, ...(layer.chain ?? '').split(/(?=-----BEGIN CERTIFICATE-----)/)].filter((p) => p.includes('-----BEGIN CERTIFICATE-----'));
  try {
    return pems.map((p) => pem.toDER(p));
  } catch (err) {
    return `the certificate annotations are not PEM certificates: ${(err as Error).message}`;
  }
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

/** The v0.1 Sigstore bundle equivalent to the layer: what `cosign --bundle` would have written. */
function toBundle(layer: LegacyKeylessLayer, rekor: RekorBundle, body: LoggedBody, chain: Buffer[]): Bundle | string {
  const content =
    layer.as === 'attestation'
      ? { dsseEnvelope: JSON.parse(layer.bytes.toString('utf8')) as unknown }
      : { messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: sha256(layer.bytes).toString('base64') }, signature: layer.signature } };
  const json = {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: chain.map((der) => ({ rawBytes: der.toString('base64') })) },
      tlogEntries: [
        {
          logIndex: String(rekor.Payload.logIndex),
          logId: { keyId: Buffer.from(rekor.Payload.logID, 'hex').toString('base64') },
          kindVersion: { kind: body.kind ?? '', version: body.apiVersion ?? '' },
          integratedTime: String(rekor.Payload.integratedTime),
          inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
          canonicalizedBody: rekor.Payload.body,
        },
      ],
    },
    ...content,
  };
  try {
    return bundleFromJSON(json);
  } catch (err) {
    return `the layer does not make a valid Sigstore bundle: ${describeError(err)}`;
  }
}

/** Rekor's SignedEntryTimestamp, checked with the log key the trusted root holds for the entry's time (as @sigstore/verify's tlog/set.ts). */
function setVerifies(rekor: RekorBundle, trust: BundleTrust): boolean {
  const at = new Date(rekor.Payload.integratedTime * 1000);
  const logID = Buffer.from(rekor.Payload.logID, 'hex');
  const signed = Buffer.from(json.canonicalize({ body: rekor.Payload.body, integratedTime: rekor.Payload.integratedTime, logIndex: rekor.Payload.logIndex, logID: rekor.Payload.logID }), 'utf8');
  const signature = Buffer.from(rekor.SignedEntryTimestamp, 'base64');
  return trustMaterial(trust)
    .tlogs.filter((log) => log.logID.equals(logID) && log.validFor.start <= at && at <= log.validFor.end)
    .some((log) => crypto.verify(signed, log.publicKey, signature));
}

/** Why an `intoto` v0.0.1 body is not about this envelope, or undefined when it is. */
function intotoBodyMismatch(body: LoggedBody, envelopeBytes: Buffer, payload: Buffer, leaf: Buffer): string | undefined {
  const content = body.spec?.content;
  if (content?.hash?.algorithm !== 'sha256' || content.hash.value !== sha256(envelopeBytes).toString('hex')) {
    return `the Rekor entry logs other envelope bytes (sha256 ${content?.hash?.value ?? 'missing'}) than the layer holds (sha256 ${sha256(envelopeBytes).toString('hex')})`;
  }
  if (content.payloadHash?.algorithm !== 'sha256' || content.payloadHash.value !== sha256(payload).toString('hex')) {
    return `the Rekor entry logs another payload (sha256 ${content.payloadHash?.value ?? 'missing'}) than the envelope carries (sha256 ${sha256(payload).toString('hex')})`;
  }
  let logged: Buffer | undefined;
  try {
    logged = body.spec?.publicKey ? pem.toDER(Buffer.from(body.spec.publicKey, 'base64').toString('utf8')) : undefined;
  } catch {
    logged = undefined;
  }
  if (!logged || !logged.equals(leaf)) return 'the Rekor entry names another certificate than the layer carries';
  return undefined;
}

/** Verifies a legacy keyless `.sig` or `.att` layer: the fact, verified or with the reason. */
export function verifyLegacyKeyless(base: Base, layer: LegacyKeylessLayer, trust: BundleTrust, digest: string): SignatureFact | AttestationFact {
  let payload: Buffer;
  let described: Base & { predicate_type?: string; digest?: string } = base;
  if (layer.as === 'attestation') {
    let envelope: unknown;
    try {
      envelope = JSON.parse(layer.bytes.toString('utf8'));
    } catch {
      envelope = undefined;
    }
    if (!isEnvelope(envelope)) return { ...base, verified: false, reason: 'not a DSSE envelope (payloadType, payload, signatures)' };
    const notInToto = payloadTypeReason(envelope.payloadType);
    if (notInToto) return { ...base, verified: false, reason: notInToto };
    payload = decodeBase64(envelope.payload) ?? Buffer.alloc(0);
    const predicateType = readPredicateType(payload);
    if (predicateType) described = { ...base, predicate_type: predicateType };
  } else {
    payload = layer.bytes;
    const signed = simpleSigningDigest(payload);
    if (!signed) return { ...base, verified: false, reason: NOT_SIMPLE_SIGNING };
    described = { ...base, digest: signed };
  }
  const fail = (reason: string): SignatureFact => ({ ...described, verified: false, reason: `keyless (cosign legacy layout): ${reason}` });
  if (!trust.trustedRoot) return fail('dfw has no trusted root (collectors.signatures.trusted_root) to check the certificate against');
  if (!layer.rekorBundle) {
    return fail('the layer carries a certificate but no Rekor bundle (dev.sigstore.cosign/bundle), so nothing proves the short-lived certificate was valid when it signed (signed with --tlog-upload=false?)');
  }
  const rekor = readRekorBundle(layer.rekorBundle);
  if (typeof rekor === 'string') return fail(rekor);
  const body = readBody(rekor);
  if (!body) return fail('the Rekor entry body is not base64 JSON');
  const chain = certificates(layer);
  if (typeof chain === 'string') return fail(chain);
  if (chain.length === 0) return fail('the certificate annotation holds no certificate');
  const bundle = toBundle(layer, rekor, body, chain);
  if (typeof bundle === 'string') return fail(bundle);

  // The one entry kind the library does not read; see the header.
  // Only an attestation's log entry is an intoto one; a signature layer claiming one is left to the library, which refuses it.
  const ownEntryCheck = layer.as === 'attestation' && body.kind === 'intoto' && body.apiVersion === '0.0.1';
  if (ownEntryCheck) {
    if (!setVerifies(rekor, trust)) return fail('the Rekor SignedEntryTimestamp does not verify with the transparency-log key of the trusted root: the entry was altered or logged elsewhere');
    const mismatch = intotoBodyMismatch(body, layer.bytes, payload, chain[0]!);
    if (mismatch) return fail(mismatch);
  }
  const checked = checkBundle(bundle, trust, { ...(layer.as === 'signature' ? { artifact: payload } : {}), entriesCheckedByCaller: ownEntryCheck });
  if ('reason' in checked) return fail(checked.reason);
  if (layer.as === 'attestation') return statementFact({ ...described, ...checked }, payload, digest);
  if (described.digest !== digest) {
    return { ...described, ...checked, verified: false, reason: `the signature is over ${described.digest}, not the deployed ${digest}: it was copied from another image` };
  }
  return { ...described, ...checked, verified: true };
}
