// Retention: decisions older than store.retention_days are pruned, at startup and then
// hourly, in the background.
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/index.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export function startRetention(store: Pick<Store, 'pruneDecisions'>, days: number, logger: Logger, now: () => Date = () => new Date()): { stop(): void; prune(): Promise<number> } {
  const prune = async () => {
    const before = new Date(now().getTime() - days * DAY_MS);
    try {
      const removed = await store.pruneDecisions(before);
      if (removed > 0) logger.info('retention: pruned decisions', { removed, before: before.toISOString(), retention_days: days });
      return removed;
    } catch (err) {
      logger.error('retention: pruning failed', { error: (err as Error).message });
      return 0;
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), HOUR_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), prune };
}
