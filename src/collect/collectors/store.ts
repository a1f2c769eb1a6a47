// The evidence CI pushed (scan reports, SBOMs, provenance, reviews), looked up in the
// evidence store by the request's image digest and by its repository and commit.
import type { EvidenceKind } from '../../evidence/types.js';
import type { Store } from '../../store/types.js';
import type { Collector } from '../collector.js';

/** The kinds reports can contribute (src/evidence); live collectors own the others. */
export const STORED_KINDS: readonly EvidenceKind[] = ['vulnerabilities', 'container_scan', 'code_scanning', 'sbom', 'provenance', 'security_review', 'scorecard'];

export function createStoreCollector(store: Pick<Store, 'latestEvidence'>, options: { timeoutMs?: number } = {}): Collector {
  const subjectOf = (input: Parameters<Collector['cacheKey']>[0]['input']) => {
    const artifact = (input.artifact ?? {}) as { digest?: string };
    const source = (input.source ?? {}) as { repository?: string; commit?: string };
    return {
      ...(artifact.digest ? { digest: artifact.digest } : {}),
      ...(source.repository && source.commit ? { repository: source.repository, commit: source.commit.toLowerCase() } : {}),
    };
  };
  return {
    name: 'store',
    kinds: STORED_KINDS,
    timeoutMs: options.timeoutMs ?? 5000,
    // Pushed reports change at any moment: no TTL here. The store keeps the answer itself and
    // serves it only until a push changes it (src/store/cached-reads.ts).
    cacheTtlMs: 0,
    cacheKey: ({ input }) => JSON.stringify(subjectOf(input)),
    async collect({ input }) {
      const subject = subjectOf(input);
      const unavailable: Partial<Record<EvidenceKind, string>> = {};
      const noSubject = !subject.digest && !subject.commit;
      if (noSubject) {
        for (const kind of STORED_KINDS) unavailable[kind] = 'the request names neither an image digest nor a commit, so no pushed report can match it';
        return { evidence: {}, unavailable };
      }
      const latest = await store.latestEvidence(subject);
      const evidence: Partial<Record<EvidenceKind, unknown>> = {};
      for (const kind of STORED_KINDS) {
        const entry = latest[kind as keyof typeof latest];
        if (entry) evidence[kind] = entry.value;
        else {
          const about = [subject.digest, subject.commit ? `${subject.repository}@${subject.commit}` : undefined].filter(Boolean).join(' or ');
          unavailable[kind] = `no report with ${kind.replace('_', ' ')} was pushed for ${about}`;
        }
      }
      return { evidence, unavailable };
    },
  };
}
