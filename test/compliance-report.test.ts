// dfw report compliance: the SQL that reads the decision log agrees with a plain fold over
// the same decisions on SQLite and PostgreSQL; the report built from the store (--store)
// and from a real dfw server's API (--server) is the same; and the per-control arithmetic
// (judged, denials without double counting, waivers, gaps, sections) holds on a small catalog.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { runDfwInProcess } from './helpers/cli-in-process.js';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import { activityFromDecisions, buildComplianceReport, CSV_COLUMNS, findFramework, renderCsv, renderMarkdown, type ComplianceReport, type ReportCatalog } from '../src/compliance/index.js';
import { ActivePolicy, type Decision, type Evaluator, type InputDocument } from '../src/engine/index.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import type { Store } from '../src/store/index.js';
import { buildBundle, loadTestEvaluator } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';
import { openAt, postgresBackend, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';

const FROM = '2026-11-01T00:00:00.000Z';
const TO = '2026-12-01T00:00:00.000Z';
const ADMIN_TOKEN = 'report-admin-secret';

interface Context {
  evaluator: Evaluator;
  bundlePath: string;
  backends: StoreBackend[];
  dir: string;
}

const reports = suite<Context>('compliance report');

function request(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as Record<string, unknown>;
  return { ...base, ...overrides };
}

interface Logged {
  decision: Decision;
  at: string;
  dryRun: boolean;
  input: InputDocument;
}

/** A month of deployments, some outside the period, one a dry run, one through a break-glass waiver. */
async function deployments(evaluator: Evaluator): Promise<Logged[]> {
  const storefront = request('dfw-change-002-deploy-freeze.deny.json');
  const compliant = request('compliant.allow.json');
  const breakGlass = {
    id: 'WVR-BREAK-GLASS', rule: 'DFW-CHANGE-002', application: 'storefront', environment: 'production',
    reason: 'checkout outage hotfix', requested_by: 'alice', approved_by: 'security-lead', expires_at: '2026-12-24T00:00:00Z',
  };
  const plan: Array<[Record<string, unknown>, string, { dryRun?: boolean; waivers?: unknown[] }?]> = [
    [storefront, '2026-11-28T14:00:00.000Z'], // Saturday: inside the storefront weekend freeze
    [storefront, '2026-11-21T10:00:00.000Z', { waivers: [breakGlass] }], // Saturday, break glass
    [storefront, '2026-11-28T15:00:00.000Z', { dryRun: true }], // a dry run: not counted
    [storefront, '2026-11-24T10:00:00.000Z'], // Tuesday: no freeze
    [compliant, '2026-11-25T09:00:00.000Z'],
    [{ ...compliant, environment: 'staging' }, '2026-11-25T09:30:00.000Z'],
    [{ ...compliant, environment: 'development' }, '2026-11-26T09:30:00.000Z'],
    [request('dfw-vuln-001-critical-cves.deny.json'), '2026-11-27T11:00:00.000Z'],
    [storefront, '2026-12-05T10:00:00.000Z'], // Saturday, after the period
    [storefront, '2026-10-31T10:00:00.000Z'], // Saturday, before it
  ];
  return Promise.all(plan.map(async ([body, at, options = {}], i) => {
    const input = { ...(await verifiedInput(parseCheckRequest(structuredClone(body)), { id: `report-${i}`, via: 'api' })), waivers: options.waivers ?? [] };
    return { decision: evaluator.evaluate(input, { now: new Date(at), decisionId: `report-${String(i).padStart(2, '0')}` }), at, dryRun: options.dryRun === true, input };
  }));
}

async function record(store: Store, logged: Logged[]): Promise<void> {
  for (const { decision, at, dryRun, input } of logged) {
    await store.recordDecision({
      decision_id: decision.decision_id, time: at, application: String(input.request!.application), environment: decision.environment,
      allow: decision.allow, deny: decision.deny, warn: decision.warn, waived: decision.waived, bundle: decision.bundle,
      timing_ms: decision.timing_ms, caller: 'spinnaker', via: 'api', dry_run: dryRun, input, decision,
    });
  }
}

/** Runs the real CLI program in this process, capturing what it writes. */
const dfw = runDfwInProcess;

reports.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'report-test' });
  ctx.bundlePath = buildBundle({ revision: 'report-test' });
  ctx.backends = [sqliteBackend(), postgresBackend()];
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-report-'));
});

reports.after(async (ctx) => {
  for (const backend of ctx.backends) await backend.cleanup();
  rmSync(ctx.dir, { recursive: true, force: true });
});

