// The in-toto Statement inside a verified DSSE envelope -> an attestation fact: the
// predicate only counts when the statement is about the deployed digest; SLSA provenance is
// also read into the normalized shape rules share with pushed provenance, and a scan or SBOM
// predicate into the evidence a pushed report of that kind becomes (predicate-evidence.ts).
import { IN_TOTO_PAYLOAD_TYPE, parseSlsaProvenance, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1, STATEMENT_TYPES } from '../../evidence/slsa.js';
import type { AttestationFact } from './facts.js';
import { readPredicateEvidence } from './predicate-evidence.js';

/** cosign's predicate type for an image signature in the Sigstore bundle format (cosign sign --new-bundle-format). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

interface Statement {
  _type: string;
  predicateType: string;
  subject: Array<{ name?: string; digest: Record<string, string> }>;
  predicate?: unknown;
}

// Web-standard (Uint8Array, TextDecoder): the edge runtime's inline verifier uses it too.
function asStatement(payload: Uint8Array): Statement | string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(payload));
  } catch (err) {
    return `the signed payload is not JSON: ${(err as Error).message}`;
  }
  const s = value as Partial<Statement> | null;
  if (!s || typeof s !== 'object' || typeof s._type !== 'string' || !STATEMENT_TYPES.includes(s._type)) return 'the signed payload is not an in-toto Statement';
  if (typeof s.predicateType !== 'string') return 'the in-toto Statement has no predicateType';
  if (!Array.isArray(s.subject)) return 'the in-toto Statement has no subject list';
  return s as Statement;
}

/**
 * Why a DSSE envelope's payload is not read as an in-toto Statement, or undefined when it is
 * one: the signature covers payloadType too (DSSE PAE), and a key signs other types — a cosign
 * simple-signing payload, plain text — that are not attestations, whatever the bytes parse as.
 * Bare envelopes (envelope.ts, web-verify.ts) and bundles (bundle.ts, web-bundle.ts) alike.
 */
export function payloadTypeReason(payloadType: string): string | undefined {
  return payloadType === IN_TOTO_PAYLOAD_TYPE ? undefined : `payloadType ${JSON.stringify(payloadType)} is not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})`;
}

/** "sha256:<hex>" digests the statement's subjects carry. */
export function subjectDigests(statement: Pick<Statement, 'subject'>): string[] {
  return statement.subject.flatMap((s) =>
    s && typeof s === 'object' && s.digest && typeof s.digest === 'object'
      ? Object.entries(s.digest).filter(([, hex]) => typeof hex === 'string').map(([alg, hex]) => `${alg}:${hex.toLowerCase()}`)
      : [],
  );
}

/**
 * Completes a fact whose envelope signature verified: about the deployed digest, its
 * predicate (and provenance); about another artifact, unverified with the reason.
 */
export function statementFact(base: Omit<AttestationFact, 'verified'>, payload: Uint8Array, digest: string): AttestationFact {
  const statement = asStatement(payload);
  if (typeof statement === 'string') return { ...base, verified: false, reason: statement };
  const subjects = subjectDigests(statement);
  const fact: AttestationFact = { ...base, verified: false, predicate_type: statement.predicateType };
  if (!subjects.includes(digest)) {
    return { ...fact, ...(subjects[0] ? { digest: subjects[0] } : {}), reason: `the statement is about ${subjects.join(', ') || 'no digest'}, not the deployed ${digest}` };
  }
  const verified: AttestationFact = { ...fact, verified: true, digest, predicate: statement.predicate ?? null };
  delete verified.reason;
  if (statement.predicateType === SLSA_PROVENANCE_V02 || statement.predicateType === SLSA_PROVENANCE_V1) {
    try {
      const { provenance } = parseSlsaProvenance(statement);
      if (provenance) {
        const { unverified_reason: _reason, ...claims } = provenance;
        verified.provenance = { ...claims, verified: true };
      }
    } catch (err) {
      return { ...fact, digest, verified: false, reason: `the signed provenance cannot be read: ${(err as Error).message}` };
    }
  }
  const evidence = readPredicateEvidence(statement.predicateType, verified.predicate);
  return evidence ? { ...verified, ...evidence } : verified;
}

/** The claimed predicate type, to name an unverified attestation (never to trust it). */
export function readPredicateType(payload: Uint8Array): string | undefined {
  try {
    const type = (JSON.parse(new TextDecoder().decode(payload)) as { predicateType?: unknown }).predicateType;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
