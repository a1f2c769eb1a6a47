// Who runs the timed jobs (the event scan, the scheduled audit, pruning) when several
// processes share one PostgreSQL: the one holding the database lock "timed-jobs". Each
// candidate tries for it every few seconds; the database lets go of it when its holder's
// session ends, a crashed or killed process included, and the next try elsewhere takes
// over. On SQLite the store has no such lock: the file has one writing process, whose
// cluster workers share out the jobs themselves (src/host/cluster.ts), so it runs them.
import type { Logger } from '../shared/logger.js';
import type { SessionLock, Store } from '../store/index.js';

export const TIMED_JOBS_LOCK = 'timed-jobs';
/** How often a process that does not hold the lock tries again. */
export const DEFAULT_RETRY_MS = 5_000;

export interface TimedJobs {
  /** Starts the jobs' timers; called when this process becomes the one that runs them. */
  start(): void;
  /** Stops them; called when the lock is lost and at shutdown. */
  stop(): void;
}

export interface TimedJobsLeader {
  /** Whether this process runs the timed jobs now. */
  leading(): boolean;
  /** Stops the jobs and lets go of the lock. */
  stop(): Promise<void>;
}

export function leadTimedJobs(store: Pick<Store, 'tryLock'>, jobs: TimedJobs, logger: Logger, retryMs = DEFAULT_RETRY_MS): TimedJobsLeader {
  if (!store.tryLock) {
    jobs.start();
    return { leading: () => true, stop: async () => jobs.stop() };
  }
  const tryLock = store.tryLock.bind(store);
  let held: SessionLock | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** Logged once per change, not at every try. */
  let said: 'waiting' | 'unavailable' | undefined;

  const retry = () => {
    if (stopped) return;
    timer = setTimeout(() => void attempt(), retryMs);
    timer.unref();
  };
  const attempt = async () => {
    let lock: SessionLock | undefined;
    try {
      lock = await tryLock(TIMED_JOBS_LOCK);
    } catch (err) {
      if (said !== 'unavailable') logger.warn('timed jobs: the lock cannot be taken now; trying again', { error: (err as Error).message, retry_ms: retryMs });
      said = 'unavailable';
      return retry();
    }
    if (!lock) {
      if (said !== 'waiting') logger.info('timed jobs: another process sharing the database runs them', { retry_ms: retryMs });
      said = 'waiting';
      return retry();
    }
    if (stopped) return void lock.release();
    held = lock;
    said = undefined;
    logger.info('timed jobs: this process runs them', { lock: TIMED_JOBS_LOCK });
    jobs.start();
    void lock.lost.then((err) => {
      if (held !== lock) return; // released on purpose
      held = undefined;
      jobs.stop();
      logger.warn('timed jobs: the lock was lost with its database session; stopped them and trying again', { error: err.message });
      retry();
    });
  };
  void attempt();

  return {
    leading: () => held !== undefined,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const lock = held;
      held = undefined;
      if (lock) {
        jobs.stop();
        await lock.release();
      }
    },
  };
}
