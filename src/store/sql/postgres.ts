// PostgreSQL through a pg Pool. A COMMIT returns once the WAL is flushed (the default
// synchronous_commit = on), so an acknowledged write survives a crash of either side.
import pg from 'pg';
import type { LockSession } from '../types.js';
import type { Row, SqlDriver, SqlExecutor } from './driver.js';

export interface PostgresOptions {
  schema?: string;
  poolSize?: number;
}

/** `?` → `$1, $2, …`; the store's statements never carry `?` inside literals. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    all: async <T extends Row>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(numbered(sql), [...params])).rows as T[],
    run: async (sql: string, params: readonly unknown[] = []) => (await client.query(numbered(sql), [...params])).rowCount ?? 0,
  };
}

/** Connecting, each statement and ending the session of a lock, at most. */
const LOCK_TIMEOUT_MS = 5_000;
/**
 * The first half of dfw's two-part advisory lock keys ("dfw" in ASCII), so that they do not
 * share the one-bigint key space other applications' locks use; the second half hashes the
 * lock's name and schema.
 */
const LOCK_CLASS = 0x646677;

/**
 * A session-level advisory lock on a connection outside the pool, so that it lives exactly as
 * long as that connection. The key is the name and the schema (current_schema(), from
 * search_path), so that two dfw installations in one database do not share it. The session
 * asks the server to probe it every few seconds when idle (tcp_keepalives_*) and to give up
 * on data left unacknowledged for 25 s (tcp_user_timeout), so that a holder whose machine
 * vanishes loses the lock in about half a minute, not the operating system's two hours or
 * fifteen minutes.
 */
function advisoryLockSession(settings: pg.ClientConfig, name: string, onClosed: () => void): LockSession {
  const client = new pg.Client({ ...settings, connectionTimeoutMillis: LOCK_TIMEOUT_MS, query_timeout: LOCK_TIMEOUT_MS, keepAlive: true });
  let lose: (err: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (lose = resolve));
  let connected: Promise<unknown> | undefined;
  let held = false;
  let pooled = false;
  let closing: Promise<void> | undefined;
  client.on('error', (err) => lose(err));
  client.on('end', () => {
    if (!closing) lose(new Error('the database session ended'));
  });

  const close = () =>
    (closing ??= (async () => {
      // pg sends its goodbye ahead of a startup still under way and then never settles that
      // connect: let a pending connect finish or fail first (it is bounded by its timeout).
      await connected?.catch(() => undefined);
      const ended = client.end().then(() => true, () => true);
      if (!(await Promise.race([ended, new Promise<false>((r) => setTimeout(() => r(false), LOCK_TIMEOUT_MS).unref())]))) {
        // A half-open connection never answers the goodbye: drop the socket (pg keeps it on
        // an undocumented field), or it would keep the process alive.
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      }
      onClosed();
    })());

  return {
    lost,
    throughPooler: () => pooled,
    async acquire() {
      if (closing) throw new Error('the lock session is closed');
      try {
        connected ??= client
          .connect()
          .then(() =>
            client.query(
              // tcp_user_timeout is PostgreSQL 12's; older servers keep the keepalives alone.
              "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3; SELECT set_config('tcp_user_timeout', '25000', false) WHERE current_setting('server_version_num')::int >= 120000",
            ),
          )
          // The server announces its backend's process id when the connection starts
          // (BackendKeyData); a pooler announces one of its own making instead.
          .then(() => client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
          .then(({ rows }) => {
            const announced = (client as unknown as { processID?: number }).processID;
            pooled = announced !== undefined && rows[0]?.pid !== announced;
          });
        await connected;
        if (held) {
          await client.query('SELECT 1');
          return true;
        }
        const { rows } = await client.query<{ held: boolean }>(
          `SELECT pg_try_advisory_lock(${LOCK_CLASS}, hashtext('dfw:' || $1 || ':' || coalesce(current_schema(), ''))) AS held`,
          [name],
        );
        held = rows[0]?.held === true;
        return held;
      } catch (err) {
        lose(err as Error);
        void close();
        throw err;
      }
    },
    close,
  };
}

export function openPostgres(url: string, options: PostgresOptions = {}): SqlDriver {
  const settings: pg.ClientConfig = {
    connectionString: url,
    // search_path as a startup parameter applies to every connection before its first query;
    // quoted, so a schema named like a keyword (user, order) works too.
    ...(options.schema ? { options: `-c search_path="${options.schema}"` } : {}),
  };
  const pool = new pg.Pool({ ...settings, max: options.poolSize ?? 10 });
  // An idle connection that the server drops must not crash the process: the next query
  // opens a new one, and a failing query reports its own error.
  pool.on('error', () => undefined);
  // The pool takes its listener off a client when it hands it out, and the server's FATAL
  // "terminating connection" (restart, failover) can arrive in the same read as the answer
  // that freed the client, before its next user listens: every client keeps a listener of
  // its own. A client that errored is not queryable; the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const direct = executor(pool);
  const sessions = new Set<LockSession>();
  let closed = false;

  return {
    dialect: 'postgres',
    all: direct.all,
    run: direct.run,
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no pool listener: a server that goes away mid-transaction
      // (restart, failover: 57P01) would emit an unhandled 'error' and end the process.
      // The failing query rejects on its own; the connection is discarded on release.
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    lockSession(name) {
      if (closed) throw new Error(`the lock "${name}": the store is closed`);
      const session = advisoryLockSession(settings, name, () => sessions.delete(session));
      sessions.add(session);
      return session;
    },
    async close() {
      closed = true;
      await Promise.all([...sessions].map((session) => session.close()));
      await pool.end();
    },
  };
}
