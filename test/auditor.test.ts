// The auditor on a real store (SQLite and PostgreSQL) with the real policy: a deployment
// that cannot be evaluated (its logged input no longer fits the policy's memory) is recorded
// as an error, never left compliant, and the deployments after it are still audited; a
// drift notifies once per episode (drifted, compliant under a waiver, drifted again), not
// once per audit run.
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Auditor, registerAuditMetrics, UNEVALUABLE_RULE } from '../src/audit/index.js';
import { decisionRecordFrom } from '../src/decide/decision-record.js';
import { ActivePolicy, type Evaluator, type InputDocument } from '../src/engine/index.js';
import { EventFactory } from '../src/notify/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import type { Store } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { verifiedInput } from './helpers/example-input.js';
import { openAt, postgresBackend, sqliteBackend, type StoreBackend } from './helpers/store-backends.js';

/** Small enough that a deployment with a 4 MiB logged input cannot be evaluated, big enough for the examples. */
const MEMORY_LIMIT = 4 * 1024 * 1024;
const DAY = 86_400_000;

const events = new EventFactory({ receivers: [{ name: 'siem', type: 'cloudevents', url: 'https://siem.example.com/dfw', secret_file: '/dev/null' }] });

let evaluator: Evaluator;
let compliantInput: InputDocument;
let vulnerableInput: InputDocument;

/**
 * Records an allowed, enforced decision for `application` in production: a deployment. With
 * `padding`, its logged input carries a source description of that many bytes.
 */
async function deploy(store: Store, application: string, input: InputDocument, minute: number, padding = 0): Promise<string> {
  const logged = structuredClone(input) as InputDocument & { request: Record<string, unknown>; source: Record<string, unknown> };
  logged.request = { ...logged.request, application, time: new Date(Date.UTC(2026, 11, 1, 12, minute)).toISOString() };
  const decision = evaluator.evaluate(logged, { now: new Date(logged.request.time as string) });
  if (padding > 0) logged.source = { ...logged.source, description: 'x'.repeat(padding) };
  // Allowed when it was deployed (the CVE was not known yet): today's policy judges it again.
  const empty = { critical: [], high: [], medium: [], low: [] };
  const allowed = { ...decision, allow: true, deny: empty };
  await store.recordDecision(decisionRecordFrom(allowed, logged, { caller: 'spinnaker', via: 'api' }));
  return decision.decision_id;
}

