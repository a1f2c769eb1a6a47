// The decision listing (GET /v1/decisions by application, environment and verdict, newest
// first) is served by migration 4's index on both databases: the plan walks one B-tree in
// order and stops after the page, with no sort of everything that matches. Checked with
// EXPLAIN on the exact statement the store runs, over a seeded log.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listDecisionsQuery } from '../src/store/decisions.js';
import { encodeCursor } from '../src/store/cursor.js';
import { seedStatement, SEED_START_MS } from '../bench/seed-decisions.js';
import { openAt, postgresBackend, rawQuery, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';

const ROWS = 30_000;
const FILTER = { application: 'app-7', environment: 'staging', allow: false };

/** The statement with its parameters written in (EXPLAIN through rawQuery takes no parameters). */
function inline(sql: string, params: unknown[], dialect: 'sqlite' | 'postgres'): string {
  let i = 0;
  return sql.replace(/\?/g, () => {
    const p = params[i++];
    if (typeof p === 'string') return `'${p.replace(/'/g, "''")}'`;
    if (typeof p === 'boolean') return dialect === 'sqlite' ? (p ? '1' : '0') : String(p);
    return String(p);
  });
}

for (const [name, makeBackend] of [['sqlite', sqliteBackend], ['postgres', postgresBackend]] as const) {
  const test = suite<{ backend: StoreBackend; location: StoreLocation }>(`decision listing index (${name})`);
  test.before(async (ctx) => {
    ctx.backend = makeBackend();
    ctx.location = ctx.backend.fresh();
    await (await openAt(ctx.location)).close(); // migrated, migration 4 included
    await rawQuery(ctx.location, seedStatement(name, 0, ROWS));
    await rawQuery(ctx.location, name === 'sqlite' ? 'ANALYZE' : 'ANALYZE decisions');
  });
  test.after(async (ctx) => ctx.backend?.cleanup());

  const plan = async (location: StoreLocation, sql: string): Promise<string> => {
    const rows = await rawQuery(location, name === 'sqlite' ? `EXPLAIN QUERY PLAN ${sql}` : `EXPLAIN ${sql}`);
    return rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
  };

  test('the first page and a cursor page by application + environment + verdict are conditions on decisions_app_env_allow_time, read in index order', async ({ location }) => {
    const first = listDecisionsQuery(FILTER, { limit: 50 });
    const cursor = encodeCursor({ time: SEED_START_MS + (ROWS / 2) * 1000, id: 'seed-000000015000' });
    const next = listDecisionsQuery(FILTER, { limit: 50, cursor });
    for (const [q, page] of [[first, 'first'], [next, 'cursor']] as const) {
      const text = await plan(location, inline(q.sql, q.params, name));
      assert.ok(text.includes('decisions_app_env_allow_time'), `${page} page: plan without the index:\n${text}`);
      if (name === 'postgres') {
        // All three filters and the cursor are conditions on the index, none a filter over
        // the application's rows; PostgreSQL may still sort the few rows a bounded page finds.
        assert.match(text, /Index Cond: \(\(application = 'app-7'::text\) AND \(environment = 'staging'::text\) AND \(allow = false\)/, `${page} page:\n${text}`);
        if (page === 'cursor') assert.match(text, /Index Cond: .*ROW\(time_ms, decision_id\) </, `${page} page:\n${text}`);
        else assert.not.match(text, /Sort/, `${page} page sorts:\n${text}`);
      } else {
        assert.match(text, /SEARCH decisions USING (COVERING )?INDEX decisions_app_env_allow_time \(application=\? AND environment=\? AND allow=\?/, `${page} page:\n${text}`);
        assert.not.match(text, /TEMP B-TREE/, `${page} page sorts:\n${text}`);
      }
    }
  });

  test('the index answers what a scan would: the page holds the newest matching decisions', async ({ location }) => {
    const q = listDecisionsQuery(FILTER, { limit: 5 });
    const rows = await rawQuery(location, inline(q.sql, q.params, name));
    // Seed row x: application app-(x % 20), staging when x % 3 == 1, deny when x % 5 == 0.
    const expected: string[] = [];
    for (let x = ROWS - 1; x >= 0 && expected.length < 6; x--) if (x % 20 === 7 && x % 3 === 1 && x % 5 === 0) expected.push(`seed-${String(x).padStart(12, '0')}`);
    assert.equal(rows.map((r) => r.decision_id), expected);
  });
  test.run();
}
