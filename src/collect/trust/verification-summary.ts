// Admission on dfw's own verdict: the image's registry holds, in cosign's `.att` tag, a
// SLSA verification summary that dfw signed (src/decide/attestation.ts) for this repository,
// this digest and this environment. Anything else — another key, another digest, another
// repository, another environment, a summary that did not pass — is refused with the reason.
// A summary found here does not admit by itself: the webhook hands it to the policy
// (input.verification_summary), which lets it vouch for the pipeline's evidence only under
// the bundle that made it and while it is young enough, and still judges the pod spec
// (rego/firewall/lib/verification_summary.rego).
import { parseImageReference } from '../image-reference.js';
import { endpointsFrom, type RegistryCollectorConfig } from '../collectors/registry.js';
import { RegistryClient, type TokenCache } from '../collectors/registry-client.js';
import { reasonFor } from '../collectors/http.js';
import { isEnvelope, verifyEnvelope } from './envelope.js';
import { readVerificationKey, type VerificationKey } from './keys.js';
import { RegistryTrustReader } from './registry-sources.js';
import type { VerifiedSummary } from '../../engine/types.js';

export type { VerifiedSummary };

const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';

export type SummaryResult = { admitted: VerifiedSummary } | { refused: string };

/** (image, digest, environment) -> a verified dfw summary, or why there is none; the admission webhook's hook. */
export type SummaryVerifier = (image: string, digest: string, environment: string) => Promise<SummaryResult>;

interface VsaPredicate {
  verificationResult?: unknown;
  timeVerified?: unknown;
  resourceUri?: unknown;
  dfw?: { decision_id?: unknown; environment?: unknown; bundle?: { name?: unknown; revision?: unknown } };
}

/** What the summary must be about: the image's repository (registry/repository, as dfw names it) at the digest, in the environment. */
export interface SummarySubject {
  repository: string;
  digest: string;
  environment: string;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Why a verified summary's predicate does not speak for `subject`, or undefined when it does. */
function mismatch(p: VsaPredicate, subject: SummarySubject): string | undefined {
  if (p.verificationResult !== 'PASSED') return `the summary's result is ${String(p.verificationResult)}, not PASSED`;
  if (p.dfw?.environment !== subject.environment) return `the summary is for environment ${String(p.dfw?.environment)}, not ${subject.environment}`;
  // The signature binds the digest; the repository is only in the predicate. Without this, a
  // summary copied to another repository's .att tag would speak for an image dfw never
  // judged there (the registry allow-list among others).
  const resource = `${subject.repository}@${subject.digest}`;
  if (p.resourceUri !== resource) return `the summary is about ${String(p.resourceUri)}, not ${resource}`;
  if (!isText(p.dfw?.decision_id)) return 'the summary names no decision id';
  if (!isText(p.timeVerified) || Number.isNaN(Date.parse(p.timeVerified))) return 'the summary has no valid timeVerified';
  if (!isText(p.dfw?.bundle?.name) || !isText(p.dfw?.bundle?.revision)) return 'the summary names no bundle revision';
  return undefined;
}

/** Judges the summaries found for the subject's digest: the first that speaks for the subject is the one. */
export function judgeSummaries(facts: ReturnType<typeof verifyEnvelope>[], subject: SummarySubject): SummaryResult {
  const reasons: string[] = [];
  for (const fact of facts) {
    if (fact.predicate_type !== VSA_PREDICATE_TYPE) continue;
    if (!fact.verified) {
      reasons.push(`${fact.location}: ${fact.reason}`);
      continue;
    }
    const p = (fact.predicate ?? {}) as VsaPredicate;
    const why = mismatch(p, subject);
    if (why) {
      reasons.push(`${fact.location}: ${why}`);
      continue;
    }
    return {
      admitted: {
        verified: true,
        decision_id: p.dfw!.decision_id as string,
        environment: subject.environment,
        time_verified: p.timeVerified as string,
        bundle: { name: p.dfw!.bundle!.name as string, revision: p.dfw!.bundle!.revision as string },
        location: fact.location,
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
      return judgeSummaries(facts, { repository: `${ref.registry}/${ref.repository}`, digest, environment });
    } catch (err) {
      return { refused: `the verification summary could not be read: ${reasonFor(client.service, err)}` };
    }
  };
}
