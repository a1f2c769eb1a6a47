// The SQLite decision writer on its own thread (src/store/writer-thread.ts), as dfw serve
// uses it: every decision acknowledged is committed and readable from the server's own
// connection at once; one decision's error (a repeated id) reaches its caller only, typed as
// a local commit would type it; close() commits what was sent before it and then refuses;
// a file that cannot be opened fails at start, never at the first check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DuplicateDecisionError, openStore, StoreError, withDecisionWriterThread } from '../src/store/index.js';
import { generateDecision } from './helpers/store-records.js';

const thread = suite<{ dir: string }>('store writer thread');
thread.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-writer-thread-'));
});
thread.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

thread('concurrent decisions are each committed before they are acknowledged, and readable at once', async (ctx) => {
  const url = `sqlite:${join(ctx.dir, 'a', 'dfw.db')}`;
  const store = await withDecisionWriterThread(await openStore(url), url, {});
  try {
    const records = Array.from({ length: 200 }, (_, i) => generateDecision(i, 'thread').record);
    // Each decision is read back the moment its own write resolves, by the store's connection.
    const seen = await Promise.all(records.map(async (record) => {
      await store.recordDecision(record);
      return (await store.getDecision(record.decision_id))?.decision_id;
    }));
    assert.equal(seen, records.map((r) => r.decision_id));
    const again = await openStore(url);
    const page = await again.listDecisions({}, { limit: 1000 });
    assert.is(page.items.length, 200);
    await again.close();
  } finally {
    await store.close();
  }
});

thread('a long input crosses to the thread and is stored as the same text, non-Latin-1 characters included', async (ctx) => {
  const url = `sqlite:${join(ctx.dir, 'long', 'dfw.db')}`;
  const store = await withDecisionWriterThread(await openStore(url), url, {});
  try {
    // ASCII, an em dash (a two-byte string) and a character outside the BMP (a surrogate pair).
    const findings = Array.from({ length: 2000 }, (_, i) => ({ id: `CVE-2026-${i}`, note: i % 2 ? 'fixed — upgrade' : 'plain', tag: '𝔡𝔣𝔴' }));
    const plain = { ...generateDecision(1, 'long').record, input: { findings: findings.map(({ id }) => ({ id })) } };
    const wide = { ...generateDecision(2, 'long').record, input: { findings } };
    await Promise.all([store.recordDecision(plain), store.recordDecision(wide)]);
    assert.ok(JSON.stringify(wide.input).length > 64 * 1024);
    assert.equal((await store.getDecision(plain.decision_id))?.input, plain.input);
    assert.equal((await store.getDecision(wide.decision_id))?.input, wide.input);
  } finally {
    await store.close();
  }
});

thread('a repeated decision id fails that decision only, as DuplicateDecisionError', async (ctx) => {
  const url = `sqlite:${join(ctx.dir, 'b', 'dfw.db')}`;
  const store = await withDecisionWriterThread(await openStore(url), url, {});
  try {
    const first = generateDecision(1, 'dup').record;
    const others = [2, 3, 4].map((i) => generateDecision(i, 'dup').record);
    await store.recordDecision(first);
    const results = await Promise.allSettled([store.recordDecision(first), ...others.map((r) => store.recordDecision(r))]);
    assert.is(results[0]!.status, 'rejected');
    const err = (results[0] as PromiseRejectedResult).reason;
    assert.instance(err, DuplicateDecisionError);
    assert.is(err.kind, 'conflict');
    assert.equal(results.slice(1).map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled']);
  } finally {
    await store.close();
  }
});

thread('close commits what was sent before it; a decision after it is refused, not lost silently', async (ctx) => {
  const url = `sqlite:${join(ctx.dir, 'c', 'dfw.db')}`;
  const store = await withDecisionWriterThread(await openStore(url), url, {});
  const records = Array.from({ length: 50 }, (_, i) => generateDecision(i, 'close').record);
  const writes = records.map((r) => store.recordDecision(r));
  await store.close();
  assert.equal((await Promise.allSettled(writes)).map((r) => r.status), records.map(() => 'fulfilled'));
  const late = await store.recordDecision(generateDecision(99, 'close').record).then(() => 'recorded', (err: unknown) => err);
  assert.instance(late, StoreError);
  const again = await openStore(url);
  assert.is((await again.listDecisions({}, { limit: 100 })).items.length, 50);
  await again.close();
});

thread('a database the thread cannot open fails at start with the reason', async (ctx) => {
  const url = `sqlite:${join(ctx.dir, 'd', 'dfw.db')}`;
  const store = await openStore(url);
  // A file where the thread's database folder should be: no connection can be made there.
  writeFileSync(join(ctx.dir, 'not-a-folder'), '');
  try {
    const started = await withDecisionWriterThread(store, `sqlite:${join(ctx.dir, 'not-a-folder', 'dfw.db')}`, {}).then(
      () => 'started',
      (err: unknown) => err,
    );
    assert.instance(started, StoreError);
    assert.match((started as Error).message, /decision writer thread could not start: .*not-a-folder/);
  } finally {
    await store.close();
  }
});

thread.run();
