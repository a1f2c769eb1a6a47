// Which X-GitHub-Delivery ids have been handled, so a delivery seen twice is acted on once.
// GitHub keeps the id when a delivery is redelivered (github/docs#32822: the id is unique
// per event, not per attempt), so an id whose handling failed is released again: the
// redelivery someone starts after an outage is then handled, not dropped as a duplicate.
// The default keeps ids in memory; the store can implement the same interface.

export interface DeliveryLog {
  /** Records `id`; false when it was already recorded (the delivery is a duplicate). */
  claim(id: string): boolean | Promise<boolean>;
  /** Forgets `id` after its handling failed, so a redelivery is handled. */
  release(id: string): void | Promise<void>;
}

export interface MemoryDeliveryLogOptions {
  /** Ids kept; the least recently seen is forgotten first. */
  maxEntries?: number;
  /** Ids older than this are forgotten; GitHub redelivers only the last 3 days. */
  ttlMs?: number;
  now?: () => number;
}

export const DEFAULT_DELIVERY_LOG_ENTRIES = 10_000;
export const DEFAULT_DELIVERY_TTL_MS = 3 * 24 * 60 * 60 * 1000;

/** An in-memory LRU DeliveryLog: a Map in recency order, trimmed from the oldest end. */
export function createMemoryDeliveryLog(options: MemoryDeliveryLogOptions = {}): DeliveryLog & { readonly size: number } {
  const maxEntries = options.maxEntries ?? DEFAULT_DELIVERY_LOG_ENTRIES;
  const ttlMs = options.ttlMs ?? DEFAULT_DELIVERY_TTL_MS;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  return {
    claim(id) {
      const at = now();
      const previous = seen.get(id);
      seen.delete(id);
      seen.set(id, at);
      if (previous !== undefined && at - previous < ttlMs) return false;
      for (const [oldest, when] of seen) {
        if (seen.size <= maxEntries && at - when < ttlMs) break;
        seen.delete(oldest);
      }
      return true;
    },
    release(id) {
      seen.delete(id);
    },
    get size() {
      return seen.size;
    },
  };
}
