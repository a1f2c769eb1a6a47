// PostgreSQL through a pg Pool. A COMMIT returns once the WAL is flushed (the default
// synchronous_commit = on), so an acknowledged write survives a crash of either side.
import pg from 'pg';
import type { Row, SessionLock, SqlDriver, SqlExecutor } from './driver.js';

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

/**
 * A session-level advisory lock on a connection outside the pool, so that it lives exactly
 * as long as that connection. The key is the name and the schema (current_schema(), from
 * search_path), so that two dfw installations in one database do not share it.
 */
async function tryAdvisoryLock(settings: pg.ClientConfig, name: string): Promise<SessionLock | undefined> {
  const client = new pg.Client(settings);
  let lose: (err: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (lose = resolve));
  let released = false;
  client.on('error', (err) => lose(err));
  client.on('end', () => {
    if (!released) lose(new Error('the database session ended'));
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ held: boolean }>("SELECT pg_try_advisory_lock(hashtext('dfw:' || $1 || ':' || current_schema())) AS held", [name]);
    if (rows[0]?.held === true) {
      return {
        lost,
        async release() {
          released = true;
          await client.end().catch(() => undefined);
        },
      };
    }
  } catch (err) {
    released = true;
    await client.end().catch(() => undefined);
    throw err;
  }
  released = true;
  await client.end().catch(() => undefined);
  return undefined;
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
    tryLock: (name) => tryAdvisoryLock(settings, name),
    close: () => pool.end(),
  };
}
