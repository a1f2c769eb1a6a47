// The change collector against real HTTP servers speaking the ServiceNow Table API and Jira
// REST v2 with their recorded shapes: state mapping, approvers, change windows in UTC,
// every failure, and the result through the real policy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckRequest } from '../src/collect/check-request.js';
import { buildInput } from '../src/collect/check-request.js';
import type { Collector, CollectorResult } from '../src/collect/collector.js';
import { createChangeCollector, type ChangeCollectorConfig } from '../src/collect/collectors/index.js';
import { fromJira, fromServiceNow } from '../src/collect/collectors/change-ticket.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import type { Evaluator } from '../src/engine/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import {
  checkWithCollectors, fixtureJson, MALFORMED_JSON, startFakeJira, startFakeServiceNow, violationsOf,
  type FakeServer,
} from './helpers/fake-servers.js';

const SN_USER = 'dfw.integration';
const SN_PASSWORD = 'test-only-password';
const JIRA_EMAIL = 'dfw@acme.example';
const JIRA_TOKEN = 'test-only-api-token';
const APPROVED_SYS_ID = '9d385017c611228701d22104cc95c371';

/** The recorded CHG0000023 record, re-numbered and moved into a state and window. */
function change(number: string, sysId: string, fields: Record<string, string>): Record<string, string> {
  const { result } = fixtureJson<{ result: Record<string, string> }>('jira-servicenow/servicenow-change-request-CHG0000023.table-api.json');
  return { ...result, number, task_effective_number: number, sys_id: sysId, ...fields };
}

function serviceNowChanges(): Record<string, Record<string, string>> {
  return {
    CHG0012345: change('CHG0012345', APPROVED_SYS_ID, { state: '-1', approval: 'approved', start_date: '2026-11-28 13:00:00', end_date: '2026-11-28 17:00:00' }),
    CHG0012346: change('CHG0012346', 'a'.repeat(32), { state: '-3', approval: 'requested', start_date: '', end_date: '' }),
    CHG0012347: change('CHG0012347', 'b'.repeat(32), { state: '-3', approval: 'rejected' }),
    CHG0012348: change('CHG0012348', 'c'.repeat(32), { state: '4', approval: 'approved' }),
    CHG0012349: change('CHG0012349', 'd'.repeat(32), { state: '-2', approval: 'approved', start_date: '2026-11-28 13:00:00', end_date: 'soon' }),
    ...{ CHG0000023: fixtureJson<{ result: Record<string, string> }>('jira-servicenow/servicenow-change-request-CHG0000023.table-api.json').result },
  };
}

function jiraIssue(key: string, status: string, fields: Record<string, unknown> = {}): Record<string, any> {
  const issue = fixtureJson<Record<string, any>>('jira-servicenow/jira-issue-rest-api-2-SAMPLEPROJECT-1.json');
  return { ...issue, key, self: `https://jira.example.com/rest/api/2/issue/${key}`, fields: { ...issue.fields, status: { ...issue.fields.status, name: status }, ...fields } };
}

function jiraIssues(): Record<string, Record<string, any>> {
  const minimal = fixtureJson<Record<string, any>>('jira-servicenow/jira-issue-minimal-jira-cli-TEST-1.json');
  return {
    'OPS-123': jiraIssue('OPS-123', 'Approved', {
      customfield_10050: [{ name: 'cab', displayName: 'Change Advisory Board', emailAddress: 'cab@acme.example' }, { accountId: '5b10a2844c20165700ede21g', displayName: 'Grace Hopper' }],
      customfield_10060: '2026-11-28T13:00:00.000+0000',
      customfield_10061: '2026-11-28T18:00:00.000+0100',
    }),
    'OPS-124': { ...minimal, key: 'OPS-124' },
    'OPS-125': jiraIssue('OPS-125', 'Done', {
      customfield_10050: [{ id: '1', name: 'CAB approval', finalDecision: 'approved', approvers: [
        { approver: { displayName: 'Ada Lovelace' }, approverDecision: 'approved' },
        { approver: { displayName: 'Bob Pending' }, approverDecision: 'pending' },
      ] }],
      customfield_10060: '2026-11-28',
      customfield_10061: '2026-11-28',
    }),
    'OPS-126': jiraIssue('OPS-126', 'Approved', { customfield_10060: 'next tuesday' }),
  };
}

