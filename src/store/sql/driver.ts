// The little SQL surface the store needs, so one implementation serves both databases.
// Statements use `?` placeholders; the PostgreSQL driver numbers them ($1, $2, …).

import type { LockSession } from '../types.js';

export type Dialect = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement that returns no rows; resolves to the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction that holds the write lock from its first statement
   * (SQLite BEGIN IMMEDIATE), committing when it resolves and rolling back when it throws.
   * Inside, use only the executor handed to `fn`.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** PostgreSQL: Store.lockSession. Absent on SQLite. */
  lockSession?(name: string): LockSession;
  close(): Promise<void>;
}
