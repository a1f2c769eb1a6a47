// dfw's signed verdict: for an allowed deployment, a SLSA Verification Summary Attestation
// (https://slsa.dev/spec/v1.0/verification_summary) — an in-toto Statement v1 about the
// image digest, naming the policy bundle revision and the decision id — in a DSSE envelope
// signed with dfw's ECDSA P-256 key, the format `cosign verify-attestation --key` checks.
// Web-standard: the signing key (Node crypto) is src/host/attestation-signer.ts.
import { ConflictError, InvalidInputError } from '../shared/errors.js';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The verifier id VSAs name; policy consumers match on it. */
export const DFW_VERIFIER_ID = 'https://github.com/acme/dfw';

export interface AttestationConfig {
  /** PEM ECDSA P-256 private key (a path) dfw signs its verification summaries with. */
  signing_key?: string;
  /** Push each allowed deployment's summary to the image's registry as cosign's `.att` tag (collectors.registry endpoints). */
  attach?: boolean;
}

export const ATTESTATION_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    signing_key: { type: 'string', minLength: 1, description: 'path of a PEM ECDSA P-256 private key' },
    attach: { type: 'boolean', default: false, description: 'push each allowed deployment\'s summary to the image\'s registry (collectors.registry)' },
  },
} as const;


/** What a VSA is built from: the recorded decision. */
export interface VerifiedDecision {
  decision_id: string;
  allow: boolean;
  environment: string;
  /** RFC 3339: when the policy judged (the request time). */
  time: string;
  bundle: { name: string; revision: string };
  artifact?: { image?: string; registry?: string; repository?: string; digest?: string };
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

export interface AttestationSigner {
  /** The public key, PEM, for `cosign verify-attestation --key`. */
  publicKeyPem: string;
  sign(decision: VerifiedDecision): DsseEnvelope;
}

/** The in-toto Statement of a VSA for an allowed decision. */
export function buildVerificationSummary(decision: VerifiedDecision): Record<string, unknown> {
  if (!decision.allow) throw new ConflictError('decision_denied', `decision ${decision.decision_id} denied the deployment; dfw attests only to allowed deployments`);
  const digest = decision.artifact?.digest;
  const match = digest ? /^sha256:([0-9a-f]{64})$/.exec(digest) : null;
  if (!match) throw new InvalidInputError('no_digest', `decision ${decision.decision_id} names no sha256 image digest, so there is nothing to attest to`);
  const name = decision.artifact?.registry && decision.artifact.repository ? `${decision.artifact.registry}/${decision.artifact.repository}` : (decision.artifact?.image ?? 'image');
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name, digest: { sha256: match[1] } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: DFW_VERIFIER_ID },
      timeVerified: decision.time,
      resourceUri: `${name}@${digest}`,
      policy: { uri: `dfw+bundle:${decision.bundle.name}@${decision.bundle.revision}` },
      verificationResult: 'PASSED',
      // dfw's rules, not a fixed SLSA track, decided; DFW-PROV-001 enforced the build level.
      verifiedLevels: [],
      dfw: { decision_id: decision.decision_id, environment: decision.environment, bundle: decision.bundle },
    },
  };
}

/** The decision's fields a VSA names, from a decision and its input. */
export function verifiedDecisionOf(record: { decision_id: string; allow: boolean; environment: string; time: string; bundle: { name: string; revision: string }; input: unknown }): VerifiedDecision {
  const artifact = (record.input as { artifact?: VerifiedDecision['artifact'] } | null)?.artifact;
  return { decision_id: record.decision_id, allow: record.allow, environment: record.environment, time: record.time, bundle: record.bundle, ...(artifact ? { artifact } : {}) };
}