reports('the store reads the same activity as a fold over the decisions, on SQLite and PostgreSQL', async ({ evaluator, backends }) => {
  const logged = await deployments(evaluator);
  const inPeriod = logged.filter((l) => l.at >= FROM && l.at < TO);
  const expected = activityFromDecisions(new Date(FROM), new Date(TO), inPeriod.map((l) => ({ ...l.decision, dry_run: l.dryRun })));
  assert.is(Object.values(expected.decisions).reduce((a, b) => a + b, 0), 7, 'eight in the period, one a dry run');
  for (const backend of backends) {
    const store = await openAt(backend.fresh());
    try {
      await record(store, logged);
      const activity = await store.complianceActivity(FROM, TO);
      const sorted = (a: typeof activity) => ({ ...a, outcomes: [...a.outcomes].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))) });
      assert.equal(sorted(activity), sorted(expected), backend.name);
      assert.ok(activity.outcomes.some((o) => o.denied.includes('DFW-CHANGE-002')), `${backend.name}: the Saturday freeze denial`);
      assert.ok(activity.outcomes.some((o) => o.waived.includes('DFW-CHANGE-002')), `${backend.name}: the break-glass deployment`);
    } finally {
      await store.close();
    }
  }
});

reports('dfw report compliance gives the same report from the store and from a dfw server, on SQLite and PostgreSQL', async (ctx) => {
  const logged = await deployments(ctx.evaluator);
  for (const backend of ctx.backends) {
    const location: StoreLocation = backend.fresh();
    // Waivers are created "at" the period's end, so they are in force when it closes.
    const store = await openAt(location, { clock: () => new Date('2026-11-20T00:00:00Z') });
    const server = serve({
      fetch: createApp({
        policy: (() => { const p = new ActivePolicy(); p.activate(ctx.evaluator); return p; })(),
        logger: createMemoryLogger(), store, clock: () => new Date(TO),
        tokens: [{ name: 'auditor', sha256: await sha256Hex(ADMIN_TOKEN), roles: ['admin'] }],
      }).fetch,
      hostname: '127.0.0.1',
      port: 0,
    });
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      await record(store, logged);
      await store.createWaiver({
        rule: 'DFW-CHANGE-002', application: 'storefront', environment: 'production', reason: 'year-end hotfix window',
        requested_by: 'alice', approved_by: 'security-lead', expires_at: '2026-12-10T00:00:00Z',
      });
      const period = ['--since', FROM, '--until', TO];
      const storeArgs = ['--store', location.url, '--bundle', ctx.bundlePath];
      // The PostgreSQL schema reaches the CLI as dfw.yaml's store.schema would, via its env override.
      const fromStoreCli = async (args: string[]) => {
        if (location.options.schema) process.env.DFW_STORE_SCHEMA = location.options.schema;
        try {
          return await dfw(['report', 'compliance', ...period, ...storeArgs, ...args]);
        } finally {
          delete process.env.DFW_STORE_SCHEMA;
        }
      };
      const fromStore = await fromStoreCli(['--framework', 'soc2', '--format', 'json']);
      assert.is(fromStore.status, 0, fromStore.stderr);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const fromServer = await dfw(['report', 'compliance', '--framework', 'SOC2', ...period, '--server', url, '--token', ADMIN_TOKEN, '--format', 'json']);
      assert.is(fromServer.status, 0, fromServer.stderr);
      const a = JSON.parse(fromStore.stdout) as ComplianceReport;
      const b = JSON.parse(fromServer.stdout) as ComplianceReport;
      assert.equal({ ...a, source: '', bundle: undefined }, { ...b, source: '', bundle: undefined }, backend.name);
      assert.is(b.source, url);

      const change = a.controls.find((c) => c.id === 'CC8.1')!;
      assert.ok(change.rules.some((r) => r.id === 'DFW-CHANGE-002'), 'CC8.1 lists the freeze rule');
      assert.ok(change.denials >= 1 && change.waived >= 1, `${backend.name}: CC8.1 denials ${change.denials}, waived ${change.waived}`);
      assert.equal(change.active_waivers.map((w) => [w.rule, w.approved_by]), [['DFW-CHANGE-002', 'security-lead']]);
      assert.is(change.status, 'covered');
      assert.is(a.controls.find((c) => c.id === 'CC1.1')!.status, 'gap');
      assert.is(a.summary.decisions, 7);
      assert.equal(a.period, { from: FROM, to: TO });

      const markdown = await dfw(['report', 'compliance', '--framework', 'SOC2', ...period, '--server', url, '--token', ADMIN_TOKEN]);
      assert.match(markdown.stdout, /^# SOC2 compliance report\n/);
      assert.match(markdown.stdout, /\n\| CC8\.1 \| Authorizes, tests, approves and implements changes \| [^|]*DFW-CHANGE-002[^|]* \| \d+ \| \d+ \| \d+ \| \d+ \| 1 \|\n/);
      assert.match(markdown.stdout, /\n- \*\*CC1\.1\*\* — Demonstrates commitment to integrity and ethical values\n/);
      const csv = await fromStoreCli(['--framework', 'SOC2', '--format', 'csv']);
      assert.is(csv.status, 0, csv.stderr);
      assert.is(csv.stdout.split('\r\n')[0], CSV_COLUMNS.join(','));
      assert.match(csv.stdout, /\r\nSOC2,CC8\.1,"Authorizes, tests, approves and implements changes",covered,true,[^,]*DFW-CHANGE-002/);
    } finally {
      server.close();
      await store.close();
    }
  }
});

