// dfw's attestation key: reads attestation.signing_key and signs verification summaries
// (src/decide/attestation.ts builds them) into DSSE envelopes. Node crypto, so it lives with
// the host, out of the Web-standard rooms the edge runtime bundles.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dsse } from '@sigstore/core';
import { buildVerificationSummary, IN_TOTO_PAYLOAD_TYPE, type AttestationSigner, type DsseEnvelope } from '../decide/attestation.js';
import { fixedCodeError } from '../shared/errors.js';

export class AttestationKeyError extends fixedCodeError('AttestationKeyError', 'attestation_key_invalid', 'invalid_input') {}

/** Reads the signing key; an ECDSA key on another curve or an RSA key is refused at start-up. */
export function loadAttestationSigner(path: string): AttestationSigner {
  let key: KeyObject;
  try {
    const pem = readFileSync(path, 'utf8');
    key = createPrivateKey(pem);
  } catch (err) {
    throw new AttestationKeyError(`attestation.signing_key: ${path} is not a readable PEM private key: ${(err as Error).message}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new AttestationKeyError(`attestation.signing_key: ${path} must be an ECDSA P-256 key (openssl ecparam -name prime256v1 -genkey), not ${key.asymmetricKeyType}`);
  }
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return { publicKeyPem, sign: (decision) => signStatement(buildVerificationSummary(decision), key) };
}

function signStatement(statement: Record<string, unknown>, key: KeyObject): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const signature = sign('sha256', dsse.preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), key);
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: payload.toString('base64'), signatures: [{ keyid: '', sig: signature.toString('base64') }] };
}
