// evidence.promotion from dfw's own decision log: for the deployed application and image
// digest, the first decision in each environment that allowed it. DFW-PROMOTION-001 reads
// the entry of the environment bundle data names (production comes from staging), so the
// policy, not this collector, says which environment counts and for how long. What the
// caller's pipeline claims plays no part: only decisions dfw itself recorded do.
import type { EvidenceKind } from '../../evidence/types.js';
import type { Store } from '../../store/types.js';
import type { Collector } from '../collector.js';

const KINDS: readonly EvidenceKind[] = ['promotion'];

export interface PromotionEvidence {
  /** Environment -> the first decision that allowed this digest there. */
  allowed: Record<string, { first_at: string; decision_id: string }>;
}

/**
 * The store keeps, per digest and environment, the first allowed, enforced decision in the
 * decisions' own transactions: one indexed read per check, however long the log (it used to
 * be paged through here, which made every check slower as the log grew). A decision made
 * "in the future" by a skewed clock does not promote: only those before `before` count.
 */
async function firstAllowed(store: Pick<Store, 'firstAllowed'>, application: string, digest: string, before: Date): Promise<PromotionEvidence> {
  const rows = (await store.firstAllowed(application, digest)).filter((r) => Date.parse(r.time) < before.getTime());
  return { allowed: Object.fromEntries(rows.map((r) => [r.environment, { first_at: r.time, decision_id: r.decision_id }])) };
}

export function createPromotionCollector(store: Pick<Store, 'firstAllowed'>, options: { timeoutMs?: number; clock?: () => Date } = {}): Collector {
  const clock = options.clock ?? (() => new Date());
  return {
    name: 'promotion',
    kinds: KINDS,
    timeoutMs: options.timeoutMs ?? 5000,
    // Every decision can change the answer; the log is local.
    cacheTtlMs: 0,
    cacheKey: ({ input }) => JSON.stringify([input.request?.application ?? '', (input.artifact as { digest?: string } | undefined)?.digest ?? '']),
    async collect({ input }) {
      const application = input.request?.application;
      const digest = (input.artifact as { digest?: string } | undefined)?.digest;
      if (typeof application !== 'string' || application === '') return { evidence: {}, unavailable: { promotion: 'the request names no application' } };
      if (!digest) return { evidence: {}, unavailable: { promotion: 'the request names no image digest, so no earlier decision can be matched to it' } };
      return { evidence: { promotion: await firstAllowed(store, application, digest, clock()) }, unavailable: {} };
    },
  };
}
