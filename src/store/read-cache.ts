// A bounded, least-recently-used map of store reads, each remembered with the generations of
// its scopes (src/store/generations.ts) at the moment it was read. An entry is served only
// while every one of those generations is unchanged, so an answer never outlives the write
// that changed it: the write bumps a generation in its own transaction, and the lookup reads
// the generations before it decides.
import type { CacheStats } from './types.js';
export { deepFreeze } from '../shared/deep-freeze.js';

interface Entry<V> {
  generations: readonly number[];
  value: V;
  weight: number;
}

const sameGenerations = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((g, i) => g === b[i]);

export class ReadCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private totalWeight = 0;
  private hits = 0;
  private misses = 0;

  constructor(private readonly limits: { maxEntries: number; maxWeight: number }) {}

  /**
   * The value cached under `key` if it was read at exactly `generations` (and `usable` says
   * yes); counts a hit or a miss.
   */
  get(key: string, generations: readonly number[], usable: (value: V) => boolean = () => true): V | undefined {
    const entry = this.entries.get(key);
    if (!entry || !sameGenerations(entry.generations, generations) || !usable(entry.value)) {
      this.misses++;
      return undefined;
    }
    // Map keeps insertion order: moving the key to the end makes the first key the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  /** A read that did not go through `get` (bypassed): counted, so the hit ratio stays honest. */
  countMiss(): void {
    this.misses++;
  }

  /** Remembers `value`, read at `generations`; evicts the least recently used beyond the limits. */
  set(key: string, generations: readonly number[], value: V, weight: number): void {
    this.remove(key);
    // A single value heavier than the whole budget is not kept: it would evict everything else.
    if (weight > this.limits.maxWeight) return;
    this.entries.set(key, { generations: [...generations], value, weight });
    this.totalWeight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalWeight <= this.limits.maxWeight) break;
      this.entries.delete(oldest);
      this.totalWeight -= entry.weight;
    }
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, weight: this.totalWeight };
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }
}

