// Group commit on a real SQLite file and a real PostgreSQL: writes submitted in one turn
// share one transaction, an item's own error (returned or thrown) fails only that item and
// undoes only its statements (PostgreSQL would otherwise refuse the rest of the
// transaction), a failed transaction fails the whole batch, and drain waits for everything.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupCommit } from '../src/store/group-commit.js';
import { openPostgres } from '../src/store/sql/postgres.js';
import { openSqlite } from '../src/store/sql/sqlite.js';
import type { SqlDriver } from '../src/store/sql/driver.js';
import { postgresUrl } from './helpers/store-backends.js';

interface Context {
  db: SqlDriver;
  transactions: number;
  cleanup: () => Promise<void>;
}

/** A fresh, empty database: a new SQLite file, or a new PostgreSQL schema. */
type OpenFresh = () => Promise<{ db: SqlDriver; cleanup: () => Promise<void> }>;

const freshSqlite: OpenFresh = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-group-'));
  const db = openSqlite(join(dir, 'g.db'));
  return { db, cleanup: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
};

const freshPostgres: OpenFresh = async () => {
  const url = postgresUrl();
  const schema = `dfw_group_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = openPostgres(url, { schema, poolSize: 2 });
  return {
    db,
    cleanup: async () => {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
};

class Taken extends Error {}

/** Inserts the id; an id taken already is the item's own error; "fail" writes a row, then a statement throws. */
function batcher(db: SqlDriver): GroupCommit<string> {
  return new GroupCommit<string>(db, async (tx, id) => {
    if (id === 'fail') {
      await tx.run('INSERT INTO items (id) VALUES (?)', ['fail-partial']);
      await tx.run('INSERT INTO no_such_table VALUES (1)');
    }
    const inserted = await tx.run('INSERT INTO items (id) VALUES (?) ON CONFLICT (id) DO NOTHING', [id]);
    return inserted === 0 ? new Taken(id) : undefined;
  });
}

async function ids(db: SqlDriver): Promise<string[]> {
  return (await db.all<{ id: string }>('SELECT id FROM items ORDER BY id')).map((r) => r.id);
}

function defineSuite(name: string, openFresh: OpenFresh) {
  const group = suite<Context>(`group-commit (${name})`);

  group.before.each(async (ctx) => {
    const { db, cleanup } = await openFresh();
    ctx.transactions = 0;
    ctx.cleanup = cleanup;
    // Counts the transactions the batcher opens; everything else goes straight to the database.
    ctx.db = { ...db, transaction: (fn) => (ctx.transactions++, db.transaction(fn)) };
  });
  group.after.each(async (ctx) => {
    await ctx.cleanup();
  });

  group('writes submitted together share one transaction, and each resolves once it is committed', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const writes = batcher(ctx.db);
    const submitted = Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    await Promise.all(submitted.map((id) => writes.submit(id)));
    assert.is(ctx.transactions, 1);
    assert.equal(await ids(ctx.db), submitted);

    await writes.submit('later');
    assert.is(ctx.transactions, 2, 'a write in a later turn gets its own transaction');
  });

  group('an ordered batch is written in that order, and each writer still gets its own outcome', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const seen: string[] = [];
    const writes = new GroupCommit<string>(
      ctx.db,
      async (tx, id) => {
        seen.push(id);
        const inserted = await tx.run('INSERT INTO items (id) VALUES (?) ON CONFLICT (id) DO NOTHING', [id]);
        return inserted === 0 ? new Taken(id) : undefined;
      },
      (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    );
    const outcomes = await Promise.allSettled(['c', 'a', 'b', 'a'].map((id) => writes.submit(id)));
    assert.equal(seen, ['a', 'a', 'b', 'c']);
    assert.equal(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'], 'the second "a" (submitted last) is the duplicate');
    assert.is(ctx.transactions, 1);
  });

  group('an item error fails only that item; the rest of its batch is committed', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const writes = batcher(ctx.db);
    const outcomes = await Promise.allSettled(['a', 'b', 'a', 'c'].map((id) => writes.submit(id)));
    assert.equal(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.instance((outcomes[2] as PromiseRejectedResult).reason, Taken);
    assert.equal(await ids(ctx.db), ['a', 'b', 'c']);
  });

  group('a statement that throws fails only its own item, whose writes are undone; the rest of the batch commits', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const writes = batcher(ctx.db);
    const outcomes = await Promise.allSettled(['x', 'fail', 'y'].map((id) => writes.submit(id)));
    assert.equal(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), 'no_such_table');
    assert.is(ctx.transactions, 1);
    assert.equal(await ids(ctx.db), ['x', 'y'], 'the failed item\'s first insert was rolled back to its savepoint');
  });

  group('a transaction that fails to commit fails every write of its batch and leaves none', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const failing: SqlDriver = {
      ...ctx.db,
      transaction: (fn) =>
        ctx.db.transaction(async (tx) => {
          await fn(tx);
          throw new Error('disk I/O error at commit');
        }),
    };
    const writes = batcher(failing);
    const outcomes = await Promise.allSettled(['m', 'n'].map((id) => writes.submit(id)));
    assert.equal(outcomes.map((o) => o.status), ['rejected', 'rejected'], 'no write in the failed batch is reported as committed');
    assert.match(String((outcomes[0] as PromiseRejectedResult).reason), 'disk I/O error');
    assert.equal(await ids(ctx.db), []);
    await batcher(ctx.db).submit('z');
    assert.equal(await ids(ctx.db), ['z']);
  });

  group('batches are capped, so a burst becomes several transactions', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const writes = batcher(ctx.db);
    await Promise.all(Array.from({ length: 600 }, (_, i) => writes.submit(`burst-${i}`)));
    assert.is(ctx.transactions, 3, '600 writes at 256 per batch');
    assert.is((await ids(ctx.db)).length, 600);
  });

  group('drain waits for writes submitted but not yet committed', async (ctx) => {
    await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
    const writes = batcher(ctx.db);
    const pending = ['p', 'q'].map((id) => writes.submit(id));
    await writes.drain();
    assert.equal(await ids(ctx.db), ['p', 'q']);
    await Promise.all(pending);
    await writes.drain(); // nothing left: returns at once
  });
  return group;
}

defineSuite('sqlite', freshSqlite).run();
defineSuite('postgres', freshPostgres).run();
