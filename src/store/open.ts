// openStore: the backend named by `store.url`, migrated to the current schema.
//   sqlite:<path>          SQLite file (parent folders created); sqlite::memory: for tests
//   postgres://… | postgresql://…   PostgreSQL through a connection pool
import { StoreError, StoreInputError, wrapStoreError } from './errors.js';
import { DEFAULT_MASK_PATHS, compileMaskPath } from './mask.js';
import { migrate } from './migrations.js';
import type { SqlDriver } from './sql/driver.js';
import { createSqlStore } from './sql-store.js';
import type { OpenStoreOptions, Store } from './types.js';

/** Unquoted PostgreSQL identifier: it goes into search_path and CREATE SCHEMA as is. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `sqlite:/abs`, `sqlite:rel`, `sqlite:///abs` and `sqlite://rel` all name a file path. */
export function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') throw new StoreInputError('sqlite: URL without a path (sqlite:data/dfw.db)');
  return path;
}

/** A SQLite store on disk (not sqlite::memory:, which only its own connection can see). */
export function isSqliteFile(url: string): boolean {
  return url.startsWith('sqlite:') && sqlitePath(url) !== ':memory:';
}

function postgresOptionsParameter(url: string): boolean {
  try {
    return new URL(url).searchParams.has('options');
  } catch {
    return false; // not a URL node-postgres can parse either; it reports that itself
  }
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const maskPaths = [...DEFAULT_MASK_PATHS, ...(options.maskPaths ?? [])];
  maskPaths.forEach(compileMaskPath); // a bad path stops startup, not the first decision
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new StoreInputError(`store.schema must be a lower-case identifier, got "${options.schema}"`);
  }
  if (url.startsWith('sqlite:') && (options.schema !== undefined || options.poolSize !== undefined)) {
    throw new StoreInputError('store.schema and store.pool_size apply to PostgreSQL only, and this store is a SQLite file');
  }
  if (options.schema !== undefined && postgresOptionsParameter(url)) {
    // node-postgres lets the URL's options win over ours: the tables would go elsewhere.
    throw new StoreInputError('the PostgreSQL URL already sets options (e.g. search_path); give the schema there or in store.schema, not both');
  }

  let db: SqlDriver;
  try {
    // Only the driver the URL names is loaded: a SQLite server never loads node-postgres.
    if (url.startsWith('sqlite:')) {
      const { openSqlite } = await import('./sql/sqlite.js');
      db = openSqlite(sqlitePath(url));
    } else if (/^postgres(ql)?:\/\//.test(url)) {
      const { openPostgres } = await import('./sql/postgres.js');
      db = openPostgres(url, {
        ...(options.schema === undefined ? {} : { schema: options.schema }),
        ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      });
    } else {
      throw new StoreInputError(`store URL must start with sqlite: or postgres://, got "${url.split(':')[0]}:…"`);
    }
  } catch (err) {
    throw err instanceof StoreError ? err : wrapStoreError(err, `opening ${url.split(':')[0]} store`);
  }

  try {
    await migrate(db, db.dialect === 'postgres' ? options.schema : undefined);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw wrapStoreError(err, 'migrating the store');
  }
  return createSqlStore(db, {
    maskPaths,
    clock: options.clock ?? (() => new Date()),
    ...(options.cacheLimits ? { cacheLimits: options.cacheLimits } : {}),
  });
}
