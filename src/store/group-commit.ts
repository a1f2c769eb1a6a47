// Group commit: the writes that arrive in the same turn of the event loop share one
// transaction, so one fsync (SQLite) or one WAL flush (PostgreSQL) makes a whole batch
// durable instead of one each. Every writer still waits for the commit of its own batch, so
// "recorded before answered" holds exactly as with a transaction per write.
import type { SqlDriver, SqlExecutor } from './sql/driver.js';

/**
 * Writes one item inside the batch's transaction. An error that concerns only this item
 * (a duplicate id found with ON CONFLICT DO NOTHING) is returned, and the batch goes on;
 * a thrown error aborts the transaction and fails every item of the batch.
 */
export type BatchWrite<T> = (tx: SqlExecutor, item: T) => Promise<Error | undefined>;

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Batches beyond this size are split, so one transaction never holds the lock for long. */
const MAX_BATCH = 256;

export class GroupCommit<T> {
  private pending: Waiter<T>[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: SqlDriver,
    private readonly write: BatchWrite<T>,
  ) {}

  /** Resolves once the item is committed; rejects with its own error or the batch's. */
  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until everything submitted so far is committed or failed (before closing the database). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      if (this.pending.length > 0) this.flush();
      await Promise.all(this.inFlight);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: requests that arrived together
    // have all submitted by then.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      const done = this.commit(batch).finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    }
  }

  private async commit(batch: Waiter<T>[]): Promise<void> {
    let outcomes: (Error | undefined)[];
    try {
      outcomes = await this.db.transaction(async (tx) => {
        const results: (Error | undefined)[] = [];
        for (const waiter of batch) results.push(await this.write(tx, waiter.item));
        return results;
      });
    } catch (err) {
      for (const waiter of batch) waiter.reject(err);
      return;
    }
    batch.forEach((waiter, i) => {
      const own = outcomes[i];
      if (own) waiter.reject(own);
      else waiter.resolve();
    });
  }
}