interface Context {
  servicenow: FakeServer;
  jira: FakeServer;
  evaluator?: Evaluator;
}

const changes = suite<Context>('collectors-change');

changes.before(async (ctx) => {
  ctx.servicenow = await startFakeServiceNow({ username: SN_USER, password: SN_PASSWORD, changes: serviceNowChanges(), approvers: { [APPROVED_SYS_ID]: ['Bow Ruggeri', 'Christen Mitchell'] } });
  ctx.jira = await startFakeJira({ email: JIRA_EMAIL, apiToken: JIRA_TOKEN, issues: jiraIssues() });
});

changes.after(async (ctx) => {
  await Promise.all([ctx.servicenow.close(), ctx.jira.close()]);
});

changes.before.each((ctx) => {
  ctx.servicenow.reset();
  ctx.jira.reset();
});

function collector(ctx: Context, overrides: Partial<ChangeCollectorConfig> = {}): Collector {
  return createChangeCollector({
    servicenow: { base_url: ctx.servicenow.url, username: SN_USER, password: SN_PASSWORD },
    jira: { base_url: ctx.jira.url, username: JIRA_EMAIL, password: JIRA_TOKEN, approver_field: 'customfield_10050', window_start_field: 'customfield_10060', window_end_field: 'customfield_10061' },
    ...overrides,
  });
}

function request(ticket?: string, environment = 'production'): CheckRequest {
  return {
    application: 'payments', service: 'payments-api', environment,
    artifact: { image: 'registry.example.com/payments/api:1.5.0' },
    ...(ticket !== undefined ? { change_ticket: ticket } : {}),
  };
}

async function collect(c: Collector, ticket?: string): Promise<CollectorResult> {
  const req = request(ticket);
  return c.collect({ request: req, input: buildInput(req, { id: 't', via: 'api' }), signal: new AbortController().signal });
}

async function evaluator(ctx: Context): Promise<Evaluator> {
  ctx.evaluator ??= await loadTestEvaluator({ revision: 'collectors-change' });
  return ctx.evaluator;
}

changes('ServiceNow: an approved change in Implement, its approvers and its window in UTC from raw values', async (ctx) => {
  const result = await collect(collector(ctx), 'CHG0012345');
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.change_ticket, {
    id: 'CHG0012345',
    system: 'servicenow',
    state: 'approved',
    approved_by: ['Bow Ruggeri', 'Christen Mitchell'],
    window: { start: '2026-11-28T13:00:00Z', end: '2026-11-28T17:00:00Z' },
  });
  const [query, approvers] = ctx.servicenow.requests;
  assert.is(query!.path, '/api/now/table/change_request');
  assert.is(query!.query.get('sysparm_query'), 'number=CHG0012345');
  assert.is(query!.query.get('sysparm_display_value'), 'all');
  assert.is(query!.query.get('sysparm_limit'), '1');
  assert.is(query!.headers.authorization, `Basic ${Buffer.from(`${SN_USER}:${SN_PASSWORD}`).toString('base64')}`);
  assert.is(query!.headers.accept, 'application/json');
  assert.is(approvers!.path, '/api/now/table/sysapproval_approver');
  assert.is(approvers!.query.get('sysparm_query'), `sysapproval=${APPROVED_SYS_ID}^state=approved`);
});

