// The storage layer: the same suite against a real SQLite file and a real PostgreSQL
// (decision log, durability under SIGKILL, waivers, evidence, retention, migrations), and
// the masking of secrets.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_MASK_PATHS,
  DuplicateDecisionError,
  InvalidCursorError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  StoreError,
  StoreInputError,
  WaiverAlreadyRevokedError,
  WaiverNotFoundError,
  maskSecrets,
  toInputWaiver,
  type DecisionFilter,
  type DecisionSummary,
  type NewDecisionRecord,
  type NewReport,
  type Store,
} from '../src/store/index.js';
import { decisionRecordFrom } from '../src/decide/decision-record.js';
import type { ParsedEvidence } from '../src/evidence/types.js';
import {
  ROOT,
  openAt,
  postgresBackend,
  rawQuery,
  sqliteBackend,
  type StoreBackend,
  type StoreLocation,
} from './helpers/store-backends.js';
import { APPLICATIONS, BASE_TIME_MS, ENVIRONMENTS, RULES, generateDecision, newestFirst } from './helpers/store-records.js';
import { SHARED_FIXTURES } from './helpers/fixtures.js';

const FIXTURES = SHARED_FIXTURES;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function rejects(promise: Promise<unknown>, check: (err: unknown) => boolean, message: string): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    assert.ok(check(err), `${message}: got ${String(err)}`);
    return err;
  }
  assert.unreachable(`${message}: resolved`);
  return undefined;
}

/** Every item the filter finds, page by page, checking that no id comes twice. */
async function walk(store: Store, filter: DecisionFilter, limit: number): Promise<DecisionSummary[]> {
  const seen = new Set<string>();
  const all: DecisionSummary[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10_000, 'pagination does not end');
    const page = await store.listDecisions(filter, { limit, ...(cursor ? { cursor } : {}) });
    assert.ok(page.items.length <= limit);
    for (const item of page.items) {
      assert.not.ok(seen.has(item.decision_id), `${item.decision_id} listed twice`);
      seen.add(item.decision_id);
      all.push(item);
    }
    if (!page.next_cursor) return all;
    cursor = page.next_cursor;
  }
}

async function recordAll(store: Store, records: NewDecisionRecord[], concurrency = 16): Promise<void> {
  for (let i = 0; i < records.length; i += concurrency) {
    await Promise.all(records.slice(i, i + concurrency).map((r) => store.recordDecision(r)));
  }
}

const ms = (instant: Date | string) => (instant instanceof Date ? instant.getTime() : Date.parse(instant));

function matches(record: NewDecisionRecord, rules: string[], filter: DecisionFilter): boolean {
  const t = ms(record.time);
  return (
    (filter.application === undefined || record.application === filter.application) &&
    (filter.environment === undefined || record.environment === filter.environment) &&
    (filter.allow === undefined || record.allow === filter.allow) &&
    (filter.rule === undefined || rules.includes(filter.rule)) &&
    (filter.from === undefined || t >= ms(filter.from)) &&
    (filter.to === undefined || t < ms(filter.to))
  );
}

const expectedOrder = (records: NewDecisionRecord[]) =>
  records.map((r) => ({ time: r.time as string, decision_id: r.decision_id })).sort(newestFirst).map((r) => r.decision_id);

/** Spawns the writer, kills it with SIGKILL once `after` ids were acknowledged; returns them. */
function killMidBurst(location: StoreLocation, prefix: string, after: number, mode: 'local' | 'thread' = 'local'): Promise<{ acknowledged: string[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/store-writer.ts'), JSON.stringify(location), prefix, mode], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const ids = out.split('\n').slice(0, -1).filter((l) => l !== 'ready');
      if (!killed && ids.length >= after) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!killed) return reject(new Error(`writer exited by itself (code ${code}):\n${err}`));
      // Only complete lines: a line cut by the kill was never acknowledged.
      resolve({ acknowledged: out.split('\n').slice(0, -1).filter((l) => l !== 'ready'), signal });
    });
  });
}

function report(overrides: Partial<NewReport> & Pick<NewReport, 'kind' | 'normalized' | 'received_at'>): NewReport {
  return { subject: { digest: DIGEST }, raw: `{"report": ${JSON.stringify(overrides.received_at)}}`, pushed_by: 'ci', ...overrides };
}

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER_DIGEST = `sha256:${'cd'.repeat(32)}`;
const REPOSITORY = 'github.com/acme/payments';
const COMMIT = '9f2c3b1d0e6a7f8091a2b3c4d5e6f708192a3b4c';
const vulnerabilities = (tool: string, id: string): ParsedEvidence => ({
  vulnerabilities: { tool, findings: [{ id, severity: 'critical', package: 'openssl', installed_version: '3.0.1', fixed_version: '3.0.2' }] },
});