reports('per control: judged only where a rule is on, each decision counted once, sections and enhancements, unlisted controls, gaps', () => {
  const enforcement = (production: 'deny' | 'warn' | 'off', staging: 'deny' | 'warn' | 'off') => ({
    production: { enforcement: production, severity: 'high' as const },
    staging: { enforcement: staging, severity: 'high' as const },
  });
  const catalog: ReportCatalog = {
    unknown_environment: 'production',
    rules: [
      { id: 'R-1', title: 'one', severity: 'high', category: 'c', controls: ['CIS-SSCS:1.1.3', 'SOC2:CC8.1'], enforcement: enforcement('deny', 'off') },
      { id: 'R-2', title: 'two', severity: 'high', category: 'c', controls: ['CIS-SSCS:1.1.9'], enforcement: enforcement('deny', 'warn') },
      { id: 'R-3', title: 'three', severity: 'high', category: 'c', controls: ['CIS-SSCS:9.9'], enforcement: enforcement('off', 'off') },
    ],
  };
  const activity = {
    from: FROM, to: TO,
    decisions: { production: 10, staging: 5, 'eu-prod': 2 },
    outcomes: [
      { environment: 'production', denied: ['R-1', 'R-2'], warned: [], waived: [] }, // one decision, two rules
      { environment: 'production', denied: ['R-2'], warned: [], waived: ['R-1'] },
      { environment: 'staging', denied: [], warned: ['R-2'], waived: [] },
    ],
  };
  const waiver = { id: 'W-1', rule: 'R-1', application: 'a', environment: 'production', requested_by: 'x', approved_by: 'y', expires_at: TO, reason: 'r' };
  const report = buildComplianceReport({ framework: findFramework('cis-sscs'), catalog, activity, waivers: [waiver], source: 'test' });
  const section = report.controls.find((c) => c.id === '1.1')!;
  assert.equal(section.rules.map((r) => [r.id, r.tags]), [['R-1', ['1.1.3']], ['R-2', ['1.1.9']]]);
  // production 10 + staging 5 (R-2 is on there) + eu-prod 2 (unlisted: enforced like production)
  assert.is(section.decisions, 17);
  assert.is(section.denials, 2, 'the decision both rules denied counts once');
  assert.is(section.warnings, 1);
  assert.is(section.waived, 1);
  assert.equal(section.active_waivers.map((w) => w.id), ['W-1']);
  const unlisted = report.controls.find((c) => c.id === '9.9')!;
  assert.equal([unlisted.listed, unlisted.status, unlisted.decisions], [false, 'covered', 0]);
  assert.is(report.controls.find((c) => c.id === '2.1')!.status, 'gap');
  assert.equal(report.summary, { controls: 17, covered: 1, gaps: 16, rules: 3, decisions: 17, denied_decisions: 2, waived_decisions: 1, active_waivers: 1 });
  const soc2 = buildComplianceReport({ framework: findFramework('SOC2'), catalog, activity, waivers: [], source: 'test' });
  assert.equal(soc2.controls.find((c) => c.id === 'CC8.1')!.decisions, 12, 'R-1 is off in staging; eu-prod is enforced like production');
  assert.match(renderMarkdown(report), '| 1.1 | Source code: code changes | R-1 (1.1.3), R-2 (1.1.9) | 17 | 2 | 1 | 1 | 1 |');
  assert.match(renderCsv(report), '\r\nCIS-SSCS,1.1,Source code: code changes,covered,true,R-1 R-2,17,2,1,1,W-1,');
  assert.throws(() => findFramework('ISO27001'), /unknown framework "ISO27001": one of SOC2, NIST-800-53, SLSA, OWASP-CICD, CIS-SSCS/);
});

reports('mistakes are one line and exit 2', async () => {
  const unknown = await dfw(['report', 'compliance', '--framework', 'ISO27001', '--store', 'sqlite::memory:']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown framework "ISO27001"/);
  const backwards = await dfw(['report', 'compliance', '--framework', 'SOC2', '--since', '2026-12-01T00:00:00Z', '--until', '2026-11-01T00:00:00Z', '--store', 'sqlite::memory:']);
  assert.is(backwards.status, 2);
  assert.match(backwards.stderr, /--since \(2026-12-01T00:00:00.000Z\) is not before --until/);
  const noBundle = await dfw(['report', 'compliance', '--framework', 'SOC2', '--store', 'sqlite::memory:', '--bundle', '/nonexistent/bundle.tar.gz']);
  assert.is(noBundle.status, 2);
  assert.match(noBundle.stderr, /\/nonexistent\/bundle\.tar\.gz cannot be loaded/);
});

reports.run();
