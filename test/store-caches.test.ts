// The store's caches of active waivers and pushed evidence (src/store/cached-reads.ts), on
// real SQLite and real PostgreSQL: a second read is served from memory (a spy on the SQL
// driver shows only the generation lookup reached the database), and a write through
// another connection — as another process or replica would make it — is seen by the very
// next read. The HTTP topologies are in test/store-caches-serve.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { migrate } from '../src/store/migrations.js';
import { ReadCache } from '../src/store/read-cache.js';
import type { SqlDriver } from '../src/store/sql/driver.js';
import { openPostgres } from '../src/store/sql/postgres.js';
import { openSqlite } from '../src/store/sql/sqlite.js';
import { createSqlStore } from '../src/store/sql-store.js';
import { DEFAULT_MASK_PATHS, sqlitePath, type NewWaiver, type Store } from '../src/store/index.js';
import pg from 'pg';
import { openAt, postgresBackend, rawQuery, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const LATER = '2027-01-01T00:00:00Z';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = 'github.com/acme/payments';
const COMMIT = '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e';

/** A driver that records every statement it is given (also inside transactions). */
function spied(driver: SqlDriver): { driver: SqlDriver; statements: string[] } {
  const statements: string[] = [];
  const record = <T>(sql: string, run: () => T): T => {
    statements.push(sql);
    return run();
  };
  return {
    statements,
    driver: {
      dialect: driver.dialect,
      all: (sql, params) => record(sql, () => driver.all(sql, params)),
      run: (sql, params) => record(sql, () => driver.run(sql, params)),
      transaction: (fn) =>
        driver.transaction((tx) => fn({ all: (sql, params) => record(sql, () => tx.all(sql, params)), run: (sql, params) => record(sql, () => tx.run(sql, params)) })),
      close: () => driver.close(),
    },
  };
}

/** A store over the real database behind `location`, with a spy on its driver. */
async function openSpied(location: StoreLocation): Promise<{ store: Store; statements: string[] }> {
  const raw = location.url.startsWith('sqlite:') ? openSqlite(sqlitePath(location.url)) : openPostgres(location.url, { schema: location.options.schema! });
  await migrate(raw, location.options.schema);
  const { driver, statements } = spied(raw);
  return { store: createSqlStore(driver, { maskPaths: DEFAULT_MASK_PATHS, clock: () => NOW }), statements };
}

const waiverReads = (statements: string[]) => statements.filter((s) => /FROM waivers\b/.test(s)).length;
const evidenceReads = (statements: string[]) => statements.filter((s) => /FROM evidence_items\b/.test(s)).length;

function waiverFor(application: string, overrides: Partial<NewWaiver> = {}): NewWaiver {
  return {
    rule: 'DFW-VULN-001',
    application,
    environment: 'production',
    reason: 'fix is being rolled out',
    requested_by: 'payments-team',
    approved_by: 'security-lead',
    expires_at: LATER,
    ...overrides,
  };
}

function trivyEvidence(cve: string) {
  return { vulnerabilities: { tool: 'Trivy', findings: [{ id: cve, severity: 'critical' as const, package: 'openssl', installed_version: '3.0.1' }] } };
}

let pushes = 0;
function pushReport(store: Store, subject: { digest?: string; repository?: string; commit?: string }, cve: string) {
  const normalized = trivyEvidence(cve);
  return store.putReport({ kind: 'trivy', subject, raw: JSON.stringify({ cve, n: ++pushes }), normalized, pushed_by: 'ci', received_at: new Date(NOW.getTime() + pushes) });
}

const cveOf = (latest: Awaited<ReturnType<Store['latestEvidence']>>) => (latest.vulnerabilities?.value as { findings: Array<{ id: string }> } | undefined)?.findings.map((f) => f.id);

function defineSuite(name: 'sqlite' | 'postgres', makeBackend: () => StoreBackend) {
  const test = suite<{ backend: StoreBackend }>(`store caches (${name})`);
  test.before((ctx) => {
    ctx.backend = makeBackend();
  });
  test.after((ctx) => ctx.backend.cleanup());

  test('a second read of the same waivers and evidence is answered from memory: only the generation lookup reaches the database', async (ctx) => {
    const location = ctx.backend.fresh();
    const { store, statements } = await openSpied(location);
    try {
      const waiver = await store.createWaiver(waiverFor('payments'));
      await pushReport(store, { digest: DIGEST }, 'CVE-2026-0001');
      const filter = { application: 'payments', environment: 'production' };
      const subject = { digest: DIGEST, repository: REPOSITORY, commit: COMMIT };

      statements.length = 0;
      assert.equal((await store.activeWaivers(NOW, filter)).map((w) => w.id), [waiver.id]);
      assert.equal(cveOf(await store.latestEvidence(subject)), ['CVE-2026-0001']);
      assert.is(waiverReads(statements), 1, statements.join('\n'));
      assert.ok(evidenceReads(statements) >= 1, statements.join('\n'));

      statements.length = 0;
      assert.equal((await store.activeWaivers(NOW, filter)).map((w) => w.id), [waiver.id]);
      assert.equal(cveOf(await store.latestEvidence(subject)), ['CVE-2026-0001']);
      assert.is(waiverReads(statements), 0, statements.join('\n'));
      assert.is(evidenceReads(statements), 0, statements.join('\n'));
      assert.equal(statements.length, 2, `one generation lookup per read:\n${statements.join('\n')}`);
      assert.ok(statements.every((s) => /^SELECT scope, generation FROM cache_generations WHERE scope IN/.test(s)));
      const stats = store.caches.stats();
      assert.is(stats.waivers.hits, 1);
      assert.is(stats.evidence.hits, 1);

      // The answers are shared with later reads: changing one is refused, not passed on.
      const latest = await store.latestEvidence(subject);
      assert.throws(() => (latest.vulnerabilities!.value as { findings: unknown[] }).findings.push({}), TypeError);
      const [shared] = await store.activeWaivers(NOW, filter);
      assert.throws(() => ((shared as { rule: string }).rule = 'DFW-ANY'), TypeError);
    } finally {
      await store.close();
    }
  });

  test('a waiver created, revoked or approved through another connection is seen by the very next read, every time', async (ctx) => {
    const location = ctx.backend.fresh();
    const { store: reader, statements } = await openSpied(location);
    const writer = await openAt(location, { clock: () => NOW });
    const filter = { application: 'payments', environment: 'production' };
    const ids = async () => (await reader.activeWaivers(NOW, filter)).map((w) => w.id).sort();
    try {
      for (let i = 0; i < 25; i++) {
        const before = await ids();
        assert.equal(await ids(), before); // warm: from memory
        const created = await writer.createWaiver(waiverFor('payments', { environment: i % 2 ? '*' : 'production' }));
        assert.equal(await ids(), [...before, created.id].sort(), `iteration ${i}: created`);
        assert.equal(await ids(), [...before, created.id].sort());
        await writer.revokeWaiver(created.id, { revoked_by: 'security-lead', at: NOW });
        assert.equal(await ids(), before, `iteration ${i}: revoked`);
      }
      // A waiver of another application leaves this one's cache alone...
      statements.length = 0;
      await writer.createWaiver(waiverFor('billing'));
      await ids();
      assert.is(waiverReads(statements), 0, statements.join('\n'));
      // ...and the two-step flow's approval creates one it sees at once.
      const request = await writer.waiverRequests.create({ ...waiverFor('payments'), requested_by: 'payments-team' });
      const { waiver } = await writer.waiverRequests.approve(request.id, { approved_by: 'security-lead', at: NOW });
      assert.ok((await ids()).includes(waiver.id));
      assert.ok(reader.caches.stats().waivers.hits >= 25);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test('a report pushed through another connection is used by the very next read, for the digest and for the commit', async (ctx) => {
    const location = ctx.backend.fresh();
    const { store: reader, statements } = await openSpied(location);
    const writer = await openAt(location, { clock: () => NOW });
    const subject = { digest: DIGEST, repository: REPOSITORY, commit: COMMIT };
    try {
      for (let i = 0; i < 25; i++) {
        const cve = `CVE-2026-${1000 + i}`;
        // Alternately about the digest and about the repository at the commit: both reach the subject.
        await pushReport(writer, i % 2 ? { repository: REPOSITORY, commit: COMMIT } : { digest: DIGEST }, cve);
        assert.equal(cveOf(await reader.latestEvidence(subject)), [cve], `iteration ${i}`);
        assert.equal(cveOf(await reader.latestEvidence(subject)), [cve]);
      }
      // The same report again stores nothing and changes nothing: the cache stays valid.
      const hits = reader.caches.stats().evidence.hits;
      const again = await writer.putReport({ kind: 'trivy', subject: { digest: DIGEST }, raw: JSON.stringify({ cve: 'CVE-2026-1024', n: pushes }), normalized: trivyEvidence('CVE-2026-1024'), pushed_by: 'ci', received_at: NOW });
      assert.is(again.created, false);
      statements.length = 0;
      assert.equal(cveOf(await reader.latestEvidence(subject)), ['CVE-2026-1024']);
      assert.is(evidenceReads(statements), 0);
      assert.is(reader.caches.stats().evidence.hits, hits + 1);
      // A report about another digest leaves this subject's cache alone.
      await pushReport(writer, { digest: `sha256:${'cd'.repeat(32)}` }, 'CVE-2026-9999');
      statements.length = 0;
      assert.equal(cveOf(await reader.latestEvidence(subject)), ['CVE-2026-1024']);
      assert.is(evidenceReads(statements), 0);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test("a write made outside dfw (an operator's SQL, an older dfw during an upgrade) invalidates too: the triggers bump, not the code", async (ctx) => {
    const location = ctx.backend.fresh();
    const { store, statements } = await openSpied(location);
    // On PostgreSQL from a session whose search_path does not name the store's schema, the
    // tables qualified by hand: the triggers bump the counters of the table's own schema.
    const outside = async (sql: string) => {
      if (name === 'sqlite') return void (await rawQuery(location, sql));
      const client = new pg.Client({ connectionString: location.url });
      await client.connect();
      try {
        await client.query(sql.replace(/\b(waivers|evidence_reports|evidence_items)\b/g, `"${location.options.schema}".$1`));
      } finally {
        await client.end();
      }
    };
    try {
      const filter = { application: 'payments', environment: 'production' };
      const ids = async () => (await store.activeWaivers(NOW, filter)).map((w) => w.id);
      const waiver = await store.createWaiver(waiverFor('payments'));
      await pushReport(store, { digest: DIGEST }, 'CVE-2026-0100');
      const newer = await pushReport(store, { repository: REPOSITORY, commit: COMMIT }, 'CVE-2026-0101');
      const subject = { digest: DIGEST, repository: REPOSITORY, commit: COMMIT };
      for (let i = 0; i < 2; i++) {
        assert.equal(await ids(), [waiver.id]);
        assert.equal(cveOf(await store.latestEvidence(subject)), ['CVE-2026-0101']);
      }
      statements.length = 0;
      await outside(`UPDATE waivers SET revoked_at_ms = ${NOW.getTime()}, revoked_by = 'dba' WHERE id = '${waiver.id}'`);
      assert.equal(await ids(), []);
      await outside(`DELETE FROM evidence_reports WHERE id = '${newer.id}'`);
      assert.equal(cveOf(await store.latestEvidence(subject)), ['CVE-2026-0100']);
      await outside(`UPDATE evidence_items SET body = '{"tool":"Trivy","findings":[]}' WHERE evidence_kind = 'vulnerabilities'`);
      assert.equal(cveOf(await store.latestEvidence(subject)), []);
      assert.is(waiverReads(statements), 1);
      assert.is(evidenceReads(statements) > 0, true);
    } finally {
      await store.close();
    }
  });

  test('concurrent checks share one generation lookup, and a burst of misses for one key makes one query', async (ctx) => {
    const location = ctx.backend.fresh();
    const { store, statements } = await openSpied(location);
    try {
      for (let i = 0; i < 10; i++) await store.createWaiver(waiverFor(`app-${i}`));
      await pushReport(store, { digest: DIGEST }, 'CVE-2026-0200');
      statements.length = 0;
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => store.activeWaivers(NOW, { application: `app-${i}`, environment: 'production' })),
        ...Array.from({ length: 10 }, () => store.latestEvidence({ digest: DIGEST })),
      ]);
      assert.ok(answers.slice(0, 10).every((waivers) => Array.isArray(waivers) && waivers.length === 1));
      assert.ok(answers.slice(10).every((latest) => cveOf(latest as Awaited<ReturnType<Store['latestEvidence']>>)?.[0] === 'CVE-2026-0200'));
      assert.is(statements.filter((s) => /FROM cache_generations/.test(s)).length, 1, statements.join('\n'));
      assert.is(waiverReads(statements), 10);
      // Ten checks of one digest that all missed: one of them read the evidence, the others waited for it.
      assert.is(statements.filter((s) => /ROW_NUMBER\(\) OVER/.test(s)).length, 1, statements.join('\n'));
    } finally {
      await store.close();
    }
  });

  test('expiry is judged at each read: a cached waiver past its expiry is not returned, and an earlier time reads again', async (ctx) => {
    const location = ctx.backend.fresh();
    const { store, statements } = await openSpied(location);
    try {
      const soon = await store.createWaiver(waiverFor('payments', { expires_at: '2026-12-01T12:00:10Z' }));
      const long = await store.createWaiver(waiverFor('payments'));
      const filter = { application: 'payments', environment: 'production' };
      const at = async (iso: string) => (await store.activeWaivers(iso, filter)).map((w) => w.id).sort();
      assert.equal(await at('2026-12-01T12:00:00Z'), [soon.id, long.id].sort());
      statements.length = 0;
      assert.equal(await at('2026-12-01T12:00:09.999Z'), [soon.id, long.id].sort());
      assert.equal(await at('2026-12-01T12:00:10Z'), [long.id]);
      assert.is(waiverReads(statements), 0);
      // Before the time it was read at, the cached rows cannot say what was in force: read again.
      assert.equal(await at('2026-12-01T11:00:00Z'), [soon.id, long.id].sort());
      assert.is(waiverReads(statements), 1);
    } finally {
      await store.close();
    }
  });

  test('the caches stay within their bounds over many deployment keys and subjects, and answer right after evictions', async (ctx) => {
    const location = ctx.backend.fresh();
    const store = await openAt(location, { clock: () => NOW, cacheLimits: { waiverEntries: 8, evidenceEntries: 8, evidenceBytes: 2000 } });
    try {
      const digests = Array.from({ length: 40 }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
      const waivers = [];
      for (let i = 0; i < 40; i++) {
        waivers.push(await store.createWaiver(waiverFor(`app-${i}`)));
        await pushReport(store, { digest: digests[i]! }, `CVE-2026-${2000 + i}`);
      }
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 40; i++) {
          assert.equal((await store.activeWaivers(NOW, { application: `app-${i}`, environment: 'production' })).map((w) => w.id), [waivers[i]!.id]);
          assert.equal(cveOf(await store.latestEvidence({ digest: digests[i]! })), [`CVE-2026-${2000 + i}`]);
          const stats = store.caches.stats();
          assert.ok(stats.waivers.entries <= 8 && stats.evidence.entries <= 8, JSON.stringify(stats));
          assert.ok(stats.evidence.weight <= 2000, JSON.stringify(stats));
        }
      }
    } finally {
      await store.close();
    }
  });

  return test;
}

const lru = suite('read cache');

lru('least recently used entries go first, by count and by weight; a value heavier than the budget is not kept', () => {
  const cache = new ReadCache<string>({ maxEntries: 3, maxWeight: 100 });
  cache.set('a', [1], 'A', 10);
  cache.set('b', [1], 'B', 10);
  cache.set('c', [1], 'C', 10);
  assert.is(cache.get('a', [1]), 'A'); // a is now the most recent
  cache.set('d', [1], 'D', 10);
  assert.is(cache.get('b', [1]), undefined);
  assert.is(cache.get('a', [1]), 'A');
  cache.set('e', [1], 'E', 85); // 10 + 10 + 10 + 85 > 100: the oldest (c, then d) go
  assert.equal(cache.stats().entries, 2);
  assert.is(cache.get('a', [1]), 'A');
  assert.is(cache.get('e', [1]), 'E');
  cache.set('huge', [1], 'H', 101);
  assert.is(cache.get('huge', [1]), undefined);
  assert.is(cache.stats().weight, 95);
});

lru('an entry read at other generations is not served', () => {
  const cache = new ReadCache<string>({ maxEntries: 10, maxWeight: 100 });
  cache.set('k', [3, 7], 'old', 1);
  assert.is(cache.get('k', [3, 8]), undefined);
  assert.is(cache.get('k', [4, 7]), undefined);
  assert.is(cache.get('k', [3, 7]), 'old');
  assert.equal({ hits: cache.stats().hits, misses: cache.stats().misses }, { hits: 1, misses: 2 });
});

lru.run();
defineSuite('sqlite', sqliteBackend).run();
defineSuite('postgres', postgresBackend).run();