for (const makeBackend of [sqliteBackend, postgresBackend]) {
  const backend: StoreBackend = makeBackend();
  const test = suite<{ store: Store; policy: ActivePolicy }>(`auditor (${backend.name})`);
  test.before(async () => {
    evaluator ??= await loadTestEvaluator({ revision: 'auditor-test' }, {}, { maxMemoryBytes: MEMORY_LIMIT });
    const examples = readExamples();
    compliantInput ??= await verifiedInput(examples.get('compliant.allow.json') as never, { caller: 'spinnaker', via: 'api' } as never);
    vulnerableInput ??= await verifiedInput(examples.get('dfw-vuln-001-critical-cves.deny.json') as never, { caller: 'spinnaker', via: 'api' } as never);
  });
  test.before.each(async (ctx) => {
    ctx.store = await openAt(backend.fresh());
    ctx.policy = new ActivePolicy();
    ctx.policy.activate(evaluator);
  });
  test.after.each(async (ctx) => ctx.store.close());
  test.after(() => backend.cleanup());

  test('a deployment that cannot be evaluated is recorded as an error, not left compliant, and the deployments after it are still audited', async ({ store, policy }) => {
    await deploy(store, 'alpha', compliantInput, 0);
    const bravo = await deploy(store, 'bravo', compliantInput, 1, MEMORY_LIMIT);
    const charlie = await deploy(store, 'charlie', compliantInput, 2);
    // Both were compliant at the previous run; a run that stops at bravo would leave them so.
    const empty = { critical: [], high: [], medium: [], low: [] };
    const before = new Date(Date.now() - DAY);
    for (const [application, decision_id] of [['bravo', bravo], ['charlie', charlie]] as const) {
      await store.audits.record({ time: before, decision_id, application, environment: 'production', status: 'compliant', trigger: 'schedule', bundle: { name: 'firewall', revision: 'auditor-test' }, deny: empty, warn: empty, waived: [] });
    }
    const logger = createMemoryLogger();
    const auditor = new Auditor({ store, policy, events, logger });

    const records = await auditor.run('schedule');
    // alpha and charlie are judged (compliant today, unless the rules changed); bravo is the error.
    assert.equal(records.map((r) => `${r.application}:${r.status === 'error' ? 'error' : 'judged'}`), ['alpha:judged', 'bravo:error', 'charlie:judged']);
    const latest = new Map((await store.audits.latest()).map((r) => [r.application, r]));
    assert.is(latest.get('bravo')?.status, 'error', 'the deployment that failed is not compliant');
    const [finding] = latest.get('bravo')!.deny.critical;
    assert.is(finding?.rule, UNEVALUABLE_RULE);
    assert.match(finding!.message, 'Maximum memory size exceeded');
    assert.ok(Date.parse(latest.get('charlie')!.time) > before.getTime(), 'the deployment after it was audited in this run');
    const order = (await store.audits.latest()).map((r) => r.status);
    assert.ok(order.indexOf('error') < order.indexOf('compliant') || !order.includes('compliant'), `errors are listed before compliant records, with drifts: ${order}`);
    assert.equal((await store.outbox.list()).filter((m) => (m.event as { subject?: string }).subject === 'bravo/production'), [], 'an error is not a drift notification');

    const registry = new Registry();
    registerAuditMetrics(registry, store.audits);
    assert.match(await registry.metrics(), /dfw_audit_errors\{environment="production"\} 1\n/);

    const failed = logger.lines.find((l) => l.msg === 'audit of a deployment failed');
    assert.equal([failed?.level, failed?.application, failed?.decision_id], ['error', 'bravo', bravo]);
    const summary = logger.lines.find((l) => l.msg === 'audit');
    assert.equal({ level: summary?.level, audited: summary?.audited, errors: summary?.errors }, { level: 'warn', audited: 3, errors: 1 });
    assert.is(Number(summary?.compliant) + Number(summary?.drifted), 2);
  });

  test('a deployment that drifts again after a compliant audit is notified again; a drift that persists is not', async ({ store, policy }) => {
    const decision = await deploy(store, 'payments', vulnerableInput, 0);
    const auditor = new Auditor({ store, policy, events, logger: createMemoryLogger() });
    const drifts = async () => (await store.outbox.list()).filter((m) => m.type === 'dev.dfw.audit.drifted');

    const [first] = await auditor.run('evidence');
    assert.is(first?.status, 'drifted');
    assert.is(first?.decision_id, decision);
    assert.is((await drifts()).length, 1);
    assert.is((await auditor.run('schedule'))[0]?.status, 'drifted');
    assert.is((await drifts()).length, 1, 'audited again, still drifted with the same findings: not notified again');

    // Waived: compliant. The waivers revoked: drifted again with the very same findings.
    const rules = [...new Set(Object.values(first!.deny).flat().map((v) => v.rule))];
    const waivers = [];
    for (const rule of rules) {
      waivers.push(await store.createWaiver({ rule, application: 'payments', environment: 'production', reason: 'fix ships Friday', requested_by: 'dev-lead', approved_by: 'alice', expires_at: new Date(Date.now() + 7 * DAY) }));
    }
    assert.is((await auditor.run('manual'))[0]?.status, 'compliant');
    for (const waiver of waivers) await store.revokeWaiver(waiver.id, { revoked_by: 'alice', at: new Date() });
    const [again] = await auditor.run('waiver');
    assert.is(again?.status, 'drifted');
    assert.equal(again?.deny, first?.deny, 'the same findings as the first drift');
    const notified = await drifts();
    assert.is(notified.length, 2, 'the second drift episode is notified');
    assert.is.not(notified[0]!.event_id, notified[1]!.event_id);

    await auditor.run('schedule');
    assert.is((await drifts()).length, 2, 'the second episode persisting is not notified again');
  });

  test.run();
}