changes('ServiceNow states: awaiting approval, rejected, canceled, closed, and approved_states from configuration', async (ctx) => {
  const stateOf = async (id: string, c = collector(ctx)) => ((await collect(c, id)).evidence.change_ticket as { state: string; window?: unknown } | undefined)?.state;
  assert.is(await stateOf('CHG0012346'), 'authorize');
  assert.is(await stateOf('CHG0012347'), 'rejected');
  assert.is(await stateOf('CHG0012348'), 'canceled');
  assert.is(await stateOf('CHG0000023'), 'closed', 'the recorded demo change: approved, but closed');
  const implementOnly = collector(ctx, { servicenow: { base_url: ctx.servicenow.url, username: SN_USER, password: SN_PASSWORD, approved_states: ['Implement'] } });
  assert.is(await stateOf('CHG0012345', implementOnly), 'approved');
  const scheduledOnly = collector(ctx, { servicenow: { base_url: ctx.servicenow.url, username: SN_USER, password: SN_PASSWORD, approved_states: ['-2'], approvers: false } });
  ctx.servicenow.reset();
  const result = await collect(scheduledOnly, 'CHG0012345');
  assert.equal(result.evidence.change_ticket, { id: 'CHG0012345', system: 'servicenow', state: 'implement', window: { start: '2026-11-28T13:00:00Z', end: '2026-11-28T17:00:00Z' } });
  assert.equal(ctx.servicenow.requests.map((r) => r.path), ['/api/now/table/change_request'], 'approvers: false asks only for the change');
});

changes('ServiceNow failures: no such change, 401, 403, 500, malformed JSON, an unreadable window', async (ctx) => {
  assert.is((await collect(collector(ctx), 'CHG0099999')).unavailable.change_ticket, 'ServiceNow has no change_request numbered CHG0099999');
  const wrong = collector(ctx, { servicenow: { base_url: ctx.servicenow.url, username: SN_USER, password: 'wrong' } });
  assert.is((await collect(wrong, 'CHG0012345')).unavailable.change_ticket, 'ServiceNow answered 401: User Not Authenticated: Required to provide Auth information');
  assert.is((await collect(collector(ctx), 'CHG0012349')).unavailable.change_ticket, 'change_request CHG0012349 end_date "soon" is not a ServiceNow date-time (YYYY-MM-DD hh:mm:ss)');
  ctx.servicenow.override('/api/now/table/change_request', { status: 403, body: { error: { message: 'Insufficient rights to query records', detail: 'Fields present in the query do not have permission to be read' }, status: 'failure' } });
  assert.is((await collect(collector(ctx), 'CHG0012345')).unavailable.change_ticket, 'ServiceNow answered 403: Insufficient rights to query records: Fields present in the query do not have permission to be read');
  ctx.servicenow.reset();
  ctx.servicenow.override('/api/now/table/sysapproval_approver', { status: 500, body: { error: { message: 'Internal server error', detail: null }, status: 'failure' } });
  assert.is((await collect(collector(ctx), 'CHG0012345')).unavailable.change_ticket, 'ServiceNow answered 500: Internal server error');
  ctx.servicenow.reset();
  ctx.servicenow.override('/api/now/table/change_request', MALFORMED_JSON);
  assert.match((await collect(collector(ctx), 'CHG0012345')).unavailable.change_ticket!, /^ServiceNow answered 200 with malformed JSON for change_request CHG0012345: /);
});

changes('Jira: the status mapped, approvers and window from the configured fields', async (ctx) => {
  const result = await collect(collector(ctx), 'OPS-123');
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.change_ticket, {
    id: 'OPS-123',
    system: 'jira',
    state: 'approved',
    approved_by: ['Change Advisory Board', 'Grace Hopper'],
    window: { start: '2026-11-28T13:00:00Z', end: '2026-11-28T17:00:00Z' },
  });
  const [req] = ctx.jira.requests;
  assert.is(req!.path, '/rest/api/2/issue/OPS-123');
  assert.is(req!.query.get('fields'), 'status,customfield_10050,customfield_10060,customfield_10061');
  assert.is(req!.headers.authorization, `Basic ${Buffer.from(`${JIRA_EMAIL}:${JIRA_TOKEN}`).toString('base64')}`);
});

