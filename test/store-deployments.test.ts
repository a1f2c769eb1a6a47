// Migration 11: what is deployed (newest allowed, enforced decision per application and
// environment) and where a digest was first allowed, kept in each decision's transaction so
// the continuous audit and the promotion collector read a few rows, not the whole log. On
// SQLite and PostgreSQL: decisions committed out of request-time order, dry runs and denials
// left out, and the backfill of a log that predates the migration.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LATEST_SCHEMA_VERSION, type NewDecisionRecord, type Store } from '../src/store/index.js';
import { openAt, postgresBackend, rawQuery, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';
import { generateDecision } from './helpers/store-records.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, minutes)).toISOString();

/** Recorded in this order, which is not the order of their request times. */
function records(backendName: 'sqlite' | 'postgres'): NewDecisionRecord[] {
  const base = { ...generateDecision(1, backendName).record, application: 'payments', artifact_digest: DIGEST };
  return [
    { ...base, decision_id: 'prod-late', time: at(30), allow: true, environment: 'production' },
    { ...base, decision_id: 'prod-early', time: at(10), allow: true, environment: 'production' },
    { ...base, decision_id: 'prod-same-minute-b', time: at(30), allow: true, environment: 'production', artifact_digest: OTHER },
    { ...base, decision_id: 'prod-denied-newest', time: at(50), allow: false, environment: 'production' },
    { ...base, decision_id: 'prod-dry-run-newest', time: at(55), allow: true, dry_run: true, environment: 'production' },
    { ...base, decision_id: 'staging-dry-run-oldest', time: at(1), allow: true, dry_run: true, environment: 'staging' },
    { ...base, decision_id: 'staging-second', time: at(5), allow: true, environment: 'staging' },
    { ...base, decision_id: 'staging-first', time: at(2), allow: true, environment: 'staging' },
    { ...base, decision_id: 'staging-no-digest', time: at(40), allow: true, environment: 'staging', artifact_digest: undefined },
    { ...base, application: 'ledger', decision_id: 'ledger-only', time: at(20), allow: true, environment: 'production' },
  ];
}

async function expectTracked(store: Store): Promise<void> {
  // Of two at the same time, the greater id is the newer (the log's (time, id) order).
  const deployed = await store.audits.deployments();
  assert.equal(
    deployed.map((d) => [d.application, d.environment, d.decision_id]),
    [
      ['ledger', 'production', 'ledger-only'],
      ['payments', 'production', 'prod-same-minute-b'],
      ['payments', 'staging', 'staging-no-digest'],
    ],
  );
  assert.ok(deployed[0]!.input !== undefined, 'whole records, with the input to re-evaluate');
  assert.equal((await store.audits.deployments({ artifact_digest: OTHER })).map((d) => d.decision_id), ['prod-same-minute-b']);
  assert.equal((await store.audits.deployments({ application: 'ledger' })).map((d) => d.decision_id), ['ledger-only']);
  // payments moved on from DIGEST in both environments; ledger still runs it.
  assert.equal((await store.audits.deployments({ artifact_digest: DIGEST })).map((d) => d.decision_id), ['ledger-only']);

  assert.equal(await store.firstAllowed('payments', DIGEST), [
    { environment: 'production', decision_id: 'prod-early', time: at(10) },
    { environment: 'staging', decision_id: 'staging-first', time: at(2) },
  ]);
  assert.equal(await store.firstAllowed('payments', OTHER), [{ environment: 'production', decision_id: 'prod-same-minute-b', time: at(30) }]);
  assert.equal(await store.firstAllowed('ledger', DIGEST), [{ environment: 'production', decision_id: 'ledger-only', time: at(20) }]);
  assert.equal(await store.firstAllowed('payments', `sha256:${'c'.repeat(64)}`), []);
}

for (const makeBackend of [sqliteBackend, postgresBackend]) {
  const backend: StoreBackend = makeBackend();
  const test = suite(`deployments and first promotions (${backend.name})`);
  test.after(() => backend.cleanup());

  test('each decision keeps them true, whatever order decisions commit in', async () => {
    const store = await openAt(backend.fresh());
    try {
      for (const r of records(backend.name)) await store.recordDecision(r);
      await expectTracked(store);
    } finally {
      await store.close();
    }
  });

  test('migration 11 fills them from a log recorded before it', async () => {
    const location: StoreLocation = backend.fresh();
    let store = await openAt(location);
    for (const r of records(backend.name)) await store.recordDecision(r);
    await store.close();
    // Without migration 11, with the log kept: what an upgraded installation has.
    for (const sql of ['DROP TABLE deployments', 'DROP TABLE first_allowed', 'DELETE FROM schema_migrations WHERE version = 11']) await rawQuery(location, sql);
    store = await openAt(location);
    try {
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
      assert.equal((await rawQuery(location, 'SELECT version FROM schema_migrations WHERE version = 11')).length, 1, 'migration 11 applied again');
      await expectTracked(store);
    } finally {
      await store.close();
    }
  });

  test.run();
}
