// Who runs the timed jobs (the event scan, the scheduled audit, pruning and retention) when
// several processes share one PostgreSQL: the one whose database session holds the lock
// "timed-jobs". Every few seconds each candidate asks for it on its own session, and the
// holder proves its session is still there; the database lets go of the lock when the
// holder's session ends (a crashed or killed process, a dropped connection), and the next
// ask elsewhere takes over. A holder that finds its session gone stops its jobs first, so two
// processes run them at once for at most one interval. On SQLite the store has no such lock:
// the file has one writing process, whose cluster workers share out the jobs themselves
// (src/host/cluster.ts), so it runs them.
import type { Logger } from '../shared/logger.js';
import type { LockSession, Store } from '../store/index.js';

export const TIMED_JOBS_LOCK = 'timed-jobs';
/** How often a process asks for the lock, or, holding it, checks its session. */
export const DEFAULT_INTERVAL_MS = 5_000;

export interface TimedJobs {
  /** Starts the jobs' timers; called when this process becomes the one that runs them. */
  start(): void;
  /** Stops them; called when the lock is lost and at shutdown. */
  stop(): void;
}

export interface TimedJobsLeader {
  /** Whether this process runs the timed jobs now. */
  leading(): boolean;
  /** Stops the jobs and ends the lock's session, after an ask in flight. */
  stop(): Promise<void>;
}

export function leadTimedJobs(store: Pick<Store, 'lockSession'>, jobs: TimedJobs, logger: Logger, intervalMs = DEFAULT_INTERVAL_MS): TimedJobsLeader {
  if (!store.lockSession) {
    jobs.start();
    return { leading: () => true, stop: async () => jobs.stop() };
  }
  const open = store.lockSession.bind(store);
  let session: LockSession | undefined;
  let leading = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let asking: Promise<void> | undefined;
  let warnedPooler = false;
  /** Logged once per change, not at every ask. */
  let said: 'waiting' | 'unavailable' | undefined;

  const resign = (why: string) => {
    if (!leading) return;
    leading = false;
    jobs.stop();
    logger.warn('timed jobs: the lock was lost with its database session; stopped them', { error: why });
  };
  const newSession = () => {
    const created = open(TIMED_JOBS_LOCK);
    void created.lost.then((err) => {
      void created.close(); // what is left of it: the client, its place in the store's list
      if (session !== created) return;
      session = undefined;
      resign(err.message);
    });
    return created;
  };
  const ask = async () => {
    const current = (session ??= newSession());
    try {
      const held = await current.acquire();
      if (current.throughPooler() && !warnedPooler) {
        warnedPooler = true;
        logger.error(
          'timed jobs: the lock\'s database session goes through a connection pooler; in PgBouncer\'s transaction mode two processes can both hold it and run the jobs twice: point store.url at PostgreSQL itself or at a pooler in session mode',
          { lock: TIMED_JOBS_LOCK },
        );
      }
      // The session may have been lost while the answer was on its way (a lock granted in
      // the same read as the server's goodbye): that answer no longer counts.
      if (stopped || session !== current) return;
      if (!held && leading) resign('another session holds the lock');
      if (held && !leading) {
        leading = true;
        said = undefined;
        logger.info('timed jobs: this process runs them', { lock: TIMED_JOBS_LOCK });
        jobs.start();
      } else if (!held && said !== 'waiting') {
        said = 'waiting';
        logger.info('timed jobs: another process sharing the database runs them', { retry_ms: intervalMs });
      }
    } catch (err) {
      if (session === current) session = undefined;
      if (leading) resign((err as Error).message);
      else if (said !== 'unavailable') {
        said = 'unavailable';
        logger.warn('timed jobs: the lock cannot be asked for now; trying again', { error: (err as Error).message, retry_ms: intervalMs });
      }
    }
  };
  const loop = () => {
    if (stopped) return;
    asking = ask().finally(() => {
      asking = undefined;
      if (stopped) return;
      timer = setTimeout(loop, intervalMs);
      timer.unref();
    });
  };
  loop();

  return {
    leading: () => leading,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await asking;
      if (leading) {
        leading = false;
        jobs.stop();
      }
      const current = session;
      session = undefined;
      await current?.close();
    },
  };
}
