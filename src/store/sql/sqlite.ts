// SQLite through better-sqlite3 (version 12: 13 crashes Node 20). WAL with
// synchronous=FULL: a commit is fsynced before it returns, so a write that was acknowledged
// survives SIGKILL and power loss (https://sqlite.org/pragma.html#pragma_synchronous).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Row, SqlDriver, SqlExecutor } from './driver.js';

/** How long a connection waits for another connection's write lock (the writer thread's, another process's). */
const BUSY_TIMEOUT_MS = 5000;

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
}

interface Queue {
  tail: Promise<unknown>;
  connections: number;
}
const queues = new Map<string | symbol, Queue>();

function queueFor(key: string | symbol): Queue {
  let queue = queues.get(key);
  if (!queue) {
    queue = { tail: Promise.resolve(), connections: 0 };
    queues.set(key, queue);
  }
  queue.connections++;
  return queue;
}

export function openSqlite(path: string): SqlDriver {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON'); // decision_rules and evidence_items go with their parent
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (err) {
    db.close(); // e.g. "file is not a database"
    throw err;
  }

  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const direct: SqlExecutor = {
    all: async <T extends Row>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...bindable(params)) as T[],
    run: async (sql: string, params: readonly unknown[] = []) => prepare(sql).run(...bindable(params)).changes,
  };

  // better-sqlite3 is synchronous, but a transaction spans awaits: without this queue
  // another call could slip its statements into an open transaction (and be rolled back
  // with it). The queue is per file, not per connection: a second connection on the same
  // thread waiting on the write lock would block the thread (busy_timeout sleeps), so the
  // first could never commit. Connections on other threads (the decision writer thread,
  // store/writer-thread.ts) have queues of their own and simply wait for each other.
  const key = path === ':memory:' ? Symbol('memory') : resolve(path);
  const queue = queueFor(key);
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.tail.then(fn, fn);
    queue.tail = next.catch(() => undefined);
    return next;
  };

  return {
    dialect: 'sqlite',
    all: (sql, params) => exclusive(() => direct.all(sql, params)),
    run: (sql, params) => exclusive(() => direct.run(sql, params)),
    transaction: (fn) =>
      exclusive(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(direct);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    close: () =>
      exclusive(async () => {
        if (!db.open) return;
        db.close();
        if (--queue.connections === 0) queues.delete(key);
      }),
  };
}
