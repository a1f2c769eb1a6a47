// The input a deployment would be judged on today: the logged input (masked, with the live
// evidence collected when it was checked), with the evidence pushed to the store since and
// the waivers in force now. The evaluator then writes today's time into input.request.
import type { InputDocument } from '../engine/index.js';
import type { EvidenceKind } from '../evidence/types.js';
import type { DecisionRecord, Store, Waiver } from '../store/types.js';
import { toInputWaiver } from '../store/waivers.js';

interface Subject {
  digest?: string;
  repository?: string;
  commit?: string;
}

function subjectOf(input: InputDocument): Subject {
  const artifact = (input.artifact ?? {}) as { digest?: string };
  const source = (input.source ?? {}) as { repository?: string; commit?: string };
  return {
    ...(artifact.digest ? { digest: artifact.digest } : {}),
    ...(source.repository && source.commit ? { repository: source.repository, commit: source.commit.toLowerCase() } : {}),
  };
}

export async function refreshInput(record: DecisionRecord, store: Pick<Store, 'latestEvidence'>, waivers: Waiver[]): Promise<InputDocument> {
  const input = structuredClone(record.input) as InputDocument & { evidence?: Record<string, unknown>; unavailable?: Record<string, string> };
  const evidence = (input.evidence ??= {});
  const sources = record.decision.evidence_sources ?? {};
  const subject = subjectOf(input);
  if (subject.digest || subject.commit) {
    const latest = await store.latestEvidence(subject);
    const decidedAt = Date.parse(record.time);
    for (const [kind, entry] of Object.entries(latest)) {
      if (!entry) continue;
      // A pushed report replaces what the check saw when the check took it from the store,
      // saw nothing, or saw something older than the report.
      const replace = sources[kind] === 'store' || !(kind in evidence) || Date.parse(entry.received_at) > decidedAt;
      if (!replace) continue;
      evidence[kind as EvidenceKind] = entry.value;
      if (input.unavailable) delete input.unavailable[kind];
    }
  }
  input.waivers = waivers.map(toInputWaiver);
  return input;
}
