// Sigstore bundles (v0.1–v0.3) verified with Web Crypto, for the edge runtime and a check
// service without the Node host's verifier (bundle.ts, @sigstore/verify, needs node:crypto).
// The same steps in the same order as @sigstore/verify's Verifier, so the facts and reasons
// come out alike: the log's signed entry timestamp (SET) gives the time; a keyless
// certificate must chain to a certificate authority of the trusted root valid then, carry
// `ctlogThreshold` SCTs signed by the root's CT logs, and be valid then itself; a key-based
// bundle's hint names a key dfw holds. Every log entry must be proven included (web-tlog.ts)
// and record this very signature and payload. Certificates: web-x509.ts; the root and the
// checks against it: web-trusted-root.ts.
import { BUNDLE_REASONS, type AttestationFact, type SignatureFact, type SignerIdentity, type TlogEntryFact } from './facts.js';
import { payloadTypeReason, readPredicateType, statementFact } from './statement.js';
import { decodeBase64Web, preAuthEncoding, VerificationFailure, type Bytes, type WebKey } from './web-crypto.js';
import { verifyTlogBody, verifyTlogInclusion, type SignedEnvelope, type TlogEntry } from './web-tlog.js';
import { verifyChain, verifySCTs, type WebTrustedRoot } from './web-trusted-root.js';
import { identityOf, readCert, type Cert } from './web-x509.js';

export { readWebTrustedRoot, type WebTrustedRoot } from './web-trusted-root.js';

export interface WebBundleTrust {
  keys: readonly WebKey[];
  /** Absent: keyless bundles cannot verify. */
  trustedRoot?: WebTrustedRoot;
  /** What the trusted root is called where this verifier runs, in the reason when there is none. */
  trustedRootSetting: string;
  /** Signed certificate timestamps required per certificate (default 1, as collectors.signatures.ctlog_threshold). */
  ctlogThreshold: number;
}

interface ReadBundle {
  key: { hint: string } | { leaf: Bytes };
  entries: TlogEntry[];
  envelope?: SignedEnvelope;
}

function bytesOf(value: unknown, what: string): Bytes {
  const bytes = typeof value === 'string' ? decodeBase64Web(value) : undefined;
  if (!bytes) throw new Error(`${what} is missing or not base64`);
  return bytes;
}

// The bundle arrives as untyped JSON: `any` until these checks have passed.
/**
 * @sigstore/bundle's checks (bundleFromJSON) with its messages: the fields every bundle needs,
 * an inclusion promise per log entry in v0.1, an inclusion proof with a checkpoint from v0.2
 * on, and no certificate chain from v0.3 on.
 */
function validateBundle(b: Record<string, any>): void {
  const invalid: string[] = [];
  const mediaType = typeof b.mediaType === 'string' ? b.mediaType : '';
  if (!/^application\/vnd\.dev\.sigstore\.bundle\+json;version=\d\.\d/.test(mediaType) && !/^application\/vnd\.dev\.sigstore\.bundle\.v\d\.\d\+json/.test(mediaType)) invalid.push('mediaType');
  if (b.dsseEnvelope) {
    if (!b.dsseEnvelope.payload) invalid.push('content.dsseEnvelope.payload');
    if (!Array.isArray(b.dsseEnvelope.signatures) || b.dsseEnvelope.signatures.length !== 1) invalid.push('content.dsseEnvelope.signatures');
    else if (!b.dsseEnvelope.signatures[0]?.sig) invalid.push('content.dsseEnvelope.signatures[0].sig');
  } else if (!b.messageSignature) invalid.push('content');
  const material = b.verificationMaterial;
  const entries: Array<Record<string, any>> = Array.isArray(material?.tlogEntries) ? material.tlogEntries : [];
  if (!material) invalid.push('verificationMaterial');
  else {
    if (!material.publicKey && !material.certificate && !material.x509CertificateChain) invalid.push('verificationMaterial.content');
    if (material.x509CertificateChain && !(material.x509CertificateChain.certificates?.length > 0)) invalid.push('verificationMaterial.content.x509CertificateChain.certificates');
    if (material.certificate && !material.certificate.rawBytes) invalid.push('verificationMaterial.content.certificate.rawBytes');
    entries.forEach((e, i) => {
      if (!e?.logId) invalid.push(`verificationMaterial.tlogEntries[${i}].logId`);
      if (!e?.kindVersion) invalid.push(`verificationMaterial.tlogEntries[${i}].kindVersion`);
    });
  }
  const version = mediaType === 'application/vnd.dev.sigstore.bundle+json;version=0.1' ? 'v0.1 ' : mediaType === 'application/vnd.dev.sigstore.bundle+json;version=0.2' ? 'v0.2 ' : '';
  if (version === 'v0.1 ') entries.forEach((e, i) => !e?.inclusionPromise && invalid.push(`verificationMaterial.tlogEntries[${i}].inclusionPromise`));
  else entries.forEach((e, i) => !e?.inclusionProof?.checkpoint && invalid.push(`verificationMaterial.tlogEntries[${i}].inclusionProof`));
  if (version === '' && material?.x509CertificateChain) invalid.push('verificationMaterial.content.$case');
  if (invalid.length > 0) throw new Error(`invalid ${version}bundle`);
}

