// The two reads every check makes — the active waivers of its application and environment,
// and the evidence CI pushed for its digest and commit — answered from memory while the
// database says nothing changed. Each lookup first reads the scopes' generations
// (primary-key lookups, src/store/generations.ts); database triggers bump them in the
// transaction of every write that changes a scope (migration 12). So a check that starts
// after a write was acknowledged sees the new generation and reads again: a revoked waiver
// or a superseded report is never served, whichever process (cluster worker, replica, an
// operator's SQL) made the write.
import type { EvidenceStore } from './evidence.js';
import { evidenceScopes, GenerationReader, waiverScope } from './generations.js';
import { deepFreeze, ReadCache } from './read-cache.js';
import type { SqlExecutor } from './sql/driver.js';
import type { Instant, LatestEvidence, ReportSubject, StoreCaches, Waiver } from './types.js';
import { toMillis } from './values.js';
import type { WaiverStore } from './waivers.js';

export interface CacheLimits {
  /** Deployment keys (application + environment) whose active waivers are kept. */
  waiverEntries: number;
  /** Subjects whose newest evidence is kept. */
  evidenceEntries: number;
  /** Bytes of stored evidence JSON kept in all (an SBOM can weigh megabytes). */
  evidenceBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { waiverEntries: 4096, evidenceEntries: 4096, evidenceBytes: 32 * 1024 * 1024 };

interface CachedWaivers {
  /** The request time they were read at: expiry is judged again at each later time. */
  readAtMs: number;
  waivers: ReadonlyArray<{ waiver: Waiver; expiresAtMs: number }>;
}

export class CachedReads implements StoreCaches {
  private readonly waiverCache: ReadCache<CachedWaivers>;
  private readonly evidenceCache: ReadCache<LatestEvidence>;
  /** Reads under way, by key: a lookup at the same generations waits for it instead of asking again. */
  private readonly filling = new Map<string, { generations: readonly number[]; readAtMs: number; done: Promise<unknown> }>();
  private readonly generations: GenerationReader;

  constructor(
    db: SqlExecutor,
    private readonly waivers: WaiverStore,
    private readonly evidence: EvidenceStore,
    limits: CacheLimits = DEFAULT_CACHE_LIMITS,
  ) {
    // A waiver entry weighs one per waiver, so the entry count is the real bound.
    this.waiverCache = new ReadCache({ maxEntries: limits.waiverEntries, maxWeight: Number.MAX_SAFE_INTEGER });
    this.evidenceCache = new ReadCache({ maxEntries: limits.evidenceEntries, maxWeight: limits.evidenceBytes });
    this.generations = new GenerationReader(db);
  }

  /** Store.activeWaivers; cached only for one application and one environment (what a check asks). */
  async activeWaivers(at: Instant, filter: { application?: string; environment?: string } = {}): Promise<Waiver[]> {
    const { application, environment } = filter;
    if (application === undefined || environment === undefined) {
      this.waiverCache.countMiss();
      return this.waivers.active(at, filter);
    }
    const atMs = toMillis(at, 'at');
    const key = JSON.stringify([application, environment]);
    const generations = await this.generations.read([waiverScope(application)]);
    // Not revoked and not expired at the time they were read; whatever expired since is
    // dropped here. An earlier time than the read's (a clock that went back) reads again.
    const inForce = (cached: CachedWaivers) => cached.waivers.filter((w) => w.expiresAtMs > atMs).map((w) => w.waiver);
    const cached = this.waiverCache.get(key, generations, (entry) => atMs >= entry.readAtMs);
    if (cached) return inForce(cached);
    const read = await this.fill('waivers', key, generations, atMs, async () => {
      const waivers = (await this.waivers.active(new Date(atMs), filter)).map((waiver) => ({ waiver: deepFreeze(waiver), expiresAtMs: Date.parse(waiver.expires_at) }));
      const entry: CachedWaivers = { readAtMs: atMs, waivers };
      this.waiverCache.set(key, generations, entry, waivers.length + 1);
      return entry;
    });
    return inForce(read);
  }

  /**
   * Store.latestEvidence. The values are shared with every later check of the subject, so
   * they are frozen: the collectors put them into the input as they are.
   */
  async latestEvidence(subject: ReportSubject): Promise<LatestEvidence> {
    const scopes = evidenceScopes(subject);
    if (scopes.length === 0) return {}; // names neither a digest nor a commit: no report matches
    const key = JSON.stringify([subject.digest || null, subject.repository && subject.commit ? [subject.repository, subject.commit] : null]);
    const generations = await this.generations.read(scopes);
    const cached = this.evidenceCache.get(key, generations);
    if (cached) return cached;
    return this.fill('evidence', key, generations, 0, async () => {
      const { latest, bytes } = await this.evidence.latestSized(subject);
      deepFreeze(latest);
      this.evidenceCache.set(key, generations, latest, bytes);
      return latest;
    });
  }

  stats(): ReturnType<StoreCaches['stats']> {
    return { waivers: this.waiverCache.stats(), evidence: this.evidenceCache.stats() };
  }

  /**
   * Runs `read`, or joins a read of the same key already under way at the same generations
   * (and, for waivers, at a time not after this one). Sound because equal generations mean
   * no write to the scopes committed between that read's start and this lookup.
   */
  private fill<T>(cache: 'waivers' | 'evidence', key: string, generations: readonly number[], readAtMs: number, read: () => Promise<T>): Promise<T> {
    const fullKey = `${cache}\u0000${key}`;
    const running = this.filling.get(fullKey);
    if (running && running.readAtMs <= readAtMs && running.generations.every((g, i) => g === generations[i])) return running.done as Promise<T>;
    const done = read().finally(() => {
      if (this.filling.get(fullKey)?.done === done) this.filling.delete(fullKey);
    });
    this.filling.set(fullKey, { generations, readAtMs, done });
    return done;
  }
}
