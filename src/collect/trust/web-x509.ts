// X.509 for the Web-standard Sigstore verifier (web-bundle.ts): certificates read with
// @peculiar/asn1-x509, and the exact DER slices that were signed (the TBS certificate, names,
// the key) cut out by hand, so signatures are checked over the bytes the issuer signed.
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, SubjectAlternativeName, id_ce_basicConstraints, id_ce_subjectAltName } from '@peculiar/asn1-x509';
import type { SignerIdentity } from './facts.js';
import { bytesEqual, importSpki, type Bytes, type WebKey } from './web-crypto.js';

const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
export const OID_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
const SIGNATURE_HASHES: Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
};

// --- DER: just enough to slice a certificate into the exact bytes that were signed ---

interface Tlv {
  tag: number;
  /** The whole element (header and content). */
  raw: Bytes;
  content: Bytes;
}

export function readTlv(bytes: Bytes, at = 0): Tlv {
  const tag = bytes[at]!;
  let length = bytes[at + 1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[at + 2 + i]!;
    header += n;
  }
  if (at + header + length > bytes.length) throw new Error('truncated DER');
  return { tag, raw: bytes.subarray(at, at + header + length), content: bytes.subarray(at + header, at + header + length) };
}

function children(content: Bytes): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; ) {
    const tlv = readTlv(content, at);
    out.push(tlv);
    at += tlv.raw.length;
  }
  return out;
}

function encodeTlv(tag: number, content: Uint8Array): Bytes {
  const lengthBytes: number[] = [];
  if (content.length < 0x80) lengthBytes.push(content.length);
  else {
    for (let n = content.length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
    lengthBytes.unshift(0x80 | lengthBytes.length);
  }
  return concat(Uint8Array.of(tag, ...lengthBytes), content);
}

export function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- certificates ---

export interface Cert {
  tbs: Bytes;
  issuer: Bytes;
  subject: Bytes;
  spki: Bytes;
  parsed: Certificate;
  notBefore: Date;
  notAfter: Date;
  signature: Bytes;
  hash: 'SHA-256' | 'SHA-384' | 'SHA-512' | undefined;
  key: Promise<WebKey | undefined>;
}

export function readCert(der: Bytes): Cert {
  const [tbs] = children(readTlv(der).content);
  const fields = children(tbs!.content);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version, when present
  const parsed = AsnConvert.parse(der, Certificate);
  const spki = fields[offset + 5]!.raw;
  return {
    tbs: tbs!.raw,
    issuer: fields[offset + 2]!.raw,
    subject: fields[offset + 4]!.raw,
    spki,
    parsed,
    notBefore: parsed.tbsCertificate.validity.notBefore.getTime(),
    notAfter: parsed.tbsCertificate.validity.notAfter.getTime(),
    signature: new Uint8Array(parsed.signatureValue),
    hash: SIGNATURE_HASHES[parsed.signatureAlgorithm.algorithm],
    key: importSpki(spki),
  };
}

export function extension(cert: Cert, oid: string): Bytes | undefined {
  const found = cert.parsed.tbsCertificate.extensions?.find((e) => e.extnID === oid);
  return found ? new Uint8Array(found.extnValue.buffer) : undefined;
}

export function isCA(cert: Cert): { ca: boolean; pathLength?: number } {
  const value = extension(cert, id_ce_basicConstraints);
  if (!value) return { ca: false };
  const constraints = AsnConvert.parse(value, BasicConstraints);
  return { ca: constraints.cA, ...(constraints.pathLenConstraint !== undefined ? { pathLength: constraints.pathLenConstraint } : {}) };
}

export async function signedBy(cert: Cert, issuer: Cert): Promise<boolean> {
  const key = await issuer.key;
  return !!key && !!cert.hash && key.verify(cert.tbs, cert.signature, cert.hash);
}

export const validAt = (cert: Cert, at: Date) => at >= cert.notBefore && at <= cert.notAfter;

/** The certificate's OIDC issuer (1.3.6.1.4.1.57264.1.8, a UTF8String; else .1.1, raw text) and SAN (URI, else e-mail). */
export function identityOf(cert: Cert): SignerIdentity {
  const v2 = extension(cert, OID_FULCIO_ISSUER_V2);
  const v1 = extension(cert, OID_FULCIO_ISSUER_V1);
  const issuer = v2 ? new TextDecoder().decode(readTlv(v2).content) : v1 ? new TextDecoder().decode(v1) : undefined;
  const san = extension(cert, id_ce_subjectAltName);
  const names = san ? AsnConvert.parse(san, SubjectAlternativeName) : [];
  const subject = names.find((n) => n.uniformResourceIdentifier)?.uniformResourceIdentifier ?? names.find((n) => n.rfc822Name)?.rfc822Name;
  return { ...(issuer ? { issuer } : {}), ...(subject ? { subject } : {}) };
}

/** The TBS certificate without its SCT list extension: what the CT log signed (RFC 6962 §3.2). */
export function precertTbs(leaf: Cert): Bytes {
  const fields = children(readTlv(leaf.tbs).content);
  const rebuilt = fields.map((f) => {
    if (f.tag !== 0xa3) return f.raw;
    const list = readTlv(f.content);
    const kept = children(list.content).filter((ext) => {
      const oid = children(ext.content)[0]!;
      return !bytesEqual(oid.raw, encodeOid(OID_SCT_LIST));
    });
    return encodeTlv(0xa3, encodeTlv(0x30, concat(...kept.map((e) => e.raw))));
  });
  return encodeTlv(0x30, concat(...rebuilt));
}

function encodeOid(oid: string): Bytes {
  const parts = oid.split('.').map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const n of parts.slice(2)) {
    const digits = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) digits.unshift((v & 0x7f) | 0x80);
    out.push(...digits);
  }
  return encodeTlv(0x06, Uint8Array.from(out));
}