changes('Jira: unmapped statuses in lower case, a custom status map, Service Management approvals and whole-day windows', async (ctx) => {
  assert.equal((await collect(collector(ctx), 'OPS-124')).evidence.change_ticket, { id: 'OPS-124', system: 'jira', state: 'to do', approved_by: [] });
  const custom = collector(ctx, { jira: { base_url: ctx.jira.url, username: JIRA_EMAIL, password: JIRA_TOKEN, status_map: { 'To Do': 'pending', 'CAB Approved': 'approved' } } });
  assert.equal((await collect(custom, 'OPS-124')).evidence.change_ticket, { id: 'OPS-124', system: 'jira', state: 'pending' });
  assert.equal((await collect(custom, 'OPS-123')).evidence.change_ticket, { id: 'OPS-123', system: 'jira', state: 'approved (not counted as approved)' }, 'a status named Approved that the map leaves out is not approved');
  assert.equal((await collect(collector(ctx), 'OPS-125')).evidence.change_ticket, {
    id: 'OPS-125', system: 'jira', state: 'approved', approved_by: ['Ada Lovelace'], window: { start: '2026-11-28T00:00:00Z', end: '2026-11-28T23:59:59Z' },
  });
});

changes('Jira failures: no such issue, 401, malformed JSON, an unreadable window', async (ctx) => {
  assert.is((await collect(collector(ctx), 'OPS-999')).unavailable.change_ticket, 'Jira answered 404: Issue does not exist or you do not have permission to see it.');
  const wrong = collector(ctx, { jira: { base_url: ctx.jira.url, username: JIRA_EMAIL, password: 'revoked' } });
  assert.is((await collect(wrong, 'OPS-123')).unavailable.change_ticket, 'Jira answered 401: You are not authenticated. Authentication required to perform this operation.');
  assert.is((await collect(collector(ctx), 'OPS-126')).unavailable.change_ticket, 'Jira issue OPS-126 field customfield_10060 "next tuesday" is not a date-time such as 2026-11-28T14:00:00.000+0000');
  ctx.jira.override('/rest/api/2/issue/OPS-123', MALFORMED_JSON);
  assert.match((await collect(collector(ctx), 'OPS-123')).unavailable.change_ticket!, /^Jira answered 200 with malformed JSON for issue OPS-123: /);
});

changes('which system: by the shape of the id, the default system, or a reason', async (ctx) => {
  assert.is((await collect(collector(ctx))).unavailable.change_ticket, 'the request names no change ticket');
  assert.is((await collect(collector(ctx), 'RFC-1^ORnumber!=x')).unavailable.change_ticket, 'change ticket "RFC-1^ORnumber!=x" is not a ticket id (letters, digits, "-", "_", ".")');
  assert.is((await collect(collector(ctx), 'change-42')).unavailable.change_ticket, 'change ticket change-42 is neither a ServiceNow change number (CHG0012345) nor a Jira issue key (OPS-123)');
  const jiraOnly = createChangeCollector({ jira: { base_url: ctx.jira.url, username: JIRA_EMAIL, password: JIRA_TOKEN } });
  assert.is((await collect(jiraOnly, 'CHG0012345')).unavailable.change_ticket, 'change ticket CHG0012345 looks like a ServiceNow change, but no ServiceNow instance is configured');
  const byDefault = createChangeCollector({ jira: { base_url: ctx.jira.url, username: JIRA_EMAIL, password: JIRA_TOKEN }, default_system: 'jira' });
  assert.is((await collect(byDefault, 'change-42')).unavailable.change_ticket, 'Jira answered 404: Issue does not exist or you do not have permission to see it.');
  assert.is(ctx.servicenow.requests.length, 0);
  const productionOnly = collector(ctx, { environments: ['production'] });
  assert.is(productionOnly.cacheKey({ request: request('CHG0012345', 'staging'), input: {} }), null, 'not asked outside the configured environments');
  assert.is(productionOnly.cacheKey({ request: request('CHG0012345'), input: {} }), 'CHG0012345');
});

