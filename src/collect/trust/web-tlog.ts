// Transparency-log entries for the Web-standard verifier, checked as @sigstore/verify
// checks them: the inclusion promise (SET) and the inclusion proof to a signed checkpoint,
// each signed by a Rekor key of the trusted root, and a body that records this very
// signature and payload (intoto 0.0.2, dsse 0.0.1).
import { sha256Hex } from '../../shared/sha256.js';
import { bytesEqual, decodeBase64Web, encodeBase64Web, hex, VerificationFailure, type Bytes } from './web-crypto.js';
import { within, type TrustedLog } from './web-trusted-root.js';
import { concat } from './web-x509.js';

export interface TlogEntry {
  logIndex: string;
  logId: Bytes;
  kind: string;
  version: string;
  integratedTime: number;
  set?: Bytes;
  proof?: { logIndex: bigint; hashes: Bytes[]; checkpoint: string };
  body: Bytes;
}

/** The DSSE envelope a bundle carries: what its log entries must record. */
export interface SignedEnvelope {
  payloadType: string;
  payload: Bytes;
  signature: Bytes;
  signatureCount: number;
}

/** RFC 8785-style canonical JSON of Rekor's SET payload: its keys sorted, numbers as integers. */
function setPayload(entry: TlogEntry): Bytes {
  return new TextEncoder().encode(`{"body":${JSON.stringify(encodeBase64Web(entry.body))},"integratedTime":${entry.integratedTime},"logID":${JSON.stringify(hex(entry.logId))},"logIndex":${Number(entry.logIndex)}}`);
}

interface TlogBody {
  kind?: string;
  apiVersion?: string;
  spec?: { content?: { envelope?: { signatures?: Array<{ sig?: string }> }; payloadHash?: { value?: string } }; signatures?: Array<{ signature?: string }>; payloadHash?: { value?: string } };
}

/** The log entry records this envelope: its one signature and its payload's SHA-256. */
export async function verifyTlogBody(entry: TlogEntry, envelope: SignedEnvelope): Promise<void> {
  const body = JSON.parse(new TextDecoder().decode(entry.body)) as TlogBody;
  if (entry.kind !== body.kind || entry.version !== body.apiVersion) {
    throw new VerificationFailure(`kind/version mismatch - expected: ${entry.kind}/${entry.version}, received: ${body.kind}/${body.apiVersion}`, 'TLOG_BODY_ERROR');
  }
  let signatures: string[] | undefined;
  let hash: string | undefined;
  if (entry.kind === 'intoto' && entry.version === '0.0.2') {
    // Signatures are base64 twice in an intoto entry.
    signatures = body.spec?.content?.envelope?.signatures?.map((s) => new TextDecoder().decode(decodeBase64Web(s.sig ?? '') ?? new Uint8Array()));
    hash = body.spec?.content?.payloadHash?.value;
  } else if (entry.kind === 'dsse' && entry.version === '0.0.1') {
    signatures = body.spec?.signatures?.map((s) => s.signature ?? '');
    hash = body.spec?.payloadHash?.value;
  } else {
    throw new VerificationFailure(`unsupported kind: ${entry.kind} ${entry.version} (this evaluator reads intoto 0.0.2 and dsse 0.0.1 entries)`, 'TLOG_BODY_ERROR');
  }
  if (signatures?.length !== 1) throw new VerificationFailure('signature count mismatch', 'TLOG_BODY_ERROR');
  if (!bytesEqual(decodeBase64Web(signatures[0]!) ?? new Uint8Array(), envelope.signature)) throw new VerificationFailure('tlog entry signature mismatch', 'TLOG_BODY_ERROR');
  const digest = await sha256Hex(envelope.payload);
  if ((hash ?? '').toLowerCase() !== digest) throw new VerificationFailure('DSSE payload hash mismatch', 'TLOG_BODY_ERROR');
}

const sha256 = async (...parts: Uint8Array[]): Promise<Bytes> => new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));

