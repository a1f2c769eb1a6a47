// The little SQL surface the store needs, so one implementation serves both databases.
// Statements use `?` placeholders; the PostgreSQL driver numbers them ($1, $2, …).

export type Dialect = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  all<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement that returns no rows; resolves to the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A lock held for as long as one database session lives (SqlDriver.tryLock). */
export interface SessionLock {
  /** Resolves, with why, if the session ends without release(): the lock is no longer held. */
  readonly lost: Promise<Error>;
  /** Ends the session, which releases the lock. */
  release(): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction that holds the write lock from its first statement
   * (SQLite BEGIN IMMEDIATE), committing when it resolves and rolling back when it throws.
   * Inside, use only the executor handed to `fn`.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL: takes the lock named `name` in this schema on a session of its own, or
   * answers undefined at once when another session holds it. The database lets go of it
   * when the session ends, a crashed process included. Absent on SQLite, whose file one
   * process writes.
   */
  tryLock?(name: string): Promise<SessionLock | undefined>;
  close(): Promise<void>;
}