changes('a slow ServiceNow times out through the runner, which answers within the timeout', async (ctx) => {
  ctx.servicenow.override('/api/now/table/change_request', { body: { result: [] }, delayMs: 5000 });
  const runner = new CollectorRunner([collector(ctx, { timeout_ms: 300 })]);
  const req = request('CHG0012345');
  const input = buildInput(req, { id: 't', via: 'api' });
  const started = performance.now();
  await runner.collect(req, input);
  const elapsed = performance.now() - started;
  assert.equal(input.unavailable, { change_ticket: 'change timed out after 300 ms' });
  assert.ok(elapsed < 300 + 250, `collect took ${elapsed.toFixed(0)} ms`);
});

changes('window times: ServiceNow UTC and Jira offsets to RFC 3339 UTC', () => {
  assert.is(fromServiceNow('2026-11-28 14:00:00', 'x'), '2026-11-28T14:00:00Z');
  assert.is(fromJira('2026-11-28T14:00:00.000+0000', 'x', 'start'), '2026-11-28T14:00:00Z');
  assert.is(fromJira('2026-11-28T09:30:00.250-0500', 'x', 'start'), '2026-11-28T14:30:00.250Z');
  assert.is(fromJira('2026-11-28T15:00:00+01:00', 'x', 'end'), '2026-11-28T14:00:00Z');
  assert.is(fromJira('2026-11-28T14:00:00Z', 'x', 'end'), '2026-11-28T14:00:00Z');
  assert.throws(() => fromServiceNow('28-11-2026 15:00:00', 'start_date'), /is not a ServiceNow date-time/);
});

changes('end to end: ServiceNow refusing dfw denies in production with "cannot verify" and the reason', async (ctx) => {
  const wrong = collector(ctx, { servicenow: { base_url: ctx.servicenow.url, username: SN_USER, password: 'wrong' } });
  const { decision } = await checkWithCollectors(await evaluator(ctx), request('CHG0012345'), [wrong]);
  assert.is(decision.allow, false);
  assert.equal(violationsOf(decision, 'DFW-CHANGE-001').deny.map((v) => `${v.severity}: ${v.message}`), [
    'high: cannot verify change ticket CHG0012345: ServiceNow answered 401: User Not Authenticated: Required to provide Auth information',
  ]);
  const none = await checkWithCollectors(await evaluator(ctx), request(), [collector(ctx)]);
  assert.equal(violationsOf(none.decision, 'DFW-CHANGE-001').deny.map((v) => v.message), ['cannot verify the change ticket: the request names no change ticket']);
});

changes('end to end: an approved ticket inside its window satisfies DFW-CHANGE-001; outside it, or unapproved, denies', async (ctx) => {
  const inside = await checkWithCollectors(await evaluator(ctx), request('CHG0012345'), [collector(ctx)], new Date('2026-11-28T14:00:00Z'));
  assert.equal(inside.report.sources, { change_ticket: 'change' });
  assert.equal(violationsOf(inside.decision, 'DFW-CHANGE-001'), { deny: [], warn: [] });
  const jira = await checkWithCollectors(await evaluator(ctx), request('OPS-123'), [collector(ctx)], new Date('2026-11-28T16:59:00Z'));
  assert.equal(violationsOf(jira.decision, 'DFW-CHANGE-001'), { deny: [], warn: [] });

  const after = await checkWithCollectors(await evaluator(ctx), request('CHG0012345'), [collector(ctx)], new Date('2026-11-28T18:00:00Z'));
  assert.equal(violationsOf(after.decision, 'DFW-CHANGE-001').deny.map((v) => v.message), [
    'request time 2026-11-28T18:00:00.000Z is after the window of change ticket CHG0012345, which closed at 2026-11-28T17:00:00Z',
  ]);
  const pending = await checkWithCollectors(await evaluator(ctx), request('OPS-124'), [collector(ctx)]);
  assert.equal(violationsOf(pending.decision, 'DFW-CHANGE-001').deny.map((v) => v.message), ['change ticket OPS-124 is in state "to do", not approved']);
});

changes.run();
