// The decision log end to end (issue 5, "Done when"), on SQLite and on PostgreSQL alike:
// checks through the HTTP API are all recorded and found by every filter, survive a restart
// and a SIGKILL of `dfw serve` mid-burst; the waiver lifecycle over HTTP with tokens; replay
// of logged decisions and what-if of a candidate bundle, in process and through the CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { replayDecision, whatIf, type WhatIfReport } from '../src/decide/index.js';
import { replayTime } from '../src/decide/replay.js';
import { whatIfInParallel } from '../src/host/what-if-pool.js';
import type { ApiToken } from '../src/api/index.js';
import { SEVERITIES, type Decision, type Evaluator, type WaivedViolation } from '../src/engine/index.js';
import type { DecisionRecord, LoggedInputRecord, Waiver } from '../src/store/index.js';
import { buildBundle, loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { loadBenchInputs } from '../bench/inputs.js';
import { runDfw, startDfw } from './helpers/cli.js';
import {
  APPLICATIONS,
  DAY_MS,
  ENVIRONMENTS,
  SECRETS,
  answeredFrom,
  buildCandidate,
  burstUntilKilled,
  createLogApi,
  denyRules,
  inBatches,
  newestFirst,
  requestFrom,
  storeUrlFor,
  testTokens,
  variedRequest,
  verdictKey,
  walkDecisions,
  type Answered,
  type CheckBody,
  type ErrorAnswer,
} from './helpers/decision-log.js';
import { openAt, postgresBackend, rawQuery, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';

const REVISION = 'decision-log';
const CANDIDATE_REVISION = 'decision-log-candidate';

interface Shared {
  bundle: string;
  evaluator: Evaluator;
  candidate: { path: string; evaluator: Evaluator };
  tokens: ApiToken[];
  examples: Map<string, CheckBody>;
}

let shared: Promise<Shared> | undefined;
/** Built once for both backends: the bundle, a candidate with one severity changed, tokens. */
const setup = () =>
  (shared ??= (async () => ({
    bundle: buildBundle({ revision: REVISION }),
    evaluator: await loadTestEvaluator({ revision: REVISION }),
    // DFW-CLOUD-001 is medium (a warning) in production; the candidate makes it high (a deny).
    candidate: await buildCandidate({ environment: 'production', rule: 'DFW-CLOUD-001', severity: 'high', revision: CANDIDATE_REVISION }),
    tokens: await testTokens(),
    examples: readExamples(),
  }))());

interface Context {
  backend: StoreBackend;
  shared: Shared;
  thousand: { location: StoreLocation; answered: Answered[]; records: Map<string, DecisionRecord> };
  logged: { location: StoreLocation; ids: string[] };
}

const byNewest = (answered: Answered[]) => [...answered].sort(newestFirst).map((a) => a.decision_id);
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const example = (s: Shared, file: string) => {
  const body = s.examples.get(file);
  assert.ok(body, `examples/${file}`);
  return body!;
};

function defineDecisionLogSuite(name: 'sqlite' | 'postgres', makeBackend: () => StoreBackend) {
  const test = suite<Context>(`decision log (${name})`);
  let setupError: unknown;

  test.before(async (ctx) => {
    ctx.shared = await setup();
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

  test('1,000 checks through POST /v1/check give 1,000 records; every filter of GET /v1/decisions finds exactly the right ones, page by page', async (ctx) => {
    const { evaluator, tokens, examples } = ctx.shared;
    const location = backendOf(ctx).fresh();
    const store = await openAt(location);
    try {
      // Request times spread over ~3 days before now, every fifth one sharing its
      // millisecond with the one before, so pages must also order ties by id.
      const start = Math.floor((Date.now() - 4 * DAY_MS) / 60_000) * 60_000;
      const issued: string[] = [];
      let tick = 0;
      const clock = () => {
        const t = new Date(start + Math.floor((tick++ * 4) / 5) * 5 * 60_000);
        issued.push(t.toISOString());
        return t;
      };
      const api = createLogApi({ evaluator, store, tokens, clock });
      // A waiver, so that the rule filter must also find rules listed under `waived`.
      const waiver = await api.call<Waiver>('POST', '/v1/waivers', 'security-lead', {
        rule: 'DFW-VULN-001',
        application: 'ledger',
        environment: '*',
        reason: 'musl is not reachable from the ledger API',
        requested_by: 'alice',
        expires_at: new Date(Date.now() + 30 * DAY_MS).toISOString(),
      });
      assert.is(waiver.status, 201, JSON.stringify(waiver.body));

      const bodies = [...examples.values()];
      const requests = Array.from({ length: 1000 }, (_, i) => variedRequest(bodies, i));
      const answered: Answered[] = [];
      await inBatches(requests, 20, async (request) => {
        answered.push(answeredFrom(request, await api.check(request)));
      });
      assert.is(answered.length, 1000);
      assert.is(new Set(answered.map((a) => a.decision_id)).size, 1000, 'decision ids are unique');
      assert.equal(answered.map((a) => a.time).sort(), [...issued].sort(), 'each decision carries the request time the clock gave');
      assert.ok(answered.some((a) => a.allow) && answered.some((a) => !a.allow));
      const waivedVuln = answered.filter((a) => a.decision.waived.length > 0);
      assert.ok(waivedVuln.length > 0, 'some checks had the violation waived');
      for (const a of waivedVuln) {
        assert.is(a.application, 'ledger');
        assert.equal(a.decision.waived.map((w) => [w.rule, w.waiver_id]), [['DFW-VULN-001', waiver.body.id]]);
      }

      // Every record is the decision as it was answered, with who asked and how.
      const records = new Map<string, DecisionRecord>();
      for await (const record of store.decisionsSince(new Date(0))) records.set(record.decision_id, record);
      assert.is(records.size, 1000);
      for (const a of answered) {
        const record = records.get(a.decision_id);
        assert.ok(record, `${a.decision_id} is recorded`);
        assert.equal(record!.decision, a.decision, `${a.decision_id}: the logged decision is the answered one`);
        assert.is(record!.time, a.time);
        assert.is(record!.caller, 'spinnaker');
        assert.is(record!.via, 'api');
        assert.is(record!.application, a.application);
        assert.is(record!.environment, a.environment);
      }
      ctx.thousand = { location, answered, records };

      const times = [...new Set(answered.map((a) => a.time))].sort();
      const ruleIds = [...new Set(answered.flatMap((a) => a.rules))].sort();
      assert.ok(ruleIds.length >= 9, `rules seen: ${ruleIds.join(', ')}`);
      type Query = Record<string, string>;
      const queries: Query[] = [
        {},
        ...APPLICATIONS.map((application) => ({ application })),
        ...ENVIRONMENTS.map((environment) => ({ environment })),
        { allow: 'true' },
        { allow: 'false' },
        ...ruleIds.map((rule) => ({ rule })),
        { rule: 'DFW-NOPE-999' },
        { application: 'no-such-app' },
        { from: times[250]!, to: times[700]! },
        { from: times[600]! },
        { to: times[123]! },
        { application: 'payments', environment: 'production', allow: 'false' },
        { rule: 'DFW-VULN-001', allow: 'true' },
        { rule: 'DFW-GIT-001', environment: 'staging', from: times[100]!, to: times[500]! },
      ];
      const matches = (a: Answered, q: Query) =>
        (q.application === undefined || a.application === q.application) &&
        (q.environment === undefined || a.environment === q.environment) &&
        (q.allow === undefined || String(a.allow) === q.allow) &&
        (q.rule === undefined || a.rules.includes(q.rule)) &&
        (q.from === undefined || Date.parse(a.time) >= Date.parse(q.from)) &&
        (q.to === undefined || Date.parse(a.time) < Date.parse(q.to));
      for (const query of queries) {
        const expected = byNewest(answered.filter((a) => matches(a, query)));
        const found = await walkDecisions(api, query, 97);
        assert.equal(found.map((d) => d.decision_id), expected, `GET /v1/decisions?${new URLSearchParams(query)}`);
      }

      // The whole log in pages of 100 and of 1,000; a summary is the record without input and decision.
      const all = await walkDecisions(api, {}, 100);
      assert.equal(all.map((d) => d.decision_id), byNewest(answered));
      assert.equal((await walkDecisions(api, {}, 1000)).map((d) => d.decision_id), byNewest(answered));
      const { input: _input, decision: _decision, ...summary } = records.get(all[17]!.decision_id)!;
      assert.equal(all[17], summary);
      const one = await api.call<DecisionRecord>('GET', `/v1/decisions/${all[17]!.decision_id}`, 'alice');
      assert.is(one.status, 200);
      assert.equal(one.body, records.get(all[17]!.decision_id));

      const badCursor = await api.call<ErrorAnswer>('GET', '/v1/decisions?cursor=not-a-cursor', 'security-lead');
      assert.is(badCursor.status, 400);
      assert.is(badCursor.body.error.code, 'invalid_cursor');
      assert.is((await api.call('GET', '/v1/decisions', 'spinnaker')).status, 403, 'a check token cannot read the log');
      assert.is((await api.call('GET', '/v1/decisions/0193aaaa-0000-7000-8000-000000000000', 'alice')).status, 404);
    } finally {
      await store.close();
    }
  });

  test('the 1,000 records are all still there, in full, after closing and reopening the store', async (ctx) => {
    const { location, answered, records } = ctx.thousand;
    const store = await openAt(location);
    try {
      const api = createLogApi({ evaluator: ctx.shared.evaluator, store, tokens: ctx.shared.tokens });
      const all = await walkDecisions(api, {}, 250);
      assert.equal(all.map((d) => d.decision_id), byNewest(answered));
      let streamed = 0;
      for await (const record of store.decisionsSince(new Date(0))) {
        streamed++;
        assert.equal(record, records.get(record.decision_id), `${record.decision_id} unchanged after reopening`);
      }
      assert.is(streamed, 1000);
      const denied = await walkDecisions(api, { allow: 'false', environment: 'production' }, 50);
      assert.equal(denied.map((d) => d.decision_id), byNewest(answered.filter((a) => !a.allow && a.environment === 'production')));
    } finally {
      await store.close();
    }
  });

  test('`dfw serve` killed with SIGKILL in the middle of a burst of checks, large ones on its evaluation thread among them: every decision it answered is in the log', async (ctx) => {
    const { bundle, examples } = ctx.shared;
    const location = backendOf(ctx).fresh();
    await (await openAt(location)).close(); // creates (PostgreSQL: the schema) and migrates
    const dir = mkdtempSync(join(tmpdir(), 'dfw-decision-log-'));
    const config = join(dir, 'dfw.yaml');
    const tokens = (await testTokens()).filter((t) => t.name === 'spinnaker');
    writeFileSync(
      config,
      [
        'bundle:',
        `  path: ${JSON.stringify(bundle)}`,
        'store:',
        `  url: ${JSON.stringify(storeUrlFor(location))}`,
        'server:',
        '  evaluation_threads: 1',
        'tokens:',
        ...tokens.map((t) => `  - { name: ${t.name}, sha256: ${t.sha256}, roles: [check] }`),
        '',
      ].join('\n'),
    );
    const server = await startDfw(['--config', config]);
    let burst;
    // 5,000 findings: past the size at which dfw serve evaluates on its evaluation thread.
    const large = JSON.parse((await loadBenchInputs()).large.requestJson) as CheckBody;
    try {
      // Once before the burst, so the thread is up and has the policy when the burst starts.
      const first = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.spinnaker}` }, body: JSON.stringify(large) });
      assert.is(first.status, 200, await first.text());
      const bodies = [large, ...examples.values(), large].map((body, i) =>
        requestFrom(body, { application: APPLICATIONS[i % APPLICATIONS.length]!, environment: ENVIRONMENTS[i % ENVIRONMENTS.length]! }),
      );
      burst = await burstUntilKilled(server, bodies, { token: SECRETS.spinnaker, killAfter: 120, concurrency: 8 });
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(burst.unexpected, [], 'every check before the kill was answered 200');
    assert.is(burst.exit.signal, 'SIGKILL', `dfw serve ended by ${JSON.stringify(burst.exit)}:\n${server.logs.slice(-5).join('\n')}`);
    assert.ok(burst.answered.length >= 120, `${burst.answered.length} answered`);
    assert.ok(burst.inFlightAtKill > 0, 'checks were in flight when the process was killed');

    const store = await openAt(location);
    try {
      const stored = new Map<string, DecisionRecord>();
      for await (const record of store.decisionsSince(new Date(0))) stored.set(record.decision_id, record);
      const lost = burst.answered.filter((id) => !stored.has(id));
      assert.equal(lost, [], `${lost.length} of ${burst.answered.length} answered decisions are not in the log`);
      for (const id of burst.answered) {
        const record = stored.get(id)!;
        assert.is(record.decision.decision_id, id);
        assert.is(record.caller, 'spinnaker');
        assert.is(record.bundle.revision, REVISION);
      }
      const largeAnswered = burst.answered.filter((id) => ((stored.get(id)!.input as { evidence?: { vulnerabilities?: { findings?: unknown[] } } }).evidence?.vulnerabilities?.findings?.length ?? 0) >= 5000);
      assert.ok(largeAnswered.length > 0, 'large checks were answered before the kill');
      assert.ok(server.logs.some((l) => l.includes('"evaluation thread started"')), 'the large checks went to the evaluation thread');
    } finally {
      await store.close();
    }
    if (name === 'sqlite') assert.equal(await rawQuery(location, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
  });

  test('waiver lifecycle over HTTP: a deny turns into allow under `waived`, denies again after expires_at and after revoke; separation of duties holds', async (ctx) => {
    const { evaluator, tokens } = ctx.shared;
    const store = await openAt(backendOf(ctx).fresh());
    try {
      let now = new Date();
      const api = createLogApi({ evaluator, store, tokens, clock: () => now, waiverMaxDays: 30 });
      const vuln = example(ctx.shared, 'dfw-vuln-001-critical-cves.deny.json'); // payments, production, by spinnaker
      const blockedByVuln = (d: Decision) => {
        assert.is(d.allow, false);
        assert.equal(d.deny.critical.map((v) => v.rule), ['DFW-VULN-001']);
        assert.equal(d.waived, []);
      };
      blockedByVuln(await api.check(vuln));

      const expiresAt = new Date(Date.now() + DAY_MS).toISOString();
      const grant = {
        rule: 'DFW-VULN-001',
        application: 'payments',
        environment: 'production',
        reason: 'the musl fix ships with the next base image',
        ticket: 'SEC-42',
        requested_by: 'alice',
        expires_at: expiresAt,
      };
      const created = await api.call<Waiver>('POST', '/v1/waivers', 'security-lead', grant);
      assert.is(created.status, 201, JSON.stringify(created.body));
      const waiver = created.body;
      assert.is(waiver.approved_by, 'security-lead', 'the approver is the admin token');
      assert.is(waiver.requested_by, 'alice');
      assert.is(Date.parse(waiver.expires_at), Date.parse(expiresAt));

      const allowed = await api.check(vuln);
      assert.is(allowed.allow, true);
      for (const s of SEVERITIES) assert.equal([...allowed.deny[s], ...allowed.warn[s]], [], `nothing left under ${s}`);
      assert.is(allowed.waived.length, 1);
      const waived = allowed.waived[0] as WaivedViolation;
      assert.is(waived.rule, 'DFW-VULN-001');
      assert.is(waived.severity, 'critical');
      assert.match(waived.message, 'CVE-2019-14697');
      assert.is(waived.waiver_id, waiver.id);
      assert.is(waived.approved_by, 'security-lead');
      assert.is(Date.parse(waived.expires_at), Date.parse(expiresAt));

      // Logged with the waiver in its input, and found by the rule filter.
      const logged = await api.call<DecisionRecord>('GET', `/v1/decisions/${allowed.decision_id}`, 'alice');
      assert.is(logged.status, 200);
      assert.equal(logged.body.waived, allowed.waived);
      assert.equal((logged.body.input as { waivers: Array<{ id: string }> }).waivers.map((w) => w.id), [waiver.id]);
      const byRule = await walkDecisions(api, { rule: 'DFW-VULN-001', allow: 'true' }, 10);
      assert.equal(byRule.map((d) => d.decision_id), [allowed.decision_id]);

      // The policy judges expiry against the request time: the same logged input, with the
      // waiver still in it, denies as of a moment after expires_at.
      const asOfExpiry = evaluator.evaluate(logged.body.input as Record<string, unknown>, { now: new Date(Date.parse(expiresAt) + 1) });
      blockedByVuln(asOfExpiry);

      // A check whose request time is after expires_at denies again…
      now = new Date(Date.parse(expiresAt) + 60_000);
      blockedByVuln(await api.check(vuln));
      // …while one before it is still allowed.
      now = new Date(Date.parse(expiresAt) - 60_000);
      assert.is((await api.check(vuln)).allow, true);

      // Revoked (by another admin): denies again, kept in the history as revoked.
      now = new Date();
      const revoked = await api.call<Waiver>('DELETE', `/v1/waivers/${waiver.id}`, 'alice');
      assert.is(revoked.status, 200, JSON.stringify(revoked.body));
      assert.is(revoked.body.revoked_by, 'alice');
      blockedByVuln(await api.check(vuln));
      const listed = await api.call<{ waivers: Waiver[] }>('GET', '/v1/waivers', 'security-lead');
      assert.equal(listed.body.waivers.map((w) => w.id), [], 'a revoked waiver is not listed as in force');
      const history = await api.call<{ waivers: Waiver[] }>('GET', '/v1/waivers?all=true', 'security-lead');
      const kept = history.body.waivers.find((w) => w.id === waiver.id);
      assert.ok(kept, 'the revoked waiver is kept in the history');
      assert.is(kept!.revoked_by, 'alice');
      assert.ok(!Number.isNaN(Date.parse(kept!.revoked_at ?? '')), 'with the time it was revoked');
      assert.is(kept!.approved_by, 'security-lead');
      assert.is((await api.call('DELETE', `/v1/waivers/${waiver.id}`, 'security-lead')).status, 409, 'revoking twice');

      // Separation of duties and the boundary checks: refused, each saying why.
      const own = await api.call<ErrorAnswer>('POST', '/v1/waivers', 'alice', grant);
      assert.is(own.status, 403);
      assert.is(own.body.error.code, 'separation_of_duties');
      assert.match(own.body.error.message, /"alice" cannot approve a waiver they requested/);
      const typedApprover = await api.call<ErrorAnswer>('POST', '/v1/waivers', 'security-lead', { ...grant, approved_by: 'bob' });
      assert.is(typedApprover.status, 400);
      assert.equal(typedApprover.body.error.fields?.map((f) => f.field), ['approved_by']);
      const tooLong = await api.call<ErrorAnswer>('POST', '/v1/waivers', 'security-lead', { ...grant, expires_at: new Date(Date.now() + 31 * DAY_MS).toISOString() });
      assert.is(tooLong.status, 400);
      assert.equal(tooLong.body.error.fields?.map((f) => f.field), ['expires_at']);
      assert.match(tooLong.body.error.message, 'within 30 days');
      const noExpiry = await api.call<ErrorAnswer>('POST', '/v1/waivers', 'security-lead', { ...grant, expires_at: undefined });
      assert.is(noExpiry.status, 400);
      assert.equal(noExpiry.body.error.fields?.map((f) => f.field), ['expires_at']);
      assert.is((await api.call('POST', '/v1/waivers', 'spinnaker', grant)).status, 403, 'a check token cannot grant waivers');

      // The policy does not apply a waiver to a deployment its own approver requested.
      const second = await api.call<Waiver>('POST', '/v1/waivers', 'security-lead', grant);
      assert.is(second.status, 201);
      blockedByVuln(await api.check({ ...vuln, requested_by: 'security-lead' }));
      const byOthers = await api.check(vuln);
      assert.is(byOthers.allow, true);
      assert.equal(byOthers.waived.map((w) => w.waiver_id), [second.body.id]);

      const finalHistory = await api.call<{ waivers: Waiver[] }>('GET', '/v1/waivers?all=true', 'alice');
      assert.equal(finalHistory.body.waivers.map((w) => w.id), [second.body.id, waiver.id], 'refused requests created nothing');
    } finally {
      await store.close();
    }
  });

  test('100 logged decisions (examples × environments × waivers) replay identically with the same bundle; `dfw replay --store` exits 0', async (ctx) => {
    const { evaluator, tokens, examples, bundle } = ctx.shared;
    const location = backendOf(ctx).fresh();
    const store = await openAt(location);
    const ids: string[] = [];
    try {
      const start = Math.floor((Date.now() - 2 * DAY_MS) / 60_000) * 60_000;
      let tick = 0;
      const api = createLogApi({ evaluator, store, tokens, clock: () => new Date(start + tick++ * 60_000) });
      const expires_at = new Date(Date.now() + 20 * DAY_MS).toISOString();
      for (const [rule, application, environment] of [
        ['DFW-VULN-001', 'payments', 'production'],
        ['DFW-CLOUD-001', 'checkout', '*'],
        ['DFW-GIT-001', 'ledger', 'staging'],
      ] as const) {
        const w = await api.call('POST', '/v1/waivers', 'security-lead', { rule, application, environment, reason: 'accepted risk', requested_by: 'alice', expires_at });
        assert.is(w.status, 201, JSON.stringify(w.body));
      }
      const bodies = [...examples.values()];
      const apps = ['payments', 'checkout', 'ledger'];
      // The first three meet the waivers above for certain, however many examples there are.
      const waivedFirst: Array<[string, string, string]> = [
        ['dfw-vuln-001-critical-cves.deny.json', 'payments', 'production'],
        ['dfw-cloud-001-latest-version.warn.json', 'checkout', 'production'],
        ['dfw-git-001-branch-protection.deny.json', 'ledger', 'staging'],
      ];
      for (let i = 0; i < 100; i++) {
        const [file, application, environment] = waivedFirst[i] ?? [];
        const request = requestFrom(file ? examples.get(file)! : bodies[i % bodies.length]!, {
          application: application ?? apps[Math.floor(i / ENVIRONMENTS.length) % apps.length]!,
          environment: environment ?? ENVIRONMENTS[i % ENVIRONMENTS.length]!,
          requested_by: i % 10 === 5 ? 'security-lead' : 'spinnaker',
        });
        ids.push((await api.check(request)).decision_id);
      }
      const decisions = await Promise.all(ids.map(async (id) => (await store.getDecision(id))!.decision));
      assert.ok(decisions.some((d) => d.allow) && decisions.some((d) => !d.allow), 'allows and denies');
      assert.ok(decisions.filter((d) => d.waived.length > 0).length >= 3, 'waived violations');
      assert.equal(new Set(decisions.map((d) => d.environment)), new Set(ENVIRONMENTS));

      for (const id of ids) {
        const result = await replayDecision(store, id, evaluator);
        assert.ok(result, `${id} found`);
        assert.ok(result!.identical, `${id} replays identically`);
        assert.is(verdictKey(result!.replayed), verdictKey(result!.logged));
        assert.is(result!.replayed.evaluated_at, (await store.getDecision(id))!.time, 'replayed as of its own request time');
      }
      ctx.logged = { location, ids };
    } finally {
      await store.close();
    }

    const waivedId = ids[0]!; // the CVE example for payments in production: the waiver applied
    const replay = runDfw(['replay', waivedId, '--store', storeUrlFor(location), '--bundle', bundle]);
    assert.is(replay.status, 0, replay.stderr);
    assert.match(replay.stdout, /^identical: decision \S+ was allow with revision decision-log; replayed with revision decision-log from --bundle \S+: allow/, replay.stdout);
    const unknown = runDfw(['replay', '0193aaaa-0000-7000-8000-000000000000', '--store', storeUrlFor(location), '--bundle', bundle]);
    assert.is(unknown.status, 2);
    assert.match(unknown.stderr, 'no decision with id');
  });

  test('what-if with DFW-CLOUD-001 high in production reports exactly the decisions that change, per rule and application; `dfw what-if --format json` prints the same', async (ctx) => {
    const { evaluator, candidate } = ctx.shared;
    const { location, ids } = ctx.logged;
    const store = await openAt(location);
    let report: WhatIfReport;
    const expectedChanged = new Map<string, { change: string; newly: string[]; gone: string[]; application: string }>();
    try {
      // Expected, independently: each logged input evaluated with the candidate.
      const records: DecisionRecord[] = [];
      for (const id of ids) records.push((await store.getDecision(id))!);
      for (const record of records) {
        const input = record.input as { request: { time: string } };
        const after = candidate.evaluator.evaluate(record.input as Record<string, unknown>, { now: new Date(input.request.time) });
        if (verdictKey(after) === verdictKey(record.decision)) continue;
        const before = denyRules(record.decision);
        const now = denyRules(after);
        const change =
          record.decision.allow === after.allow ? (after.allow ? 'still_allowed' : 'still_denied') : after.allow ? 'deny_to_allow' : 'allow_to_deny';
        expectedChanged.set(record.decision_id, {
          change,
          newly: [...now].filter((r) => !before.has(r)).sort(),
          gone: [...before].filter((r) => !now.has(r)).sort(),
          application: record.application,
        });
      }
      const flips = [...expectedChanged].filter(([, c]) => c.change === 'allow_to_deny');
      assert.ok(flips.length >= 1, 'some cloud decisions in production now deny');
      assert.ok([...expectedChanged.values()].some((c) => c.change === 'still_allowed'), 'a waived DFW-CLOUD-001 changes severity but stays allowed');
      assert.ok(expectedChanged.size < ids.length / 2, `${expectedChanged.size} of ${ids.length} change`);

      const from = new Date(Date.now() - 7 * DAY_MS);
      const to = new Date();
      const progress: number[] = [];
      report = await whatIf(store, candidate.evaluator, from, to, { onProgress: (n) => progress.push(n), every: 30 });
      assert.equal(progress, [30, 60, 90], 'progress every 30 decisions');
      assert.equal(report.candidate, { name: 'firewall', revision: CANDIDATE_REVISION });
      assert.is(report.evaluated, 100);
      assert.is(report.unchanged, 100 - expectedChanged.size);
      assert.equal(report.changed.map((c) => c.decision_id).sort(), [...expectedChanged.keys()].sort(), 'exactly the decisions that change');
      for (const c of report.changed) {
        const expected = expectedChanged.get(c.decision_id)!;
        assert.is(c.change, expected.change, c.decision_id);
        assert.equal(c.newly_blocking, expected.newly);
        assert.equal(c.no_longer_blocking, expected.gone);
        assert.is(c.environment, 'production', 'the override is for production only');
      }
      assert.is(report.allow_to_deny, flips.length);
      assert.is(report.deny_to_allow, 0);
      assert.equal(report.by_rule, [{ rule: 'DFW-CLOUD-001', newly_blocking: flips.length, no_longer_blocking: 0, applications: [...new Set(flips.map(([, c]) => c.application))].sort() }]);
      const apps = [...new Set([...expectedChanged.values()].map((c) => c.application))].sort();
      assert.equal(
        report.by_application,
        apps.map((application) => {
          const mine = [...expectedChanged.values()].filter((c) => c.application === application);
          return { application, allow_to_deny: mine.filter((c) => c.change === 'allow_to_deny').length, deny_to_allow: 0, changed: mine.length };
        }),
      );

      // The worker threads are sent each input as the log stores it (JSON text): the same
      // records as decisionsSince, and a text the evaluator takes as is (the request time and
      // bundle spliced in, not the input written again).
      const parsed = new Map<string, DecisionRecord>();
      for await (const record of store.decisionsSince(from, to)) parsed.set(record.decision_id, record);
      let texts = 0;
      for await (const { input_json, ...rest } of store.decisionInputsSince(from, to)) {
        const input = JSON.parse(input_json) as DecisionRecord['input'];
        assert.equal({ ...rest, input }, parsed.get(rest.decision_id), rest.decision_id);
        const prepared = candidate.evaluator.prepare(input as never, { now: new Date(replayTime({ input, time: rest.time })), inputJson: input_json });
        assert.is(prepared.pieces[0], '{"request":{"time_ns":', `${rest.decision_id}: the stored text was spliced`);
        texts += 1;
      }
      assert.is(texts, parsed.size);

      // On worker threads (dfw what-if's default): the same report, changes in log order,
      // with progress still counted here; several batches per thread when the log is longer.
      for (const threads of [2, 3]) {
        const pooled: number[] = [];
        const parallel = await whatIfInParallel(store, candidate.evaluator, from, to, { threads, onProgress: (n) => pooled.push(n), every: 30 });
        assert.equal(json(parallel), json(report), `the same report on ${threads} threads`);
        assert.equal(pooled, [30, 60, 90]);
      }
      // A thread that cannot evaluate (here: too little Wasm memory for these inputs, as
      // bundle.max_memory_mb could set) fails the what-if with its reason; nothing hangs.
      const failed = await whatIfInParallel(store, candidate.evaluator, from, to, { threads: 2, evaluator: { maxMemoryBytes: 64 * 1024 } }).then(
        () => undefined,
        (err: { code?: string; message: string }) => err,
      );
      assert.is(failed?.code, 'what_if_failed');
      assert.match(failed!.message, /^what-if: (evaluating batch \d+ failed|a worker thread could not start): /);
      // A logged input that cannot be read (cut short here) fails the what-if naming its decision.
      const logged: LoggedInputRecord[] = [];
      for await (const record of store.decisionInputsSince(from, to)) logged.push(record);
      const broken = { ...logged[5]!, input_json: logged[5]!.input_json.slice(0, 40) };
      const cutShort = { decisionsSince: store.decisionsSince, decisionInputsSince: async function* () { yield* [...logged.slice(0, 5), broken]; } };
      const unreadable = await whatIfInParallel(cutShort, candidate.evaluator, from, to, { threads: 2 }).then(
        () => undefined,
        (err: { code?: string; message: string }) => err,
      );
      assert.is(unreadable?.code, 'what_if_failed');
      assert.match(unreadable!.message, `what-if: evaluating batch 0 failed: decision ${broken.decision_id}: `);

      // The bundle the decisions were made with changes nothing.
      const same = await whatIf(store, evaluator, from, to);
      assert.is(same.evaluated, 100);
      assert.is(same.unchanged, 100);
      assert.equal(same.changed, []);
    } finally {
      await store.close();
    }

    const started = Date.now();
    const cli = runDfw(['what-if', '--bundle', candidate.path, '--store', storeUrlFor(location), '--since', '7d', '--format', 'json']);
    assert.is(cli.status, 0, cli.stderr);
    const printed = JSON.parse(cli.stdout) as WhatIfReport;
    const { from: _from, to: _to, ...inProcess } = json(report);
    const { from: cliFrom, to: cliTo, ...fromCli } = printed;
    assert.equal(fromCli, inProcess, 'the CLI prints the same report');
    assert.ok(Math.abs(Date.parse(cliFrom) - (started - 7 * DAY_MS)) < 60_000, `--since 7d starts at ${cliFrom}`);
    assert.ok(Math.abs(Date.parse(cliTo) - started) < 60_000, `and ends now: ${cliTo}`);

    const table = runDfw(['what-if', '--bundle', candidate.path, '--store', storeUrlFor(location), '--since', '7d']);
    assert.is(table.status, 0, table.stderr);
    assert.match(table.stdout, `${report.changed.length} changed · ${report.allow_to_deny} allow → deny · 0 deny → allow`);
    assert.match(table.stdout, /DFW-CLOUD-001\s+\d+\s+0\s+/);

    // dfw replay with the candidate: a decision that flips exits 1.
    const flipped = report.changed.find((c) => c.change === 'allow_to_deny')!;
    const differs = runDfw(['replay', flipped.decision_id, '--store', storeUrlFor(location), '--bundle', candidate.path]);
    assert.is(differs.status, 1, differs.stderr);
    assert.match(differs.stdout, /^DIFFERENT: .* was allow .*: deny/);
  });

  return test;
}

defineDecisionLogSuite('sqlite', sqliteBackend).run();
defineDecisionLogSuite('postgres', postgresBackend).run();
