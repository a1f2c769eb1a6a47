// Group commit: the writes that arrive in the same turn of the event loop share one
// transaction, so one fsync (SQLite) or one WAL flush (PostgreSQL) makes a whole batch
// durable instead of one each. Every writer still waits for the commit of its own batch, so
// "recorded before answered" holds exactly as with a transaction per write.
import type { SqlDriver, SqlExecutor } from './sql/driver.js';

/**
 * Writes one item inside the batch's transaction, under a savepoint of its own. An error that
 * concerns only this item may be returned (a duplicate id found with ON CONFLICT DO NOTHING)
 * or thrown (a value the database refuses): either way the item's statements are rolled back
 * to its savepoint, its writer gets the error, and the rest of the batch goes on — one
 * caller's bad record must not fail everyone else's decisions. Only a failure of the
 * transaction itself (BEGIN, a savepoint, COMMIT) fails the whole batch.
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

  /**
   * `order`, when given, sorts each batch before it is written: writes that update shared
   * rows (upserts) then take their row locks in one global order in every transaction, so two
   * batches committing at once on PostgreSQL cannot deadlock.
   */
  constructor(
    private readonly db: SqlDriver,
    private readonly write: BatchWrite<T>,
    private readonly order?: (a: T, b: T) => number,
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

  private async commit(unordered: Waiter<T>[]): Promise<void> {
    const order = this.order;
    const batch = order ? [...unordered].sort((a, b) => order(a.item, b.item)) : unordered;
    let outcomes: unknown[];
    try {
      outcomes = await this.db.transaction(async (tx) => {
        const results: unknown[] = [];
        for (const waiter of batch) results.push(await this.writeIsolated(tx, waiter.item));
        return results;
      });
    } catch (err) {
      for (const waiter of batch) waiter.reject(err);
      return;
    }
    batch.forEach((waiter, i) => {
      const own = outcomes[i];
      if (own === undefined) waiter.resolve();
      else waiter.reject(own);
    });
  }

  /** The item's own error, or undefined once its statements stand; throws only when the savepoint itself fails. */
  private async writeIsolated(tx: SqlExecutor, item: T): Promise<unknown> {
    await tx.run('SAVEPOINT group_commit_item');
    let own: unknown;
    try {
      own = await this.write(tx, item);
    } catch (err) {
      own = err ?? new Error('write failed');
    }
    // A PostgreSQL transaction refuses every statement after an error until it is rolled back
    // to a savepoint; SQLite does not need it, but the same statements serve both.
    if (own !== undefined) await tx.run('ROLLBACK TO SAVEPOINT group_commit_item');
    await tx.run('RELEASE SAVEPOINT group_commit_item');
    return own;
  }
}