/**
 * The checkpoint (a signed note: origin, tree size, root hash) signed by a Rekor key of the
 * root, and the entry's Merkle inclusion proof (RFC 6962) leading to its root hash.
 */
async function verifyInclusionProof(entry: TlogEntry, proof: NonNullable<TlogEntry['proof']>, tlogs: readonly TrustedLog[]): Promise<void> {
  const split = proof.checkpoint.indexOf('\n\n');
  if (split < 0) throw new VerificationFailure('missing checkpoint separator', 'TLOG_INCLUSION_PROOF_ERROR');
  const note = proof.checkpoint.slice(0, split + 1);
  const signatures = Array.from(proof.checkpoint.slice(split + 2).matchAll(/\u2014 (\S+) (\S+)\n/g), ([, name, sig]) => ({ name: name!, bytes: decodeBase64Web(sig!) ?? new Uint8Array() }));
  if (signatures.length === 0) throw new VerificationFailure('no signatures found in checkpoint', 'TLOG_INCLUSION_PROOF_ERROR');
  const noteBytes = new TextEncoder().encode(note);
  let signed = false;
  for (const sig of signatures) {
    const log = tlogs.find((l) => bytesEqual(l.logId.subarray(0, 4), sig.bytes.subarray(0, 4)) && l.baseUrl.includes(sig.name));
    if (log && (await log.key.verify(noteBytes, sig.bytes.subarray(4)))) signed = true;
  }
  if (!signed) throw new VerificationFailure('invalid checkpoint signature', 'TLOG_INCLUSION_PROOF_ERROR');
  const lines = note.trimEnd().split('\n');
  if (lines.length < 3) throw new VerificationFailure('too few lines in checkpoint header', 'TLOG_INCLUSION_PROOF_ERROR');
  const size = BigInt(lines[1]!);
  const rootHash = decodeBase64Web(lines[2]!) ?? new Uint8Array();
  const index = proof.logIndex;
  if (index < 0n || index >= size) throw new VerificationFailure(`invalid index: ${index}`, 'TLOG_INCLUSION_PROOF_ERROR');
  const bits = (n: bigint) => (n === 0n ? 0 : n.toString(2).length);
  const inner = bits(index ^ (size - 1n));
  const border = (index >> BigInt(inner)).toString(2).split('1').length - 1;
  if (proof.hashes.length !== inner + border) throw new VerificationFailure('invalid hash count', 'TLOG_INCLUSION_PROOF_ERROR');
  let hash = await sha256(Uint8Array.of(0), entry.body);
  for (const [i, h] of proof.hashes.entries()) {
    const right = i >= inner || ((index >> BigInt(i)) & 1n) === 1n;
    hash = right ? await sha256(Uint8Array.of(1), h, hash) : await sha256(Uint8Array.of(1), hash, h);
  }
  if (!bytesEqual(hash, rootHash)) throw new VerificationFailure('calculated root hash does not match inclusion proof', 'TLOG_INCLUSION_PROOF_ERROR');
}

/** As @sigstore/verify: an inclusion promise (SET) signed by a Rekor key of the root, an inclusion proof to a signed checkpoint, or both. */
export async function verifyTlogInclusion(entry: TlogEntry, tlogs: readonly TrustedLog[]): Promise<void> {
  if (!entry.set && !entry.proof) throw new VerificationFailure('inclusion could not be verified', 'TLOG_MISSING_INCLUSION_ERROR');
  if (entry.set) {
    const at = new Date(entry.integratedTime * 1000);
    const payload = setPayload(entry);
    let verified = false;
    for (const log of tlogs) if (bytesEqual(log.logId, entry.logId) && within(at, log) && (await log.key.verify(payload, entry.set))) verified = true;
    if (!verified) throw new VerificationFailure('inclusion promise could not be verified', 'TLOG_INCLUSION_PROMISE_ERROR');
  }
  if (entry.proof) await verifyInclusionProof(entry, entry.proof, tlogs);
}
