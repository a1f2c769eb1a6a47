// evidence.promotion from dfw's own decision log: for the deployed application and image
// digest, the first decision in each environment that allowed it. DFW-PROMOTION-001 reads
// the entry of the environment bundle data names (production comes from staging), so the
// policy, not this collector, says which environment counts and for how long. What the
// caller's pipeline claims plays no part: only decisions dfw itself recorded do.
import type { EvidenceKind } from '../../evidence/types.js';
import type { DecisionSummary, Store } from '../../store/types.js';
import type { Collector } from '../collector.js';

const KINDS: readonly EvidenceKind[] = ['promotion'];
/** The log is read newest first, one page at a time; this many pages at most (50,000 decisions). */
const MAX_PAGES = 50;
const PAGE = 1000;

export interface PromotionEvidence {
  /** Environment -> the first decision that allowed this digest there. */
  allowed: Record<string, { first_at: string; decision_id: string }>;
}

/**
 * Reads allowed decisions of the application, newest first, and keeps the oldest one per
 * environment for the digest. Should the log hold more than MAX_PAGES pages, the oldest
 * decision found is still a decision that allowed the digest then, so a rule reading it
 * can only judge the digest younger than it is: it errs towards denying.
 */
async function firstAllowed(store: Pick<Store, 'listDecisions'>, application: string, digest: string, before: Date): Promise<PromotionEvidence> {
  const first = new Map<string, DecisionSummary>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next_cursor } = await store.listDecisions({ application, allow: true, to: before }, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    // A dry run (kubectl --dry-run=server) deployed nothing, so it promotes nothing.
    for (const d of items) if (d.artifact_digest === digest && !d.dry_run) first.set(d.environment, d);
    if (!next_cursor) break;
    cursor = next_cursor;
  }
  return { allowed: Object.fromEntries([...first].sort(([a], [b]) => (a < b ? -1 : 1)).map(([env, d]) => [env, { first_at: d.time, decision_id: d.decision_id }])) };
}

export function createPromotionCollector(store: Pick<Store, 'listDecisions'>, options: { timeoutMs?: number; clock?: () => Date } = {}): Collector {
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
