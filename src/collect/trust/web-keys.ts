// The keys a Web-standard verifier holds (the edge's signatureKeys option, DFW_SIGNATURE_KEYS),
// held to the host's rules with the host's words (key-policy.ts): ECDSA on P-256 only, RSA,
// Ed25519. A key the host would refuse at startup is refused here too, naming which one and
// why; none is dropped, since a verifier short of a key reports every signature by it as
// made by another key.
import { HELD_CURVE, HELD_KEY_TYPES, KEY_REASONS, KeyConfigError } from './key-policy.js';
import { decodeBase64Web, hex, importSpkiOrThrow, type Bytes, type WebKey } from './web-crypto.js';
import { readTlv } from './web-x509.js';

// The DER of the algorithm OID of a SubjectPublicKeyInfo -> node:crypto's asymmetricKeyType.
const KEY_TYPES: Record<string, string> = {
  '06072a8648ce3d0201': 'ec',
  '06092a864886f70d010101': 'rsa',
  '06092a864886f70d01010a': 'rsa-pss',
  '06032b6570': 'ed25519',
  '06032b6571': 'ed448',
  '06032b656e': 'x25519',
  '06032b656f': 'x448',
  '06072a8648ce380401': 'dsa',
  '06092a864886f70d010301': 'dh',
  '06072a8648ce3e0201': 'dh',
};

// The DER of a named curve's OID -> OpenSSL's name, as node:crypto reports it (namedCurve).
const CURVE_NAMES: Record<string, string> = {
  '06082a8648ce3d030107': 'prime256v1',
  '06052b81040022': 'secp384r1',
  '06052b81040023': 'secp521r1',
  '06052b8104000a': 'secp256k1',
  '06052b81040021': 'secp224r1',
  '06082a8648ce3d030101': 'prime192v1',
  '06092b2403030208010107': 'brainpoolP256r1',
  '06092b240303020801010b': 'brainpoolP384r1',
  '06092b240303020801010d': 'brainpoolP512r1',
};

/** An OID's content octets in dotted form (X.690 8.19), for one no table above names. */
function dotted(content: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

/** The key type and, for ECDSA, the curve of a DER SubjectPublicKeyInfo (RFC 5280 4.1.2.7, RFC 5480 2.1.1). */
function describeSpki(der: Bytes): { type: string; curve?: string } {
  const spki = readTlv(der);
  if (spki.tag !== 0x30 || spki.raw.length !== der.length) throw new Error('not a DER SubjectPublicKeyInfo');
  const algorithm = readTlv(spki.content);
  const oid = algorithm.tag === 0x30 ? readTlv(algorithm.content) : undefined;
  if (!oid || oid.tag !== 0x06) throw new Error('not a DER SubjectPublicKeyInfo');
  const type = KEY_TYPES[hex(oid.raw)];
  if (!type) throw new Error(`unsupported key algorithm ${dotted(oid.content)}`);
  if (type !== 'ec') return { type };
  const parameters = oid.raw.length < algorithm.content.length ? readTlv(algorithm.content, oid.raw.length) : undefined;
  // Explicit curve parameters name no curve: node:crypto reports namedCurve undefined then.
  const curve = parameters?.tag === 0x06 ? (CURVE_NAMES[hex(parameters.raw)] ?? dotted(parameters.content)) : undefined;
  return { type, ...(curve ? { curve } : {}) };
}

/** A configured PEM public key -> its DER, if dfw holds such keys; else KeyConfigError naming `where` (keys.ts readVerificationKey's words). */
export function readHeldKey(pem: string, where: string): Bytes {
  const body = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem)?.[1];
  const der = body ? decodeBase64Web(body) : undefined;
  if (!der || der.length === 0) throw new KeyConfigError(`${where}: ${KEY_REASONS.notPem('no base64 block between -----BEGIN PUBLIC KEY----- and -----END PUBLIC KEY-----')}`);
  let described: { type: string; curve?: string };
  try {
    described = describeSpki(der);
  } catch (err) {
    throw new KeyConfigError(`${where}: ${KEY_REASONS.notPem((err as Error).message)}`, { cause: err });
  }
  if (described.type === 'ec' && described.curve !== HELD_CURVE) throw new KeyConfigError(`${where}: ${KEY_REASONS.curve(described.curve)}`);
  if (!HELD_KEY_TYPES.includes(described.type)) throw new KeyConfigError(`${where}: ${KEY_REASONS.type(described.type)}`);
  return der;
}

/**
 * Checks every key now, so a key dfw cannot hold throws at creation (KeyConfigError, naming
 * `${setting}[i]`); returns the import of all of them with Web Crypto (asynchronous, so done
 * at the first use and kept), which rejects naming the key Web Crypto refuses and why.
 */
export function heldKeys(publicKeysPem: readonly string[], setting: string): () => Promise<WebKey[]> {
  const ders = publicKeysPem.map((pem, i) => readHeldKey(pem, `${setting}[${i}]`));
  let keys: Promise<WebKey[]> | undefined;
  return () =>
    (keys ??= Promise.all(
      ders.map((der, i) =>
        importSpkiOrThrow(der).catch((err: unknown) => {
          throw new KeyConfigError(`${setting}[${i}]: ${KEY_REASONS.notPem(`Web Crypto cannot import it: ${(err as Error)?.message ?? String(err)}`)}`, { cause: err });
        }),
      ),
    ));
}