function readBundle(json: unknown): ReadBundle {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('invalid bundle');
  const b = json as Record<string, any>;
  validateBundle(b);
  const material = b.verificationMaterial;
  let key: ReadBundle['key'];
  if (material.publicKey) key = { hint: String(material.publicKey.hint ?? '') };
  else if (material.certificate) key = { leaf: bytesOf(material.certificate.rawBytes, 'verificationMaterial.certificate.rawBytes') };
  else if (material.x509CertificateChain) key = { leaf: bytesOf(material.x509CertificateChain.certificates?.[0]?.rawBytes, 'verificationMaterial.x509CertificateChain.certificates[0].rawBytes') };
  else throw new Error('verificationMaterial has no public key, certificate or certificate chain');
  const entries = (Array.isArray(material.tlogEntries) ? material.tlogEntries : []).map((e: Record<string, any>, i: number): TlogEntry => ({
    logIndex: String(e.logIndex ?? ''),
    logId: bytesOf(e.logId?.keyId, `tlogEntries[${i}].logId.keyId`),
    kind: String(e.kindVersion?.kind ?? ''),
    version: String(e.kindVersion?.version ?? ''),
    integratedTime: Number(e.integratedTime),
    ...(e.inclusionPromise ? { set: bytesOf(e.inclusionPromise.signedEntryTimestamp, `tlogEntries[${i}].inclusionPromise.signedEntryTimestamp`) } : {}),
    ...(e.inclusionProof
      ? {
          proof: {
            logIndex: BigInt(e.inclusionProof.logIndex ?? -1),
            hashes: (Array.isArray(e.inclusionProof.hashes) ? e.inclusionProof.hashes : []).map((h: unknown, j: number) => bytesOf(h, `tlogEntries[${i}].inclusionProof.hashes[${j}]`)),
            checkpoint: String(e.inclusionProof.checkpoint?.envelope ?? ''),
          },
        }
      : {}),
    body: bytesOf(e.canonicalizedBody, `tlogEntries[${i}].canonicalizedBody`),
  }));
  if (!b.dsseEnvelope) return { key, entries };
  const env = b.dsseEnvelope;
  const signatures = Array.isArray(env.signatures) ? env.signatures : [];
  return {
    key,
    entries,
    envelope: {
      payloadType: String(env.payloadType ?? ''),
      payload: bytesOf(env.payload, 'dsseEnvelope.payload'),
      signature: signatures[0]?.sig ? bytesOf(signatures[0].sig, 'dsseEnvelope.signatures[0].sig') : new Uint8Array(0),
      signatureCount: signatures.length,
    },
  };
}

type Check = { signer: SignerIdentity; tlog?: TlogEntryFact } | { reason: string };

