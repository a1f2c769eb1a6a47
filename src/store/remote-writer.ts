// A store whose decisions are committed by another process: the one writer of a SQLite file
// when several server processes share it (WAL allows one writer at a time; src/host/cluster.ts).
// This process still validates, masks and serializes each record — the CPU work — and only
// the prepared row crosses to the writer. recordDecision resolves when the writer reports
// the commit, so "recorded before answered" holds as with a local group commit.
import { prepareDecision, type PendingDecision } from './decisions.js';
import { DEFAULT_MASK_PATHS } from './mask.js';
import type { OpenStoreOptions, Store } from './types.js';

/** Sends one prepared row to the writer; resolves once it is committed, rejects with its error. */
export type SendDecision = (pending: PendingDecision) => Promise<void>;

/** The mask paths openStore applies: the defaults plus store.mask_paths. */
export function maskPathsOf(options: OpenStoreOptions): string[] {
  return [...DEFAULT_MASK_PATHS, ...(options.maskPaths ?? [])];
}

export function withRemoteDecisionWriter(store: Store, options: OpenStoreOptions, send: SendDecision): Store {
  const maskPaths = maskPathsOf(options);
  const clock = options.clock ?? (() => new Date());
  const inFlight = new Set<Promise<void>>();
  return {
    ...store,
    recordDecision(record) {
      // Validation errors stay the caller's, thrown before anything is sent.
      const sent = Promise.resolve().then(() => send(prepareDecision(record, maskPaths, clock())));
      const tracked = sent.catch(() => undefined).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      return sent;
    },
    async close() {
      // Decisions already sent are acknowledged (and their callers answered) first.
      while (inFlight.size > 0) await Promise.all(inFlight);
      await store.close();
    },
  };
}