interface Context {
  backend: StoreBackend;
  thousand: { location: StoreLocation; records: NewDecisionRecord[]; rules: Map<string, string[]> };
}

function defineStoreSuite(name: 'sqlite' | 'postgres', makeBackend: () => StoreBackend) {
  const test = suite<Context>(`store (${name})`);
  let setupError: unknown;

  test.before((ctx) => {
    try {
      ctx.backend = makeBackend();
    } catch (err) {
      setupError = err;
    }
  });
  test.after(async (ctx) => {
    await ctx.backend?.cleanup();
  });
  const backendOf = (ctx: Context) => {
    if (setupError) throw setupError;
    return ctx.backend;
  };

  test(`opens a ${name} store, applies every migration once, and opening again (even twice at once) changes nothing`, async (ctx) => {
    const location = backendOf(ctx).fresh();
    const [a, b] = await Promise.all([openAt(location), openAt(location)]);
    assert.is(a.backend, name);
    assert.is(await a.schemaVersion(), LATEST_SCHEMA_VERSION);
    await a.ping();
    await Promise.all([a.close(), b.close()]);
    const again = await openAt(location);
    assert.is(await again.schemaVersion(), LATEST_SCHEMA_VERSION);
    await again.close();
    const rows = await rawQuery(location, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.equal(rows.map((r) => Number(r.version)), MIGRATIONS.map((m) => m.version));
    if (name === 'sqlite') assert.equal(await rawQuery(location, 'PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
  });

  test('refuses a database that a newer dfw migrated', async (ctx) => {
    const location = backendOf(ctx).fresh();
    await (await openAt(location)).close();
    await rawQuery(location, `INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 0)`);
    await rejects(openAt(location), (e) => e instanceof StoreError && e.code === 'schema_too_new', 'opening a newer schema');
  });

  test('1,000 decisions: each filter finds exactly the right ones, and pages walk them all once, newest first', async (ctx) => {
    const location = backendOf(ctx).fresh();
    const generated = Array.from({ length: 1000 }, (_, i) => generateDecision(i, `k${name}`));
    const records = generated.map((g) => g.record);
    const rules = new Map(generated.map((g) => [g.record.decision_id, g.rules]));
    ctx.thousand = { location, records, rules };
    const store = await openAt(location);
    try {
      await recordAll(store, records);
      const day = 24 * 3600 * 1000;
      const filters: DecisionFilter[] = [
        {},
        ...APPLICATIONS.map((application) => ({ application })),
        ...ENVIRONMENTS.map((environment) => ({ environment })),
        { allow: true },
        { allow: false },
        ...RULES.map((rule) => ({ rule })),
        { rule: 'DFW-NOPE-999' },
        { from: new Date(BASE_TIME_MS + 2 * day), to: new Date(BASE_TIME_MS + 5 * day) },
        { from: new Date(BASE_TIME_MS + 9 * day).toISOString() },
        { to: records[500]!.time },
        { application: 'payments', environment: 'production', allow: false },
        { rule: 'DFW-VULN-001', environment: 'staging', from: new Date(BASE_TIME_MS + day) },
      ];
      for (const filter of filters) {
        const expected = expectedOrder(records.filter((r) => matches(r, rules.get(r.decision_id)!, filter)));
        const found = await walk(store, filter, filter === filters[0] ? 1000 : 97);
        assert.equal(found.map((d) => d.decision_id), expected, `filter ${JSON.stringify(filter)}`);
      }
      const all = await walk(store, {}, 100);
      assert.is(all.length, 1000);
      assert.is(new Set(all.map((d) => d.decision_id)).size, 1000);

      const { input: _input, decision: _decision, ...summary } = records[3]!;
      const listed = all.find((d) => d.decision_id === records[3]!.decision_id)!;
      assert.equal(listed, { ...summary, time: new Date(records[3]!.time).toISOString() });
    } finally {
      await store.close();
    }
  });

  test('the 1,000 decisions are all still there, in full, after closing and reopening the store', async (ctx) => {
    const { location, records } = ctx.thousand;
    const store = await openAt(location);
    try {
      const streamed = [];
      for await (const record of store.decisionsSince(new Date(0))) streamed.push(record);
      assert.is(streamed.length, 1000);
      const byId = new Map(records.map((r) => [r.decision_id, r]));
      for (const record of streamed) {
        const original = byId.get(record.decision_id)!;
        assert.equal(record, { ...original, input: maskSecrets(original.input, DEFAULT_MASK_PATHS) });
      }
      assert.equal(await store.getDecision(records[7]!.decision_id), streamed.find((r) => r.decision_id === records[7]!.decision_id));
    } finally {
      await store.close();
    }
  });

  test('decisionsSince streams the full records in [from, to), oldest first, across batches', async (ctx) => {
    const { location, records } = ctx.thousand;
    const store = await openAt(location);
    try {
      const from = records[100]!.time;
      const to = records[800]!.time;
      const streamed = [];
      for await (const record of store.decisionsSince(from, to)) streamed.push(record.decision_id);
      const expected = expectedOrder(records.filter((r) => r.time >= from && r.time < to)).reverse();
      assert.ok(expected.length > 600);
      assert.equal(streamed, expected);
    } finally {
      await store.close();
    }
  });

  test('retention: pruneDecisions deletes exactly the decisions before the cut, and their rule index', async (ctx) => {
    const { location, records, rules } = ctx.thousand;
    const store = await openAt(location);
    try {
      const cut = records[400]!.time;
      const before = records.filter((r) => r.time < cut);
      assert.is(await store.pruneDecisions(cut), before.length);
      assert.is(await store.pruneDecisions(cut), 0);
      const left = await walk(store, {}, 1000);
      assert.equal(left.map((d) => d.decision_id), expectedOrder(records.filter((r) => r.time >= cut)));
      assert.is(await store.getDecision(before[0]!.decision_id), undefined);
      const ruleHits = await walk(store, { rule: 'DFW-VULN-001' }, 1000);
      assert.equal(
        ruleHits.map((d) => d.decision_id),
        expectedOrder(records.filter((r) => r.time >= cut && rules.get(r.decision_id)!.includes('DFW-VULN-001'))),
      );
      const [orphans] = await rawQuery(location, 'SELECT COUNT(*) AS n FROM decision_rules WHERE decision_id NOT IN (SELECT decision_id FROM decisions)');
      assert.is(Number(orphans!.n), 0);
    } finally {
      await store.close();
    }
  });

  test('pages stay exact while decisions are recorded between them', async (ctx) => {
    const store = await openAt(backendOf(ctx).fresh());
    try {
      const originals = Array.from({ length: 120 }, (_, i) => generateDecision(i, 'page').record);
      await recordAll(store, originals);
      const seen: string[] = [];
      let cursor: string | undefined;
      let extra = 0;
      do {
        const page = await store.listDecisions({}, { limit: 25, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((d) => d.decision_id));
        cursor = page.next_cursor;
        // Newer than everything listed so far: must not show up behind the cursor.
        const newer = generateDecision(5000 + extra++, 'late').record;
        await store.recordDecision({ ...newer, time: new Date(BASE_TIME_MS + 365 * 24 * 3600 * 1000 + extra).toISOString() });
      } while (cursor);
      assert.equal(seen, expectedOrder(originals));
      await rejects(store.listDecisions({}, { cursor: 'not-a-cursor' }), (e) => e instanceof InvalidCursorError, 'a made-up cursor');
      await rejects(store.listDecisions({}, { limit: 0 }), (e) => e instanceof StoreInputError, 'limit 0');
    } finally {
      await store.close();
    }
  });

  test('getDecision returns the record in full with the input masked; duplicates and bad records are refused', async (ctx) => {
    const location = backendOf(ctx).fresh();
    const store = await openAt(location, { maskPaths: ['evidence.change_ticket.approved_by'] });
    try {
      const { record } = generateDecision(3, 'full');
      await store.recordDecision(record);
      const stored = await store.getDecision(record.decision_id);
      const input = record.input as { request: { extra: { webhook: { token: string } } }; evidence: { change_ticket: { approved_by: string[] } } };
      assert.is(input.request.extra.webhook.token, 'tok-3', 'the caller\'s object is not changed');
      assert.equal(stored, {
        ...record,
        input: {
          ...input,
          request: { ...input.request, extra: { webhook: { token: '***' } } },
          evidence: { change_ticket: { ...input.evidence.change_ticket, approved_by: '***' } },
        },
      });
      assert.is(await store.getDecision('no-such-decision'), undefined);

      await rejects(store.recordDecision(record), (e) => e instanceof DuplicateDecisionError, 'the same id twice');
      const bad = generateDecision(4, 'full').record;
      await rejects(store.recordDecision({ ...bad, time: 'yesterday' }), (e) => e instanceof StoreInputError, 'a time that is no time');
      await rejects(store.recordDecision({ ...bad, caller: '' }), (e) => e instanceof StoreInputError, 'an empty caller');
      // PostgreSQL text cannot hold U+0000; both stores refuse it alike, before any write.
      await rejects(store.recordDecision({ ...bad, service: 'payments\u0000api' }), (e) => e instanceof StoreInputError && /NUL/.test((e as Error).message), 'a NUL in a text column');
      assert.is(await store.getDecision(bad.decision_id), undefined);
      assert.is((await walk(store, {}, 10)).length, 1);
    } finally {
      await store.close();
    }
    await rejects(store.recordDecision(generateDecision(5, 'full').record), (e) => e instanceof StoreError && e.code === 'store_closed', 'a closed store');
  });

  test('the deny, warn and waived lists are written once and read back into the decision, in its key order', async (ctx) => {
    const location = backendOf(ctx).fresh();
    const store = await openAt(location);
    try {
      const shared = generateDecision(3, 'once').record; // decision.deny is record.deny, as decisionRecordFrom builds it
      const denied = shared.deny.critical[0]!.message;
      await store.recordDecision(shared);
      const [raw] = await rawQuery(location, `SELECT deny, decision FROM decisions WHERE decision_id = '${shared.decision_id}'`);
      assert.ok(String(raw!.deny).includes(denied), 'the deny column holds the list');
      assert.not.ok(String(raw!.decision).includes(denied), 'the decision column does not hold it again');
      const stored = (await store.getDecision(shared.decision_id))!;
      assert.is(JSON.stringify(stored.decision), JSON.stringify(shared.decision), 'same document, same key order');

      // A record whose lists are not its decision's (a hand-built or imported one) keeps both as given.
      const own = generateDecision(6, 'own').record;
      const apart = { ...own, decision: { ...own.decision, deny: { ...own.deny, low: [{ ...own.deny.critical[0]!, severity: 'low' as const }] } } };
      await store.recordDecision(apart);
      assert.is(JSON.stringify((await store.getDecision(own.decision_id))!.decision), JSON.stringify(apart.decision));
      assert.equal((await store.getDecision(own.decision_id))!.deny, own.deny);
    } finally {
      await store.close();
    }
  });

  test('decisions recorded at once share commits: a duplicate among them fails alone, and close waits for the rest', async (ctx) => {
    const location = backendOf(ctx).fresh();
    const store = await openAt(location);
    const records = Array.from({ length: 30 }, (_, i) => generateDecision(i, 'together').record);
    const submitted = [...records, records[7]!].map((r) => store.recordDecision(r));
    await store.close(); // closes only after every submitted decision is committed
    const outcomes = await Promise.allSettled(submitted);
    assert.equal(outcomes.map((o) => o.status).filter((s) => s === 'rejected').length, 1);
    assert.instance((outcomes[30] as PromiseRejectedResult).reason, DuplicateDecisionError);
    const again = await openAt(location);
    try {
      assert.equal(new Set((await walk(again, {}, 100)).map((d) => d.decision_id)), new Set(records.map((r) => r.decision_id)));
    } finally {
      await again.close();
    }
  });

  test('decisionRecordFrom takes time, application, service, environment and digest from the input', async (ctx) => {
    const store = await openAt(backendOf(ctx).fresh());
    try {
      const { record } = generateDecision(8, 'from');
      const fromDecision = decisionRecordFrom(record.decision, record.input as Record<string, unknown>, { caller: 'argocd', via: 'kubernetes' });
      await store.recordDecision(fromDecision);
      const stored = (await store.getDecision(record.decision_id))!;
      assert.is(stored.time, record.time);
      assert.is(stored.application, record.application);
      assert.is(stored.service, record.service);
      assert.is(stored.environment, record.environment);
      assert.is(stored.artifact_digest, (record.input as { artifact: { digest: string } }).artifact.digest);
      assert.is(stored.via, 'kubernetes');
      assert.is(stored.dry_run, false);
    } finally {
      await store.close();
    }
  });

  // On SQLite, dfw serve commits decisions on a writer thread (src/store/writer-thread.ts):
  // the same guarantee must hold with the commit on another thread than the acknowledgement.
  for (const mode of name === 'sqlite' ? (['local', 'thread'] as const) : (['local'] as const)) {
    test(`a process killed with SIGKILL mid-burst loses none of the decisions it acknowledged${mode === 'thread' ? ' (writer thread)' : ''}`, async (ctx) => {
      const location = backendOf(ctx).fresh();
      await (await openAt(location)).close(); // migrate first, so the child starts writing at once
      const { acknowledged, signal } = await killMidBurst(location, `kill-${name}-${mode}`, 150, mode);
      assert.is(signal, 'SIGKILL');
      assert.ok(acknowledged.length >= 150, `${acknowledged.length} acknowledged`);
      const store = await openAt(location);
      try {
        const stored = new Set((await walk(store, {}, 1000)).map((d) => d.decision_id));
        const lost = acknowledged.filter((id) => !stored.has(id));
        assert.equal(lost, [], `${lost.length} of ${acknowledged.length} acknowledged decisions lost`);
        for (const id of acknowledged.slice(-5)) assert.ok((await store.getDecision(id))?.decision, `${id} is complete`);
      } finally {
        await store.close();
      }
      if (name === 'sqlite') assert.equal(await rawQuery(location, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
    });
  }

  test('waiver lifecycle: create, list, revoke (kept in history), revoke again or unknown is an error', async (ctx) => {
    let now = new Date('2026-11-28T10:00:00Z');
    const store = await openAt(backendOf(ctx).fresh(), { clock: () => now });
    try {
      const base = {
        rule: 'DFW-VULN-001',
        application: 'payments',
        environment: 'staging',
        reason: 'fix ships next sprint',
        requested_by: 'dev@example.com',
        approved_by: 'security-lead',
      };
      const first = await store.createWaiver({ ...base, ticket: 'SEC-12', expires_at: '2026-12-28T10:00:00Z' });
      assert.match(first.id, UUID_V7);
      assert.equal(first, { ...base, id: first.id, ticket: 'SEC-12', expires_at: '2026-12-28T10:00:00.000Z', created_at: '2026-11-28T10:00:00.000Z' });
      now = new Date('2026-11-28T11:00:00Z');
      const second = await store.createWaiver({
        ...base,
        environment: '*',
        artifact_digest: DIGEST,
        expires_at: new Date('2027-01-15T00:00:00Z'),
      });
      assert.equal(await store.getWaiver(second.id), second);
      assert.equal((await store.listWaivers()).map((w) => w.id), [second.id, first.id], 'newest first');

      const revoked = await store.revokeWaiver(first.id, { revoked_by: 'ciso', at: '2026-11-29T08:00:00Z' });
      assert.equal(revoked, { ...first, revoked_at: '2026-11-29T08:00:00.000Z', revoked_by: 'ciso' });
      assert.equal((await store.listWaivers()).map((w) => w.id), [second.id]);
      assert.equal(await store.listWaivers({ includeRevoked: true }), [second, revoked]);

      // Two revokes at once: one wins, the other is told it was already revoked.
      const third = await store.createWaiver({ ...base, application: 'ledger', expires_at: '2026-12-01T00:00:00Z' });
      const racing = await Promise.allSettled([
        store.revokeWaiver(third.id, { revoked_by: 'a', at: '2026-11-28T11:00:00Z' }),
        store.revokeWaiver(third.id, { revoked_by: 'b', at: '2026-11-28T11:00:00Z' }),
      ]);
      assert.is(racing.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(racing.some((r) => r.status === 'rejected' && r.reason instanceof WaiverAlreadyRevokedError));
      const again = await rejects(store.revokeWaiver(first.id, { revoked_by: 'someone', at: new Date() }), (e) => e instanceof WaiverAlreadyRevokedError, 'revoking twice');
      assert.match((again as Error).message, 'ciso');
      await rejects(store.revokeWaiver('0193aaaa-0000-7000-8000-000000000000', { revoked_by: 'ciso', at: new Date() }), (e) => e instanceof WaiverNotFoundError, 'an unknown id');
      assert.equal((await store.getWaiver(first.id))?.revoked_by, 'ciso', 'the failed revoke changed nothing');

      // In force at an instant: created by then, not yet expired, not yet revoked.
      assert.equal((await store.listWaivers({ activeAt: '2026-11-28T10:30:00Z' })).map((w) => w.id), [first.id]);
      assert.equal((await store.listWaivers({ activeAt: '2026-11-28T12:00:00Z' })).map((w) => w.id), [second.id, first.id]);
      assert.equal((await store.listWaivers({ activeAt: '2026-11-30T00:00:00Z' })).map((w) => w.id), [second.id]);
      assert.equal(await store.listWaivers({ activeAt: '2027-02-01T00:00:00Z' }), []);
      await rejects(store.createWaiver({ ...base, expires_at: 'next week' }), (e) => e instanceof StoreInputError, 'a bad expiry');
    } finally {
      await store.close();
    }
  });

  test('activeWaivers: not revoked, not expired at the time, by application and environment (or *)', async (ctx) => {
    const store = await openAt(backendOf(ctx).fresh(), { clock: () => new Date('2026-11-01T00:00:00Z') });
    try {
      const make = (application: string, environment: string, expires_at: string) =>
        store.createWaiver({ rule: 'DFW-GIT-001', application, environment, reason: 'r', requested_by: 'dev', approved_by: 'sec', expires_at });
      const staging = await make('payments', 'staging', '2026-12-01T00:00:00Z');
      const everywhere = await make('payments', '*', '2026-12-15T00:00:00Z');
      const expired = await make('payments', 'production', '2026-11-20T00:00:00Z');
      const other = await make('ledger', 'production', '2026-12-31T00:00:00Z');
      const revoked = await make('payments', 'production', '2026-12-31T00:00:00Z');
      await store.revokeWaiver(revoked.id, { revoked_by: 'ciso', at: '2026-11-02T00:00:00Z' });

      const at = '2026-11-28T14:00:00Z';
      const ids = async (filter?: { application?: string; environment?: string }) => (await store.activeWaivers(at, filter)).map((w) => w.id).sort();
      assert.equal(await ids(), [staging.id, everywhere.id, other.id].sort());
      assert.equal(await ids({ application: 'payments', environment: 'production' }), [everywhere.id]);
      assert.equal(await ids({ application: 'payments', environment: 'staging' }), [staging.id, everywhere.id].sort());
      assert.equal(await ids({ environment: 'production' }), [everywhere.id, other.id].sort());
      assert.equal((await store.activeWaivers('2026-11-10T00:00:00Z', { application: 'payments', environment: 'production' })).map((w) => w.id).sort(), [everywhere.id, expired.id].sort());
      // A revoked waiver stays out whatever the instant asked about: revocation is final.
      assert.equal(
        (await store.activeWaivers('2026-11-01T12:00:00Z', { application: 'payments', environment: 'production' })).map((w) => w.id).sort(),
        [everywhere.id, expired.id].sort(),
      );

      const entry = toInputWaiver(everywhere);
      assert.equal(Object.keys(entry).sort(), ['application', 'approved_by', 'environment', 'expires_at', 'id', 'reason', 'requested_by', 'rule']);
    } finally {
      await store.close();
    }
  });

  test('evidence: identical content is stored once, the newest report per evidence kind wins, history is kept', async (ctx) => {
    const store = await openAt(backendOf(ctx).fresh());
    try {
      const trivyRaw = readFileSync(join(FIXTURES, 'trivy/alpine-39-high-critical.json'), 'utf8');
      const trivy: NewReport = {
        kind: 'trivy',
        subject: { digest: DIGEST },
        raw: trivyRaw,
        normalized: {
          ...vulnerabilities('Trivy', 'CVE-2019-14697'),
          container_scan: { tool: 'Trivy', findings: [{ id: 'DS002', severity: 'high', title: "Image user should not be 'root'" }] },
        },
        pushed_by: 'ci-build',
        received_at: '2026-11-28T10:00:00Z',
      };
      const first = await store.putReport(trivy);
      assert.ok(first.created);
      assert.match(first.id, UUID_V7);
      const same = await store.putReport({ ...trivy, pushed_by: 'ci-retry', received_at: '2026-11-28T10:05:00Z' });
      assert.equal(same, { id: first.id, created: false });
      // Five identical pushes at once (CI retries) for another digest: exactly one is stored.
      const racing = await Promise.all(Array.from({ length: 5 }, () => store.putReport({ ...trivy, subject: { digest: OTHER_DIGEST } })));
      assert.is(racing.filter((r) => r.created).length, 1);
      assert.is(new Set(racing.map((r) => r.id)).size, 1);

      const grype = await store.putReport(report({ kind: 'grype', normalized: vulnerabilities('Grype', 'CVE-2024-0001'), received_at: '2026-11-28T11:00:00Z' }));
      const sarif = await store.putReport({
        kind: 'sarif',
        subject: { repository: REPOSITORY, commit: COMMIT },
        raw: readFileSync(join(FIXTURES, 'sarif/semgrep-cwe-tag.sarif.json'), 'utf8'),
        normalized: { code_scanning: { tool: 'Semgrep', commit: COMMIT, findings: [{ rule: 'sqli', severity: 'high', location: 'src/db.ts:42' }] } },
        pushed_by: 'ci-scan',
        received_at: '2026-11-28T09:00:00Z',
      });
      const review = await store.putReport({
        kind: 'review',
        subject: { repository: REPOSITORY, commit: COMMIT },
        raw: '{"state":"approved","reviewer":"appsec@example.com"}',
        normalized: { security_review: { state: 'approved', reviewer: 'appsec@example.com' } },
        pushed_by: 'appsec',
        received_at: '2026-11-28T12:00:00Z',
      });

      const latest = await store.latestEvidence({ digest: DIGEST, repository: REPOSITORY, commit: COMMIT });
      assert.equal(Object.keys(latest), ['code_scanning', 'vulnerabilities', 'container_scan', 'security_review']);
      assert.equal(latest.vulnerabilities?.value.findings.map((f) => f.id), ['CVE-2024-0001'], 'the newer grype report wins');
      assert.equal(latest.vulnerabilities?.report_id, grype.id);
      assert.is(latest.vulnerabilities?.report_kind, 'grype');
      assert.is(latest.vulnerabilities?.received_at, '2026-11-28T11:00:00.000Z');
      assert.equal(latest.container_scan?.report_id, first.id, 'container_scan only came from trivy');
      assert.equal(latest.code_scanning?.report_id, sarif.id);
      assert.equal(latest.code_scanning?.subject, { repository: REPOSITORY, commit: COMMIT });
      assert.equal(latest.security_review?.value, { state: 'approved', reviewer: 'appsec@example.com' });
      assert.equal(latest.security_review?.report_id, review.id);

      assert.equal(Object.keys(await store.latestEvidence({ digest: DIGEST })), ['vulnerabilities', 'container_scan']);
      assert.equal(Object.keys(await store.latestEvidence({ repository: REPOSITORY, commit: COMMIT })), ['code_scanning', 'security_review']);
      assert.equal(await store.latestEvidence({ repository: REPOSITORY, commit: 'ffff' }), {});
      assert.equal(await store.latestEvidence({ repository: REPOSITORY }), {});

      // Re-pushing the old trivy report later does not make it the newest again.
      assert.equal(await store.putReport({ ...trivy, received_at: '2026-11-28T13:00:00Z' }), { id: first.id, created: false });
      assert.is((await store.latestEvidence({ digest: DIGEST })).vulnerabilities?.report_id, grype.id);
      // A newer trivy report with different content does.
      const newer = await store.putReport({ ...trivy, raw: `${trivyRaw}\n`, received_at: '2026-11-28T14:00:00Z' });
      assert.ok(newer.created);
      assert.is((await store.latestEvidence({ digest: DIGEST })).vulnerabilities?.report_id, newer.id);
      // The same raw text for another subject is another report.
      // The same text for another subject (above) or of another kind is another report.
      assert.ok((await store.putReport({ ...trivy, subject: { digest: OTHER_DIGEST }, kind: 'grype' })).created);

      const history = await store.listReports({ digest: DIGEST });
      assert.equal(history.map((r) => r.id), [newer.id, grype.id, first.id]);
      assert.equal(history[2], {
        id: first.id,
        kind: 'trivy',
        subject: { digest: DIGEST },
        sha256: createHash('sha256').update(trivyRaw).digest('hex'),
        pushed_by: 'ci-build',
        received_at: '2026-11-28T10:00:00.000Z',
        evidence_kinds: ['vulnerabilities', 'container_scan'],
      });
      assert.equal((await store.listReports({ repository: REPOSITORY, commit: COMMIT })).map((r) => r.id), [review.id, sarif.id]);
      const stored = await store.getReport(first.id);
      assert.is(stored?.raw, trivyRaw);
      assert.equal(stored?.normalized, trivy.normalized);
      assert.is(await store.getReport('nope'), undefined);
    } finally {
      await store.close();
    }
  });

  test('evidence: a put that fails midway leaves nothing written', async (ctx) => {
    const location = backendOf(ctx).fresh();
    const store = await openAt(location);
    try {
      const cyclic: Record<string, unknown> = { format: 'cyclonedx', spec_version: '1.5', components: [] };
      cyclic.self = cyclic;
      const failing = [
        // vulnerabilities is written first, then the second kind cannot be serialized.
        { ...vulnerabilities('Trivy', 'CVE-1'), sbom: { format: 'cyclonedx', spec_version: '1.5', components: [], size: 10n } } as unknown as ParsedEvidence,
        { ...vulnerabilities('Trivy', 'CVE-2'), sbom: cyclic } as unknown as ParsedEvidence,
      ];
      for (const normalized of failing) {
        await rejects(
          store.putReport(report({ kind: 'trivy', normalized, received_at: '2026-11-28T10:00:00Z' })),
          (e) => e instanceof StoreError && e.code === 'store_failed',
          'a value that cannot be serialized',
        );
      }
      await rejects(
        store.putReport(report({ kind: 'trivy', normalized: { nonsense: {} } as unknown as ParsedEvidence, received_at: '2026-11-28T10:00:00Z' })),
        (e) => e instanceof StoreInputError,
        'an unknown evidence kind',
      );
      await rejects(
        store.putReport(report({ kind: 'trivy', subject: { repository: REPOSITORY }, normalized: {}, received_at: '2026-11-28T10:00:00Z' })),
        (e) => e instanceof StoreInputError,
        'a subject with a repository but no commit',
      );
      assert.equal(await store.listReports({ digest: DIGEST }), []);
      assert.equal(await store.latestEvidence({ digest: DIGEST }), {});
      for (const table of ['evidence_reports', 'evidence_items']) {
        const [row] = await rawQuery(location, `SELECT COUNT(*) AS n FROM ${table}`);
        assert.is(Number(row!.n), 0, `${table} is empty`);
      }
      // The store is still usable, and the same report with sound evidence goes in.
      assert.ok((await store.putReport(report({ kind: 'trivy', normalized: vulnerabilities('Trivy', 'CVE-1'), received_at: '2026-11-28T10:00:00Z' }))).created);
    } finally {
      await store.close();
    }
  });

  return test;
}

const mask = suite('mask');

mask('masks the values at dotted paths, with * for any key or index and arrays crossed', () => {
  const input = {
    request: { extra: { github: { token: 'ghp_1' }, gitlab: { token: 'glpat', url: 'https://gitlab' } } },
    evidence: { change_ticket: { id: 'CHG1', approved_by: ['alice', 'bob'] }, workflows: [{ path: 'a.yml', env: { KEY: 'v' } }, { path: 'b.yml' }] },
    list: [{ password: 'p1' }, { password: 'p2' }, { password: null }],
  };
  const masked = maskSecrets(input, ['request.extra.*.token', 'evidence.change_ticket.approved_by', 'evidence.workflows.env', 'list.1.password']);
  assert.equal(masked, {
    request: { extra: { github: { token: '***' }, gitlab: { token: '***', url: 'https://gitlab' } } },
    evidence: { change_ticket: { id: 'CHG1', approved_by: '***' }, workflows: [{ path: 'a.yml', env: '***' }, { path: 'b.yml' }] },
    list: [{ password: 'p1' }, { password: '***' }, { password: null }],
  });
  assert.is(input.request.extra.github.token, 'ghp_1', 'the input is not changed');
  assert.equal(maskSecrets(input, ['no.such.path']), input);
});

mask('the default paths mask secret-named keys at any depth, case-insensitively, and leave evidence alone', () => {
  const input = {
    request: { headers: { Authorization: 'Bearer x', 'X-Api-Key': 'k' }, extra: [{ deploy: { github_token: 't', Password: 'p' } }] },
    evidence: {
      workflows: [{ path: 'ci.yml', permissions: { 'id-token': 'write', contents: 'read' } }],
      container_scan: { findings: [{ id: 'aws-access-key-id', type: 'secret', title: 'AWS key' }] },
    },
    secret: { nested: 'all of it' },
  };
  assert.equal(maskSecrets(input, DEFAULT_MASK_PATHS), {
    request: { headers: { Authorization: '***', 'X-Api-Key': '***' }, extra: [{ deploy: { github_token: '***', Password: '***' } }] },
    evidence: input.evidence,
    secret: '***',
  });
});

mask('a path with an empty segment or a trailing ** is refused', () => {
  assert.throws(() => maskSecrets({}, ['a..b']), (e: unknown) => e instanceof StoreInputError);
  assert.throws(() => maskSecrets({}, ['a.**']), (e: unknown) => e instanceof StoreInputError);
  assert.equal(maskSecrets('plain', ['**.token']), 'plain');
});

mask.run();
defineStoreSuite('sqlite', sqliteBackend).run();
defineStoreSuite('postgres', postgresBackend).run();