async function checkBundle(bundle: ReadBundle & { envelope: NonNullable<ReadBundle['envelope']> }, trust: WebBundleTrust): Promise<Check> {
  const keyless = 'leaf' in bundle.key;
  const leaf = 'leaf' in bundle.key ? readCert(bundle.key.leaf) : undefined;
  try {
    // Timestamps: only entries with an inclusion promise give one (as @sigstore/verify).
    const timestamps = bundle.entries.filter((e) => e.set).map((e) => new Date(e.integratedTime * 1000));
    if (keyless && timestamps.length < 1) throw new VerificationFailure(`expected 1 timestamps, got ${timestamps.length}`, 'TIMESTAMP_ERROR');
    let key: WebKey | undefined;
    let identity: SignerIdentity;
    if (leaf) {
      let path: Cert[] = [];
      for (const at of timestamps) path = await verifyChain(leaf, at, trust.trustedRoot!.cas);
      const scts = await verifySCTs(path[0]!, path[1]!, trust.trustedRoot!.ctlogs);
      if (scts < trust.ctlogThreshold) throw new VerificationFailure(`expected ${trust.ctlogThreshold} SCTs, got ${scts}`, 'CERTIFICATE_ERROR');
      key = await leaf.key;
      identity = identityOf(leaf);
    } else {
      const hint = (bundle.key as { hint: string }).hint;
      key = trust.keys.find((k) => k.hint === hint);
      if (!key) throw new VerificationFailure(BUNDLE_REASONS.unknownKey(hint));
      identity = { key: key.fingerprint };
    }
    for (const entry of bundle.entries) {
      await verifyTlogInclusion(entry, trust.trustedRoot?.tlogs ?? []);
      await verifyTlogBody(entry, bundle.envelope);
    }
    const pae = preAuthEncoding(bundle.envelope.payloadType, bundle.envelope.payload);
    if (!key || !(await key.verify(pae, bundle.envelope.signature))) throw new VerificationFailure('signature verification failed', 'SIGNATURE_ERROR');
    const first = bundle.entries[0];
    const tlog = first ? { log_index: Number(first.logIndex), integrated_time: new Date(first.integratedTime * 1000).toISOString() } : undefined;
    return { signer: identity, ...(tlog ? { tlog } : {}) };
  } catch (err) {
    return { reason: (leaf && expiryOf(leaf, bundle.entries[0])) || (err as Error).message };
  }
}

function expiryOf(leaf: Cert, entry: TlogEntry | undefined): string | undefined {
  return entry ? BUNDLE_REASONS.certificateNotValidAt(new Date(entry.integratedTime * 1000), leaf.notBefore, leaf.notAfter) : undefined;
}

type Base = Pick<SignatureFact, 'source' | 'format' | 'location'>;

/**
 * Verifies a Sigstore bundle with Web Crypto and returns the attestation fact of its DSSE
 * statement, as bundle.ts's verifyBundle does with @sigstore/verify (same fields, the
 * library's reasons). An image signature (predicate https://sigstore.dev/cosign/sign/v1)
 * is the caller's to file under signatures.
 */
export async function verifyBundleWeb(base: Base, json: unknown, trust: WebBundleTrust, digest: string): Promise<AttestationFact> {
  let bundle: ReadBundle;
  try {
    bundle = readBundle(json);
  } catch (err) {
    return { ...base, verified: false, reason: `not a valid Sigstore bundle: ${(err as Error).message}` };
  }
  if (!bundle.envelope) {
    return { ...base, verified: false, reason: BUNDLE_REASONS.blobSignature };
  }
  const notInToto = payloadTypeReason(bundle.envelope.payloadType);
  if (notInToto) return { ...base, verified: false, reason: notInToto };
  const predicateType = readPredicateType(bundle.envelope.payload);
  const described = { ...base, ...(predicateType ? { predicate_type: predicateType } : {}) };
  if ('leaf' in bundle.key && !trust.trustedRoot) {
    return { ...described, verified: false, reason: BUNDLE_REASONS.noTrustedRoot(trust.trustedRootSetting) };
  }
  let checked: Check;
  try {
    checked = await checkBundle(bundle as ReadBundle & { envelope: NonNullable<ReadBundle['envelope']> }, trust);
  } catch (err) {
    checked = { reason: (err as Error).message };
  }
  if ('reason' in checked) return { ...described, verified: false, reason: `the bundle does not verify: ${checked.reason}` };
  return statementFact({ ...described, ...checked }, bundle.envelope.payload, digest);
}
