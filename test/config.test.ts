// dfw.yaml's store section: a PostgreSQL schema and pool size reach openStore (checked on a
// real PostgreSQL), and settings that cannot apply stop startup naming the key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { storeOptions } from '../src/store/config.js';
import { openStore, StoreInputError, type OpenStoreOptions } from '../src/store/index.js';
import { postgresUrl } from './helpers/store-backends.js';

interface Context {
  dir: string;
}

const config = suite<Context>('config: store');

config.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-config-'));
});
config.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

function load(ctx: Context, text: string, env: Record<string, string> = {}) {
  const file = join(ctx.dir, `dfw-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(file, text);
  return loadConfig(file, env);
}

function refused(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable('loaded');
}

async function openRefused(url: string, options: OpenStoreOptions, message: RegExp): Promise<void> {
  try {
    await (await openStore(url, options)).close();
  } catch (err) {
    assert.instance(err, StoreInputError);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable('opened');
}

config('store.schema and store.pool_size become openStore options; DFW_STORE_SCHEMA overrides the file', (ctx) => {
  const loaded = load(ctx, 'store:\n  url: postgres://dfw@db:5432/platform\n  schema: dfw_audit\n  pool_size: 4\n  mask_paths: [request.extra.token]\n');
  assert.equal(storeOptions(loaded.store), { maskPaths: ['request.extra.token'], schema: 'dfw_audit', poolSize: 4 });
  const overridden = load(ctx, 'store:\n  url: postgres://dfw@db:5432/platform\n  schema: dfw_audit\n', { DFW_STORE_SCHEMA: 'dfw_other' });
  assert.is(storeOptions(overridden.store).schema, 'dfw_other');
  assert.equal(storeOptions(load(ctx, '').store), { maskPaths: [] }, 'nothing set, nothing passed');
});

config('server.evaluation_threads from the file or DFW_EVALUATION_THREADS; unset it stays unset (one per spare core at startup); a fraction or a word stops startup naming the key', (ctx) => {
  assert.is(load(ctx, 'server:\n  evaluation_threads: 0\n').server.evaluation_threads, 0);
  assert.is(load(ctx, 'server:\n  evaluation_threads: 0\n', { DFW_EVALUATION_THREADS: '3' }).server.evaluation_threads, 3);
  assert.is(load(ctx, '').server.evaluation_threads, undefined);
  refused(() => load(ctx, 'server:\n  evaluation_threads: 1.5\n'), /server\.evaluation_threads: must be integer/);
  refused(() => load(ctx, '', { DFW_EVALUATION_THREADS: 'all' }), /DFW_EVALUATION_THREADS: expected a whole number, 0 or more, for server\.evaluation_threads, got "all"/);
  refused(() => load(ctx, '', { DFW_EVALUATION_THREADS: '-1' }), /DFW_EVALUATION_THREADS: expected a whole number, 0 or more, for server\.evaluation_threads, got "-1"/);
});

config('a schema that is no lower-case identifier stops startup naming the key; so does a schema for SQLite or one the URL also sets', async (ctx) => {
  refused(() => load(ctx, 'store:\n  url: postgres://db/x\n  schema: "dfw; DROP TABLE x"\n'), /store\.schema: must match pattern/);
  refused(() => load(ctx, 'store:\n  url: postgres://db/x\n  pool_size: 0\n'), /store\.pool_size: must be >= 1/);
  // Judged on the URL actually opened (dfw replay --store may replace the configured one).
  const sqlite = load(ctx, 'store:\n  url: sqlite:data/dfw.db\n  schema: dfw\n');
  await openRefused(sqlite.store.url, storeOptions(sqlite.store), /store\.schema and store\.pool_size apply to PostgreSQL only/);
  const both = load(ctx, 'store:\n  url: postgres://dfw@db:5432/platform?options=-c%20search_path%3Dother\n  schema: dfw\n');
  await openRefused(both.store.url, storeOptions(both.store), /URL already sets options/);
});

config('on a real PostgreSQL the tables are created in the configured schema', async (ctx) => {
  const url = postgresUrl();
  const schema = `dfw_config_${randomBytes(4).toString('hex')}`;
  const loaded = load(ctx, `store:\n  url: ${url}\n  schema: ${schema}\n  pool_size: 2\n`);
  const store = await openStore(loaded.store.url, storeOptions(loaded.store));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await store.ping();
    const tables = await client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    const names = tables.rows.map((r: { table_name: string }) => r.table_name);
    for (const table of ['decisions', 'decision_rules', 'waivers', 'schema_migrations']) assert.ok(names.includes(table), `${table} in ${schema}: ${names.join(', ')}`);
  } finally {
    await store.close();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
});

config('a schema named like an SQL keyword works (it is quoted)', async () => {
  const url = postgresUrl();
  const store = await openStore(url, { schema: 'user' });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await store.ping();
    const tables = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'user' AND table_name = 'decisions'");
    assert.is(tables.rows[0].n, 1);
  } finally {
    await store.close();
    await client.query('DROP SCHEMA IF EXISTS "user" CASCADE');
    await client.end();
  }
});

config.run();
