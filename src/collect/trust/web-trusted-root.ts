// The trusted root (a Sigstore trusted_root.json) for the Web-standard verifier, and the
// checks made against it as @sigstore/verify makes them: a certificate's chain to a
// certificate authority valid at the log's time, and its SCTs signed by the root's CT logs.
import { bytesEqual, decodeBase64Web, importSpki, VerificationFailure, type Bytes, type WebKey } from './web-crypto.js';
import { concat, extension, isCA, OID_SCT_LIST, precertTbs, readCert, readTlv, signedBy, validAt, type Cert } from './web-x509.js';

export interface TrustedLog {
  logId: Bytes;
  key: WebKey;
  baseUrl: string;
  start: Date;
  end?: Date;
}

interface TrustedCa {
  certs: Cert[];
  start: Date;
  end?: Date;
}

/** A parsed trusted_root.json, its keys imported for Web Crypto. */
export interface WebTrustedRoot {
  tlogs: TrustedLog[];
  ctlogs: TrustedLog[];
  cas: TrustedCa[];
}

interface RootJson {
  tlogs?: LogJson[];
  ctlogs?: LogJson[];
  certificateAuthorities?: Array<{ certChain?: { certificates?: Array<{ rawBytes?: string }> }; validFor?: { start?: string; end?: string } }>;
}
interface LogJson {
  baseUrl?: string;
  publicKey?: { rawBytes?: string; validFor?: { start?: string; end?: string } };
  logId?: { keyId?: string };
}

const validForOf = (v: { start?: string; end?: string } | undefined) => ({ start: new Date(v?.start ?? 0), ...(v?.end ? { end: new Date(v.end) } : {}) });
export const within = (at: Date, window: { start: Date; end?: Date }) => window.start <= at && (!window.end || at <= window.end);

async function readLogs(logs: LogJson[] | undefined, where: string): Promise<TrustedLog[]> {
  return Promise.all(
    (logs ?? []).map(async (log, i) => {
      const der = log.publicKey?.rawBytes ? decodeBase64Web(log.publicKey.rawBytes) : undefined;
      const logId = log.logId?.keyId ? decodeBase64Web(log.logId.keyId) : undefined;
      const key = der ? await importSpki(der) : undefined;
      if (!key || !logId) throw new Error(`${where}[${i}] has no usable public key or log id`);
      return { logId, key, baseUrl: log.baseUrl ?? '', ...validForOf(log.publicKey?.validFor) };
    }),
  );
}

/** Reads a trusted_root.json (Sigstore protobuf-specs TrustedRoot, as JSON text or parsed). Throws on one that cannot be used. */
export async function readWebTrustedRoot(root: string | unknown): Promise<WebTrustedRoot> {
  const json = (typeof root === 'string' ? JSON.parse(root) : root) as RootJson;
  if (!json || typeof json !== 'object' || !String((json as { mediaType?: unknown }).mediaType ?? '').startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new Error('not a Sigstore trusted root (mediaType application/vnd.dev.sigstore.trustedroot+json)');
  }
  const cas = (json.certificateAuthorities ?? []).map((ca, i) => {
    const certs = (ca.certChain?.certificates ?? []).map((c) => decodeBase64Web(c.rawBytes ?? ''));
    if (certs.length === 0 || certs.some((c) => !c || c.length === 0)) throw new Error(`certificateAuthorities[${i}] has no certificate chain`);
    return { certs: certs.map((c) => readCert(c!)), ...validForOf(ca.validFor) };
  });
  return { tlogs: await readLogs(json.tlogs, 'tlogs'), ctlogs: await readLogs(json.ctlogs, 'ctlogs'), cas };
}

export async function verifyChain(leaf: Cert, at: Date, cas: readonly TrustedCa[]): Promise<Cert[]> {
  for (const ca of cas.filter((c) => within(at, c))) {
    try {
      const path = [leaf];
      for (;;) {
        const current = path[path.length - 1]!;
        if (bytesEqual(current.subject, current.issuer) && (await signedBy(current, current))) break;
        let issuer: Cert | undefined;
        for (const candidate of ca.certs) if (bytesEqual(candidate.subject, current.issuer) && (await signedBy(current, candidate))) issuer = candidate;
        if (!issuer) throw new VerificationFailure('no valid certificate path found', 'CERTIFICATE_ERROR');
        if (path.length > ca.certs.length) throw new VerificationFailure('no trusted certificate path found', 'CERTIFICATE_ERROR');
        path.push(issuer);
      }
      if (path.length === 1) throw new VerificationFailure('no trusted certificate path found', 'CERTIFICATE_ERROR');
      if (!path.slice(1).every((c) => isCA(c).ca)) throw new VerificationFailure('intermediate certificate is not a CA', 'CERTIFICATE_ERROR');
      path.forEach((c, i) => {
        const { pathLength } = isCA(c);
        if (i > 0 && pathLength !== undefined && pathLength < i - 1) throw new VerificationFailure('path length constraint exceeded', 'CERTIFICATE_ERROR');
      });
      if (!path.every((c) => validAt(c, at))) throw new VerificationFailure('certificate is not valid or expired at the specified date', 'CERTIFICATE_ERROR');
      return path;
    } catch {
      // As @sigstore/verify: the next authority may hold the path; only the summary is reported.
    }
  }
  throw new VerificationFailure('Failed to verify certificate chain', 'CERTIFICATE_ERROR');
}

/** Verifies the leaf's embedded SCTs (RFC 6962) against the root's CT logs; returns how many verified. */
export async function verifySCTs(leaf: Cert, issuer: Cert, ctlogs: readonly TrustedLog[]): Promise<number> {
  const value = extension(leaf, OID_SCT_LIST);
  if (!value) return 0;
  const list = readTlv(value).content; // an OCTET STRING around the TLS-encoded list
  const issuerKeyHash = new Uint8Array(await crypto.subtle.digest('SHA-256', issuer.spki));
  const tbs = precertTbs(leaf);
  const view = new DataView(list.buffer, list.byteOffset, list.byteLength);
  let count = 0;
  for (let at = 2; at < 2 + view.getUint16(0); ) {
    const length = view.getUint16(at);
    const sct = list.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    const sv = new DataView(sct.buffer, sct.byteOffset, sct.byteLength);
    const logId = sct.subarray(1, 33);
    const timestamp = sct.subarray(33, 41);
    const extLength = sv.getUint16(41);
    const extensions = sct.subarray(41, 43 + extLength);
    const sigLength = sv.getUint16(45 + extLength);
    const signature = sct.subarray(47 + extLength, 47 + extLength + sigLength);
    const signed = concat(Uint8Array.of(sct[0]!, 0), timestamp, Uint8Array.of(0, 1), issuerKeyHash, Uint8Array.of(tbs.length >> 16, (tbs.length >> 8) & 0xff, tbs.length & 0xff), tbs, extensions);
    const at_ = new Date(Number(new DataView(timestamp.buffer, timestamp.byteOffset, 8).getBigUint64(0)));
    let verified = false;
    for (const log of ctlogs) if (bytesEqual(log.logId, logId) && within(at_, log) && (await log.key.verify(signed, signature))) verified = true;
    if (!verified) throw new VerificationFailure('SCT verification failed', 'CERTIFICATE_ERROR');
    count++;
  }
  return count;
}
