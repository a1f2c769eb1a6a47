// The outbox and audit records in the store, on a real SQLite file and a real PostgreSQL:
// notifications queued with the decision that causes them (both or neither), claimed with a
// lease, retried, dead-lettered, their last error free of URL secrets; the newest allowed
// deployment per application and environment; audit records (errors among them) with their
// notifications; the overview's counts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DuplicateDecisionError, type AuditStatus, type NewOutboxMessage, type Store } from '../src/store/index.js';
import { openAt, postgresBackend, rawQuery, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';
import { generateDecision } from './helpers/store-records.js';

const message = (eventId: string, receiver = 'siem'): NewOutboxMessage => ({
  event_id: eventId,
  receiver,
  type: 'dev.dfw.decision.denied',
  event: { specversion: '1.0', id: eventId, type: 'dev.dfw.decision.denied', source: '/dfw', data: { n: eventId } },
});

for (const makeBackend of [sqliteBackend, postgresBackend]) {
  const backend: StoreBackend = makeBackend();
  const test = suite<{ store: Store; location: StoreLocation }>(`outbox and audit records (${backend.name})`);
  test.before.each(async (ctx) => {
    ctx.location = backend.fresh();
    ctx.store = await openAt(ctx.location);
  });
  test.after.each(async (ctx) => ctx.store.close());
  test.after(() => backend.cleanup());

  test('a decision and its notifications are written together; a refused decision queues nothing', async ({ store }) => {
    const { record } = generateDecision(3, backend.name);
    await store.recordDecision({ ...record, outbox: [message('e-1'), message('e-1', 'slack')] });
    const duplicate = await store.recordDecision({ ...record, outbox: [message('e-2')] }).catch((err) => err);
    assert.instance(duplicate, DuplicateDecisionError);
    const queued = await store.outbox.list();
    assert.equal(queued.map((m) => `${m.event_id}/${m.receiver}`).sort(), ['e-1/siem', 'e-1/slack']);
    assert.equal(queued[0]!.state, 'pending');
    assert.equal((queued[0]!.event as { id: string }).id, 'e-1');
    assert.equal(await store.outbox.enqueue([message('e-1')]), 0, 'an event queued again is not queued twice');
  });

  test('a claim leases messages: a second claim skips them until the lease ends', async ({ store }) => {
    await store.outbox.enqueue([message('a'), message('b')]);
    const now = new Date(Date.now() + 1000);
    const first = await store.outbox.claim(now, 10, 30_000);
    assert.equal(first.map((m) => m.event_id).sort(), ['a', 'b']);
    assert.equal(first[0]!.attempts, 1);
    assert.equal(await store.outbox.claim(now, 10, 30_000), []);
    const later = await store.outbox.claim(new Date(now.getTime() + 30_001), 10, 30_000);
    assert.equal(later.length, 2, 'a worker that died mid-delivery leaves its messages due again');
    assert.equal(later[0]!.attempts, 2);
  });

  test('failures retry at their time, the last one leaves a dead letter that can be retried', async ({ store }) => {
    await store.outbox.enqueue([message('x')]);
    const t0 = Date.now() + 1000;
    await store.outbox.claim(new Date(t0), 10, 5000);
    await store.outbox.failed('x', 'siem', { error: 'HTTP 503', retryAt: new Date(t0 + 60_000) });
    assert.equal(await store.outbox.claim(new Date(t0 + 59_000), 10, 5000), []);
    const [again] = await store.outbox.claim(new Date(t0 + 60_000), 10, 5000);
    assert.equal(again?.last_error, 'HTTP 503');
    await store.outbox.failed('x', 'siem', { error: 'HTTP 500' });
    assert.equal(await store.outbox.counts(), { pending: 0, delivered: 0, dead: 1 });
    assert.equal((await store.outbox.list({ state: 'dead' }))[0]!.last_error, 'HTTP 500');
    assert.ok(await store.outbox.retry('x', 'siem', new Date(t0 + 70_000)));
    const [retried] = await store.outbox.claim(new Date(t0 + 70_000), 10, 5000);
    assert.equal(retried?.attempts, 1);
    await store.outbox.delivered('x', 'siem', new Date(t0 + 70_001));
    const [done] = await store.outbox.list();
    assert.equal(done!.state, 'delivered');
    assert.equal(done!.delivered_at, new Date(t0 + 70_001).toISOString());
  });

  test('last_error never shows a URL\'s user name, password or path, also in rows written before dfw left them out', async ({ store, location }) => {
    const leaked = 'Request cannot be constructed from a URL that includes credentials: http://dfw:hunter2@hooks.example.com/services/T000/B000/XXXXSECRET';
    const cut = 'Request cannot be constructed from a URL that includes credentials: http://hooks.example.com/…';
    await store.outbox.enqueue([message('leak'), message('old')]);
    await store.outbox.failed('leak', 'siem', { error: leaked, retryAt: new Date(Date.now() + 60_000) });
    const stored = await rawQuery(location, "SELECT last_error FROM outbox WHERE event_id = 'leak'");
    assert.equal(stored, [{ last_error: cut }], 'not stored');
    // A dead letter an earlier dfw wrote with the whole URL, as the console would read it.
    await rawQuery(location, `UPDATE outbox SET state = 'dead', last_error = '${leaked}' WHERE event_id = 'old'`);
    assert.equal((await store.outbox.list({ state: 'dead' })).map((m) => m.last_error), [cut], 'not shown');
  });

  test('deployments are the newest allowed, enforced decision of each application and environment', async ({ store }) => {
    const base = generateDecision(1, backend.name).record;
    const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, minutes)).toISOString();
    const records = [
      { ...base, decision_id: 'd-old', time: at(0), allow: true },
      { ...base, decision_id: 'd-new', time: at(5), allow: true, artifact_digest: `sha256:${'a'.repeat(64)}` },
      { ...base, decision_id: 'd-denied', time: at(9), allow: false },
      { ...base, decision_id: 'd-dry', time: at(10), allow: true, dry_run: true },
      { ...base, decision_id: 'd-other-env', time: at(1), allow: true, environment: 'staging' },
    ];
    for (const r of records) await store.recordDecision({ ...r, application: 'payments' });
    const deployed = await store.audits.deployments();
    assert.equal(deployed.map((d) => d.decision_id).sort(), ['d-new', 'd-other-env']);
    assert.ok(deployed[0]!.input !== undefined, 'whole records, with the input to re-evaluate');
    assert.equal((await store.audits.deployments({ artifact_digest: `sha256:${'a'.repeat(64)}` })).map((d) => d.decision_id), ['d-new']);
  });

  test('audit records: the newest per deployment, drifted first, with their notifications', async ({ store }) => {
    const empty = { critical: [], high: [], medium: [], low: [] };
    const audit = (application: string, minute: number, status: AuditStatus) => ({
      time: new Date(Date.UTC(2026, 11, 1, 12, minute)),
      decision_id: `d-${application}`,
      application,
      environment: 'production',
      status,
      trigger: 'schedule' as const,
      bundle: { name: 'firewall', revision: 'r1' },
      deny: empty,
      warn: empty,
      waived: [],
    });
    await store.audits.record(audit('ledger', 0, 'drifted'));
    await store.audits.record(audit('ledger', 5, 'compliant'));
    await store.audits.record(audit('payments', 1, 'compliant'));
    const drifted = await store.audits.record(audit('payments', 6, 'drifted'), [message('drift-1')]);
    assert.equal(drifted.status, 'drifted');
    await store.audits.record(audit('search', 2, 'compliant'));
    assert.equal((await store.audits.record(audit('search', 7, 'error'))).status, 'error');
    const latest = await store.audits.latest();
    assert.equal(latest.map((a) => `${a.application}:${a.status}`), ['payments:drifted', 'search:error', 'ledger:compliant'], 'what needs a look first: drifted, and errors (never compliant)');
    assert.equal((await store.audits.list({ application: 'ledger' })).length, 2);
    assert.equal((await store.outbox.list()).map((m) => m.event_id), ['drift-1']);
    await store.audits.record({ ...audit('ledger', 9, 'compliant'), trigger: 'evidence' });
    assert.equal((await store.audits.list({ trigger: 'evidence' })).map((a) => a.application), ['ledger']);
    assert.is((await store.audits.list({ trigger: 'schedule' })).length, 6);
  });

  test('overview counts: decisions per day by environment and verdict, rules by how often they blocked', async ({ store }) => {
    for (let i = 0; i < 30; i++) await store.recordDecision(generateDecision(i, backend.name).record);
    const from = new Date(Date.UTC(2026, 10, 1));
    const perDay = await store.stats.perDay(from);
    const total = perDay.reduce((n, r) => n + r.count, 0);
    const expected = Array.from({ length: 30 }, (_, i) => generateDecision(i, backend.name).record).filter((r) => !r.dry_run);
    assert.equal(total, expected.length);
    assert.ok(perDay.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.day)));
    const rules = await store.stats.denyingRules(from);
    const denied = expected.filter((r) => !r.allow);
    assert.equal(rules.reduce((n, r) => n + r.count, 0), denied.reduce((n, r) => n + new Set(Object.values(r.deny).flat().map((v) => v.rule)).size, 0));
    assert.ok(rules.every((r, i) => i === 0 || rules[i - 1]!.count >= r.count), 'most first');
  });

  test('old deliveries and audit records are pruned; pending messages stay', async ({ store }) => {
    await store.outbox.enqueue([message('old-delivered'), message('old-pending')]);
    const t = Date.now() + 1000;
    await store.outbox.claim(new Date(t), 1, 1000);
    await store.outbox.delivered('old-delivered', 'siem', new Date(t));
    assert.is(await store.outbox.prune(new Date(t + 60_000)), 1);
    assert.equal((await store.outbox.list()).map((m) => m.event_id), ['old-pending']);
    const empty = { critical: [], high: [], medium: [], low: [] };
    const base = { decision_id: 'd', application: 'a', environment: 'production', status: 'compliant' as const, trigger: 'schedule' as const, bundle: { name: 'firewall', revision: 'r' }, deny: empty, warn: empty, waived: [] };
    await store.audits.record({ ...base, time: new Date(Date.UTC(2026, 0, 1)) });
    await store.audits.record({ ...base, time: new Date(Date.UTC(2026, 5, 1)) });
    assert.is(await store.audits.prune(new Date(Date.UTC(2026, 2, 1))), 1);
    assert.is((await store.audits.list()).length, 1);
  });

  test('console sessions: found by the hash of their id until they expire or end', async ({ store }) => {
    const now = new Date();
    await store.consoleSessions.create({ id_sha256: 'a'.repeat(64), caller: 'vera', csrf: 'csrf-1', expires_at: new Date(now.getTime() + 60_000) });
    await store.consoleSessions.create({ id_sha256: 'b'.repeat(64), caller: 'alice', csrf: 'csrf-2', expires_at: new Date(now.getTime() - 1) });
    assert.is((await store.consoleSessions.get('a'.repeat(64), now))?.caller, 'vera');
    assert.is(await store.consoleSessions.get('b'.repeat(64), now), undefined, 'expired');
    assert.is(await store.consoleSessions.prune(now), 1);
    await store.consoleSessions.end('a'.repeat(64));
    assert.is(await store.consoleSessions.get('a'.repeat(64), now), undefined, 'ended');
  });

  test.run();
}
