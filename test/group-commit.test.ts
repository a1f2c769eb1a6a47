// Group commit on a real SQLite file: writes submitted in one turn share one transaction,
// an item's own error fails only that item, a failing statement fails (and rolls back) its
// whole batch, and drain waits for everything submitted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupCommit } from '../src/store/group-commit.js';
import { openSqlite } from '../src/store/sql/sqlite.js';
import type { SqlDriver } from '../src/store/sql/driver.js';

interface Context {
  dir: string;
  db: SqlDriver;
  transactions: number;
}

const group = suite<Context>('group-commit');

group.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-group-'));
  const db = openSqlite(join(ctx.dir, 'g.db'));
  ctx.transactions = 0;
  // Counts the transactions the batcher opens; everything else goes straight to SQLite.
  ctx.db = { ...db, transaction: (fn) => (ctx.transactions++, db.transaction(fn)) };
});
group.after.each(async (ctx) => {
  await ctx.db.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

class Taken extends Error {}

/** Inserts the id; an id taken already is the item's own error, "fail" breaks the statement. */
function batcher(db: SqlDriver): GroupCommit<string> {
  return new GroupCommit<string>(db, async (tx, id) => {
    if (id === 'fail') await tx.run('INSERT INTO no_such_table VALUES (1)');
    const inserted = await tx.run('INSERT INTO items (id) VALUES (?) ON CONFLICT (id) DO NOTHING', [id]);
    return inserted === 0 ? new Taken(id) : undefined;
  });
}

async function ids(db: SqlDriver): Promise<string[]> {
  return (await db.all<{ id: string }>('SELECT id FROM items ORDER BY id')).map((r) => r.id);
}

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

group('an item error fails only that item; the rest of its batch is committed', async (ctx) => {
  await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
  const writes = batcher(ctx.db);
  const outcomes = await Promise.allSettled(['a', 'b', 'a', 'c'].map((id) => writes.submit(id)));
  assert.equal(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.instance((outcomes[2] as PromiseRejectedResult).reason, Taken);
  assert.equal(await ids(ctx.db), ['a', 'b', 'c']);
});

group('a statement that throws fails its whole batch and rolls it back; the next batch is unaffected', async (ctx) => {
  await ctx.db.run('CREATE TABLE items (id TEXT PRIMARY KEY)');
  const writes = batcher(ctx.db);
  const outcomes = await Promise.allSettled(['x', 'fail', 'y'].map((id) => writes.submit(id)));
  assert.equal(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected'], 'no write in the failed batch is reported as committed');
  assert.match(String((outcomes[0] as PromiseRejectedResult).reason), 'no_such_table');
  assert.equal(await ids(ctx.db), [], 'x was rolled back with the batch');
  await writes.submit('z');
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

group.run();
