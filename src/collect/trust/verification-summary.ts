// Admission on dfw's own verdict: the image's registry holds, in cosign's `.att` tag, a
// SLSA verification summary that dfw signed (src/decide/attestation.ts) for this digest and
// this environment. Anything else — another key, another digest, another environment, a
// summary that did not pass — is refused with the reason, and the webhook evaluates instead.
import { parseImageReference } from '../image-reference.js';
import { endpointsFrom, type RegistryCollectorConfig } from '../collectors/registry.js';
import { RegistryClient, type TokenCache } from '../collectors/registry-client.js';
import { reasonFor } from '../collectors/http.js';
import { isEnvelope, verifyEnvelope } from './envelope.js';
import { readVerificationKey, type VerificationKey } from './keys.js';
import { RegistryTrustReader } from './registry-sources.js';

const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';

export interface VerifiedSummary {
  decision_id: string;
  environment: string;
  time_verified?: string;
  bundle?: { name: string; revision: string };
  /** Where the summary was read. */
  location: string;
}

export type SummaryResult = { admitted: VerifiedSummary } | { refused: string };

/** (image, digest, environment) -> whether a dfw summary admits it; the admission webhook's hook. */
export type SummaryVerifier = (image: string, digest: string, environment: string) => Promise<SummaryResult>;

interface VsaPredicate {
  verificationResult?: unknown;
  timeVerified?: unknown;
  dfw?: { decision_id?: unknown; environment?: unknown; bundle?: { name?: unknown; revision?: unknown } };
}

/** Judges the summaries found for `digest`: the first valid one for `environment` admits. */
export function judgeSummaries(facts: ReturnType<typeof verifyEnvelope>[], environment: string): SummaryResult {
  const reasons: string[] = [];
  for (const fact of facts) {
    if (fact.predicate_type !== VSA_PREDICATE_TYPE) continue;
    if (!fact.verified) {
      reasons.push(`${fact.location}: ${fact.reason}`);
      continue;
    }
    const p = (fact.predicate ?? {}) as VsaPredicate;
    if (p.verificationResult !== 'PASSED') {
      reasons.push(`${fact.location}: the summary's result is ${String(p.verificationResult)}, not PASSED`);
      continue;
    }
    if (p.dfw?.environment !== environment) {
      reasons.push(`${fact.location}: the summary is for environment ${String(p.dfw?.environment)}, not ${environment}`);
      continue;
    }
    const bundle = p.dfw?.bundle;
    return {
      admitted: {
        decision_id: String(p.dfw?.decision_id ?? ''),
        environment,
        location: fact.location,
        ...(typeof p.timeVerified === 'string' ? { time_verified: p.timeVerified } : {}),
        ...(bundle && typeof bundle.name === 'string' && typeof bundle.revision === 'string' ? { bundle: { name: bundle.name, revision: bundle.revision } } : {}),
      },
    };
  }
  return { refused: reasons.length ? reasons.join('; ') : 'the registry holds no dfw verification summary for the digest' };
}

/** `(image, digest, environment) -> SummaryResult`, reading the image's registry. */
export function createSummaryVerifier(publicKeyPem: string, registry: RegistryCollectorConfig, timeoutMs = 5000): SummaryVerifier {
  const key: VerificationKey = readVerificationKey(publicKeyPem, 'kubernetes.admission.admit_on_summary.public_key');
  const endpoints = endpointsFrom(registry);
  const tokens: TokenCache = new Map();
  return async (image: string, digest: string, environment: string): Promise<SummaryResult> => {
    const ref = parseImageReference(image);
    const endpoint = endpoints.get(ref.registry.toLowerCase());
    if (!endpoint) return { refused: `registry ${ref.registry} is not configured (collectors.registry.registries)` };
    const client = new RegistryClient(endpoint, ref.repository, AbortSignal.timeout(timeoutMs), tokens);
    try {
      const items = await new RegistryTrustReader(client, ref.repository, `${ref.registry}/${ref.repository}`).read(digest);
      const facts = items
        .filter((i): i is Extract<typeof i, { kind: 'envelope' }> => i.kind === 'envelope' && isEnvelope(i.json))
        .map((i) => verifyEnvelope({ source: 'registry', format: 'dsse', location: i.location }, i.json as Parameters<typeof verifyEnvelope>[1], [key], digest));
      return judgeSummaries(facts, environment);
    } catch (err) {
      return { refused: `the verification summary could not be read: ${reasonFor(client.service, err)}` };
    }
  };
}
