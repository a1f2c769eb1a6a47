// The two real backends the store suite runs against: a SQLite file in a temp folder, and
// PostgreSQL from $DFW_TEST_POSTGRES_URL or else the one scripts/postgres.sh starts. Every
// `fresh()` is an empty database: a new file, or a new schema (dropped at cleanup).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore, sqlitePath, type OpenStoreOptions, type Store } from '../../src/store/index.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** Where a store lives: what openStore needs to open it again (also from a child process). */
export interface StoreLocation {
  url: string;
  options: OpenStoreOptions;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  fresh(): StoreLocation;
  cleanup(): Promise<void>;
}

export function openAt(location: StoreLocation, extra: OpenStoreOptions = {}): Promise<Store> {
  return openStore(location.url, { ...location.options, ...extra });
}

export function sqliteBackend(): StoreBackend {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-store-'));
  let n = 0;
  return {
    name: 'sqlite',
    // A nested folder that does not exist yet: openStore must create it.
    fresh: () => ({ url: `sqlite:${join(dir, `db-${++n}`, 'dfw.db')}`, options: {} }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

let startedUrl: string | undefined;

/** The test server's URL: $DFW_TEST_POSTGRES_URL, else `scripts/postgres.sh start`. */
export function postgresUrl(): string {
  const fromEnv = process.env.DFW_TEST_POSTGRES_URL;
  if (fromEnv) return fromEnv;
  if (startedUrl) return startedUrl;
  const r = spawnSync('bash', [join(ROOT, 'scripts/postgres.sh'), 'start'], { encoding: 'utf8', timeout: 10 * 60 * 1000 });
  const url = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !/^postgres:\/\//.test(url)) {
    throw new Error(`scripts/postgres.sh start failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  }
  startedUrl = url;
  return url;
}

let pgbouncerStartedUrl: string | undefined;

/**
 * PgBouncer in transaction mode in front of the test server (`scripts/postgres.sh
 * pgbouncer`, which installs it from Debian's packages when missing), for what dfw does
 * behind a pooler. Its database has no schemas of the tests' own: PgBouncer refuses the
 * startup parameter that sets search_path.
 */
export function pgbouncerUrl(): string {
  if (pgbouncerStartedUrl) return pgbouncerStartedUrl;
  const r = spawnSync('bash', [join(ROOT, 'scripts/postgres.sh'), 'pgbouncer'], { encoding: 'utf8', timeout: 10 * 60 * 1000 });
  const url = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !/^postgres:\/\//.test(url)) throw new Error(`scripts/postgres.sh pgbouncer failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  pgbouncerStartedUrl = url;
  return url;
}

export function postgresBackend(): StoreBackend {
  const url = postgresUrl();
  const run = randomBytes(4).toString('hex');
  const schemas: string[] = [];
  return {
    name: 'postgres',
    fresh: () => {
      const schema = `dfw_test_${run}_${schemas.length + 1}`;
      schemas.push(schema);
      return { url, options: { schema } };
    },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Runs one SQL statement on the database behind a location, outside the store. */
export async function rawQuery(location: StoreLocation, sql: string): Promise<Array<Record<string, unknown>>> {
  if (location.url.startsWith('sqlite:')) {
    const db = new Database(sqlitePath(location.url));
    try {
      const stmt = db.prepare(sql);
      return stmt.reader ? (stmt.all() as Array<Record<string, unknown>>) : (stmt.run(), []);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({
    connectionString: location.url,
    ...(location.options.schema ? { options: `-c search_path=${location.options.schema}` } : {}),
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}
