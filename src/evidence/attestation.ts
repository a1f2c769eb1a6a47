// `dfw evidence push --kind attestation`: a DSSE envelope or a Sigstore bundle, stored as
// pushed. Nothing is trusted at push time: the trust collector verifies the stored text on
// every check (src/collect/trust), against the keys and trusted root dfw holds then, so a
// rotated key or a new trusted root applies to evidence already pushed.
import { ReportFields, isObject, parseJson } from './fields.js';
import type { ParsedEvidence } from './types.js';

const fields: ReportFields = new ReportFields('attestation');
const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle';

/** Checks the shape only; returns no evidence of its own (the check verifies it). */
export function parseAttestation(document: unknown): ParsedEvidence {
  const outer = fields.object(document, 'the document');
  if (typeof outer.mediaType === 'string' && outer.mediaType.startsWith(BUNDLE_MEDIA_TYPE)) {
    fields.object(outer.verificationMaterial, 'verificationMaterial');
    if (outer.dsseEnvelope === undefined && outer.messageSignature === undefined) fields.fail('the Sigstore bundle holds neither dsseEnvelope nor messageSignature');
    return {};
  }
  if (typeof outer.payloadType === 'string') {
    fields.string(outer.payload, 'payload');
    const signatures = fields.array(outer.signatures, 'signatures');
    if (signatures.length === 0 || !signatures.every((s) => isObject(s) && typeof s.sig === 'string')) fields.fail('signatures must list at least one {sig} (an unsigned envelope cannot be verified)');
    return {};
  }
  return fields.fail(`expected a DSSE envelope (payloadType, payload, signatures) or a Sigstore bundle (mediaType ${BUNDLE_MEDIA_TYPE}…)`);
}

/** The attestation report text -> its JSON value, for the trust collector. */
export function readAttestation(text: string): unknown {
  return parseJson('attestation', text);
}
