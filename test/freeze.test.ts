// Deploy-freeze calendars end to end: an .ics file with a weekly recurrence is expanded into
// bundle data, built by the real opa into a Wasm bundle, and DFW-CHANGE-002 then denies
// inside and allows outside each window in the calendar's own time zone — on both sides of
// the 2026 US DST changes and across the new year — with OPA itself as the oracle. Also the
// break-glass waiver, the shipped calendar, and `dfw freeze` on the command line.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDfwInProcess } from './helpers/cli-in-process.js';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { expandCalendarFile, writeCalendar } from '../src/compliance/freeze/files.js';
import { expandFreezes } from '../src/compliance/freeze/expand.js';
import { parseFreezeSource } from '../src/compliance/freeze/source.js';
import { FREEZE_SOURCE_FILE, FREEZE_WINDOWS_FILE } from '../src/compliance/freeze/windows-file.js';
import { SEVERITIES, type Decision, type Evaluator, type InputDocument, type Violation } from '../src/engine/index.js';
import { openStore } from '../src/store/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { ROOT, runOpa } from './helpers/opa.js';

const FIXTURES = join(ROOT, 'test/fixtures/freeze');
const RULE = 'DFW-CHANGE-002';

const CALENDAR = `horizon: { from: "2026-01-01", to: "2028-01-01" }
imports:
  - id: release-nights
    file: release-nights.ics
    title: Release-night batch freeze
    message: the Thursday night batch runs; no checkout deployments
    time_zone: America/New_York
    environments: [production]
    applications: [checkout]
`;

interface Context {
  dir: string;
  evaluator: Evaluator;
  shipped: Evaluator;
}

const freeze = suite<Context>('freeze calendars');

function example(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as Record<string, unknown>;
}

const COMPLIANT = example('compliant.allow.json');

function compliantRequest(application: string): Record<string, unknown> {
  return { ...structuredClone(COMPLIANT), application, environment: 'production' };
}

function inputFor(application: string, extra: Partial<InputDocument> = {}): InputDocument {
  return { ...buildInput(parseCheckRequest(compliantRequest(application)), { id: `freeze-${application}`, via: 'cli' }), ...extra };
}

function freezeViolations(decision: Pick<Decision, 'deny' | 'warn'>): Violation[] {
  return SEVERITIES.flatMap((s) => [...decision.deny[s], ...decision.warn[s]]).filter((v) => v.rule === RULE);
}

/** One opa eval over many (input, time) pairs against the Rego sources: the oracle. */
function opaFreezeMessages(regoDir: string, cases: Array<{ input: InputDocument; at: string }>): string[][] {
  const inputs = cases.map(({ input, at }) => {
    const ns = (BigInt(Date.parse(at)) * 1_000_000n).toString();
    return JSON.stringify({ ...input, request: { ...input.request, time: at, time_ns: '__NS__' } }).replace('"__NS__"', ns);
  });
  const out = JSON.parse(
    runOpa(['eval', '--format', 'json', '-d', regoDir, '--stdin-input', '[sort([v.message | some v in data.firewall.rules.change.freeze.deny with input as x]) | some x in input.cases]'], `{"cases":[${inputs.join(',')}]}`),
  );
  return out.result[0].expressions[0].value as string[][];
}

freeze.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-freeze-'));
  const rego = join(ctx.dir, 'rego');
  cpSync(join(ROOT, 'rego'), rego, { recursive: true });
  const config = join(rego, 'firewall/config');
  writeFileSync(join(config, 'freezes.yaml'), CALENDAR);
  copyFileSync(join(FIXTURES, 'release-nights.ics'), join(config, 'release-nights.ics'));
  const paths = { source: join(config, 'freezes.yaml'), output: join(config, 'freeze_windows/data.json') };
  writeCalendar(paths, expandCalendarFile(paths, new Date('2026-06-01T00:00:00Z')).text);
  ctx.evaluator = await loadTestEvaluator({ source: rego, revision: 'freeze-test' });
  ctx.shipped = await loadTestEvaluator({ revision: 'freeze-test-shipped' });
});

freeze.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

// [request time (UTC), inside?, what it shows]. The window is Thursday 22:00 to Friday 02:00
// New York time: 03:00-07:00Z in EST (-05:00), 02:00-06:00Z in EDT (-04:00).
const CASES: Array<[string, boolean, string]> = [
  ['2026-03-06T02:30:00Z', false, 'Thu 21:30 EST, before the window'],
  ['2026-03-06T03:00:00Z', true, 'Thu 22:00 EST, the start is inclusive'],
  ['2026-03-06T06:30:00Z', true, 'Fri 01:30 EST, before spring-forward'],
  ['2026-03-06T07:00:00Z', false, 'Fri 02:00 EST, the end is exclusive'],
  ['2026-03-13T02:30:00Z', true, 'Thu 22:30 EDT, after spring-forward (21:30 in EST terms)'],
  ['2026-03-13T06:30:00Z', false, 'Fri 02:30 EDT, after spring-forward (01:30 in EST terms)'],
  ['2026-10-30T02:30:00Z', true, 'Thu 22:30 EDT, before fall-back'],
  ['2026-10-30T06:30:00Z', false, 'Fri 02:30 EDT, before fall-back'],
  ['2026-11-06T02:30:00Z', false, 'Thu 21:30 EST, after fall-back'],
  ['2026-11-06T06:30:00Z', true, 'Fri 01:30 EST, after fall-back'],
  ['2027-01-01T04:00:00Z', true, 'Thu 2026-12-31 23:00 EST, across the new year'],
  ['2027-01-01T06:59:59Z', true, 'Fri 2027-01-01 01:59:59 EST'],
  ['2027-01-01T07:00:00Z', false, 'Fri 2027-01-01 02:00 EST, over'],
  ['2026-01-16T04:00:00Z', true, 'Thu 2026-01-15 23:00 EST'],
  ['2026-01-23T04:00:00Z', false, 'Thu 2026-01-22 23:00 EST, removed by EXDATE'],
];

freeze('a weekly .ics freeze denies inside and allows outside, in New York time, across DST and the new year', ({ evaluator }) => {
  for (const [at, inside, what] of CASES) {
    const decision = evaluator.evaluate(inputFor('checkout'), { now: new Date(at), decisionId: 'freeze' });
    const found = freezeViolations(decision);
    assert.is(found.length, inside ? 1 : 0, `${at} (${what}): ${found.map((v) => v.message).join('; ')}`);
    if (inside) {
      assert.ok(decision.deny.critical.some((v) => v.rule === RULE), `${at}: blocks in production`);
      assert.is(decision.allow, false, at);
      assert.match(found[0]!.message, /^deployment of checkout to production is inside deploy freeze release-nights \(Release-night batch freeze\), Thursday night batch, until 20\d\d-\d\d-\d\d 02:00 America\/New_York \(-0[45]:00\): the Thursday night batch runs/);
    }
  }
  const newYear = freezeViolations(evaluator.evaluate(inputFor('checkout'), { now: new Date('2027-01-01T04:00:00Z'), decisionId: 'freeze' }));
  assert.match(newYear[0]!.message, 'until 2027-01-01 02:00 America/New_York (-05:00)');
  const summer = freezeViolations(evaluator.evaluate(inputFor('checkout'), { now: new Date('2026-03-13T02:30:00Z'), decisionId: 'freeze' }));
  assert.match(summer[0]!.message, 'until 2026-03-13 02:00 America/New_York (-04:00)');
  assert.equal(summer[0]!.controls, ['NIST-800-53:CM-3', 'SOC2:CC8.1', 'OWASP-CICD:CICD-SEC-1']);
});

freeze('OPA itself, on the Rego sources and the same data, gives the same freeze findings', ({ dir, evaluator }) => {
  const cases = CASES.map(([at]) => ({ input: inputFor('checkout'), at }));
  const oracle = opaFreezeMessages(join(dir, 'rego'), cases);
  cases.forEach(({ input, at }, i) => {
    const wasm = freezeViolations(evaluator.evaluate(input, { now: new Date(at), decisionId: 'freeze' })).map((v) => v.message).sort();
    assert.equal(wasm, oracle[i], at);
  });
});

freeze('a freeze covers only its environments and applications; outside its horizon it cannot be verified', ({ evaluator }) => {
  const inside = new Date('2026-03-06T04:00:00Z');
  assert.is(freezeViolations(evaluator.evaluate(inputFor('payments'), { now: inside, decisionId: 'f' })).length, 0, 'another application');
  const staging = { ...inputFor('checkout'), request: { ...inputFor('checkout').request, environment: 'staging' } };
  assert.is(freezeViolations(evaluator.evaluate(staging, { now: inside, decisionId: 'f' })).length, 0, 'another environment');
  const late = freezeViolations(evaluator.evaluate(inputFor('checkout'), { now: new Date('2028-03-02T04:00:00Z'), decisionId: 'f' }));
  assert.is(late.length, 1);
  assert.match(late[0]!.message, /^cannot verify deploy freezes release-nights: request time 2028-03-02T04:00:00.000Z is not within the freeze calendar's horizon \(2026-01-01T00:00:00.000Z to 2028-01-01T00:00:00.000Z\)/);
});

freeze('a break-glass waiver approved by someone else lets the deployment through and is logged with the decision', async ({ dir, evaluator }) => {
  const at = new Date('2026-03-06T04:00:00Z');
  const base = inputFor('checkout');
  const digest = (base.artifact as { digest: string }).digest;
  const waiver = {
    id: 'break-glass-1', rule: RULE, application: 'checkout', environment: 'production', artifact_digest: digest,
    reason: 'payment outage hotfix', requested_by: 'alice', approved_by: 'security-lead', expires_at: '2026-03-06T06:00:00Z',
  };
  const waived = evaluator.evaluate({ ...base, waivers: [waiver] }, { now: at, decisionId: 'break-glass' });
  assert.is(freezeViolations(waived).length, 0, 'not denied or warned');
  assert.equal(waived.waived.filter((v) => v.rule === RULE).map((v) => [v.waiver_id, v.approved_by, v.expires_at]), [['break-glass-1', 'security-lead', '2026-03-06T06:00:00Z']]);
  // The deployer approving their own break-glass is separation of duties broken: still denied.
  const selfApproved = evaluator.evaluate({ ...base, waivers: [{ ...waiver, approved_by: 'spinnaker' }] }, { now: at, decisionId: 'self' });
  assert.is(freezeViolations(selfApproved).length, 1);
  // Another digest is not this deployment.
  const other = evaluator.evaluate({ ...base, artifact: { ...(base.artifact as object), digest: `sha256:${'0'.repeat(64)}` }, waivers: [waiver] }, { now: at, decisionId: 'other' });
  assert.is(freezeViolations(other).length, 1);

  const store = await openStore(`sqlite:${join(dir, 'decisions.db')}`);
  try {
    await store.recordDecision({
      decision_id: waived.decision_id, time: at, application: 'checkout', environment: 'production', artifact_digest: digest,
      allow: waived.allow, deny: waived.deny, warn: waived.warn, waived: waived.waived, bundle: waived.bundle, timing_ms: waived.timing_ms,
      caller: 'spinnaker', via: 'api', dry_run: false, input: base, decision: waived,
    });
    const { items } = await store.listDecisions({ rule: RULE });
    assert.equal(items.map((d) => d.decision_id), ['break-glass']);
    assert.equal(items[0]!.waived.filter((v) => v.rule === RULE).map((v) => v.waiver_id), ['break-glass-1']);
  } finally {
    await store.close();
  }
});

freeze('a VTIMEZONE-only TZID (Outlook names) expands to the same windows as the IANA zone', () => {
  const horizon = { horizon: { from: '2026-01-01', to: '2027-06-01' } };
  const expand = (file: string) =>
    expandFreezes(
      { ...horizon, imports: [{ id: 'nights', file, message: 'm', time_zone: 'UTC', environments: ['production'] }] },
      { file: 'freezes.yaml', now: new Date(), readImport: (f) => readFileSync(join(FIXTURES, f), 'utf8') },
    ).freezes.nights!.windows.map((w) => [w.start, w.end]);
  const iana = expand('release-nights.ics');
  const outlook = expand('release-nights-outlook.ics');
  assert.ok(iana.length > 70, `${iana.length} windows`);
  assert.equal(outlook, iana);
});

freeze('freezes.yaml: one-off and weekly windows keep their local hours; mistakes name the file and entry', () => {
  const source = parseFreezeSource(
    `horizon: { from: "2026-03-01", to: "2026-04-15" }
freezes:
  - id: fridays
    message: no Friday afternoon deployments
    time_zone: Europe/Berlin
    start: 2026-03-06T15:00
    end: 2026-03-06T23:00
    rrule: FREQ=WEEKLY;BYDAY=FR
    environments: [production]
`,
    'freezes.yaml',
  );
  const data = expandFreezes(source, { file: 'freezes.yaml', now: new Date(), readImport: () => '' });
  assert.equal(
    data.freezes.fridays!.windows.map((w) => w.start),
    // Berlin leaves CET for CEST on 2026-03-29: 15:00 local is 14:00Z, then 13:00Z.
    ['2026-03-06T14:00:00.000Z', '2026-03-13T14:00:00.000Z', '2026-03-20T14:00:00.000Z', '2026-03-27T14:00:00.000Z', '2026-04-03T13:00:00.000Z', '2026-04-10T13:00:00.000Z'],
  );
  assert.equal(data.freezes.fridays!.applications, ['*']);
  assert.is(data.horizon.to_ns, 1_776_211_200_000_000_000n);
  const bad = (yamlText: string, pattern: RegExp) => {
    try {
      expandFreezes(parseFreezeSource(yamlText, 'freezes.yaml'), { file: 'freezes.yaml', now: new Date(), readImport: () => '' });
      assert.unreachable(`accepted: ${yamlText}`);
    } catch (err) {
      assert.instance(err, Error);
      assert.is((err as { code?: string }).code, 'freeze_calendar_invalid');
      assert.match((err as Error).message, pattern);
    }
  };
  const one = (fields: string) => `freezes:\n  - id: f\n    message: m\n    environments: [production]\n${fields}`;
  bad(one('    time_zone: Europe/Berlinn\n    start: 2026-03-06T15:00\n    end: 2026-03-06T16:00\n'), /freezes\[0\] \(f\): time_zone "Europe\/Berlinn" is not an IANA time zone/);
  bad(one('    time_zone: UTC\n    start: 2026-03-06T15:00\n    end: 2026-03-06T16:00\n    rrule: FREQ=SOMETIMES\n'), /freezes\[0\] \(f\)\.rrule/);
  bad(one('    time_zone: UTC\n    start: 2026-03-06T15:00Z\n    end: 2026-03-06T16:00\n'), /freezes\[0\] \(f\)\.start: "2026-03-06T15:00Z" is not a local date-time/);
  bad(one('    time_zone: UTC\n    start: 2026-03-06T15:00\n    end: 2026-03-06T15:00\n'), /end 2026-03-06T15:00 is not after start/);
  bad(one('    time_zone: UTC\n    start: 2026-03-06T15:00\n    end: 2026-03-06T16:00\n    colour: red\n'), /freezes\.0 must NOT have additional properties \(colour\)/);
  bad(`imports:\n  - id: x\n    file: x.ics\n    message: m\n    time_zone: UTC\n    environments: [production]\n`, /not an iCalendar file/);
});

freeze('the shipped calendar: its generated windows are current, and the storefront example is frozen on a Saturday', ({ shipped }) => {
  const paths = { source: join(ROOT, FREEZE_SOURCE_FILE), output: join(ROOT, FREEZE_WINDOWS_FILE) };
  assert.is(readFileSync(paths.output, 'utf8'), expandCalendarFile(paths, new Date()).text, 'run "dfw freeze expand" after editing freezes.yaml');
  const input = buildInput(parseCheckRequest(example('dfw-change-002-deploy-freeze.deny.json')), { id: 'example', via: 'cli' });
  const saturday = shipped.evaluate(input, { now: new Date('2026-11-28T14:00:00Z'), decisionId: 'sat' });
  assert.match(freezeViolations(saturday)[0]!.message, 'inside deploy freeze storefront-weekend (Storefront weekend freeze) until 2026-11-30 06:00 Europe/Berlin (+01:00)');
  const tuesday = shipped.evaluate(input, { now: new Date('2026-12-01T14:00:00Z'), decisionId: 'tue' });
  assert.is(freezeViolations(tuesday).length, 0);
  const payments = shipped.evaluate(buildInput(parseCheckRequest(structuredClone(COMPLIANT)), { id: 'c', via: 'cli' }), { now: new Date('2026-11-28T14:00:00Z'), decisionId: 'c' });
  assert.is(freezeViolations(payments).length, 0, 'the shipped freezes cover the storefront only');
});

/** Runs the real CLI program in this process, capturing what it writes. */
const dfw = runDfwInProcess;

freeze('dfw freeze import adds an .ics calendar and expands it; expand --check says when the windows are stale', async ({ dir }) => {
  const work = join(dir, 'cli');
  const config = join(work, 'rego/firewall/config');
  const files = ['--calendar', join(config, 'freezes.yaml'), '--out', join(work, FREEZE_WINDOWS_FILE)];
  cpSync(join(ROOT, 'rego/firewall/config'), config, { recursive: true });
  const imported = await dfw(['freeze', 'import', join(FIXTURES, 'release-nights.ics'), '--id', 'nights', '--time-zone', 'America/New_York', '--env', 'production', 'staging', '--app', 'checkout', '--message', 'batch night', ...files]);
  assert.is(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /imported .*release-nights\.ics as .*nights\.ics: freeze nights, \d+ windows/);
  assert.ok(existsSync(join(config, 'nights.ics')));
  assert.match(readFileSync(join(config, 'freezes.yaml'), 'utf8'), /  - id: nights\n    file: nights.ics\n    message: batch night\n    time_zone: America\/New_York\n    environments: \[production, staging\]\n    applications: \[checkout\]\n$/);
  const data = JSON.parse(readFileSync(join(work, FREEZE_WINDOWS_FILE), 'utf8')) as { freezes: Record<string, { environments: string[] }> };
  assert.equal(data.freezes.nights!.environments, ['production', 'staging']);
  assert.is((await dfw(['freeze', 'expand', '--check', ...files])).status, 0);
  writeFileSync(join(config, 'freezes.yaml'), readFileSync(join(config, 'freezes.yaml'), 'utf8').replace('batch night', 'batch nights'));
  const stale = await dfw(['freeze', 'expand', '--check', ...files]);
  assert.is(stale.status, 1);
  assert.match(stale.stderr, /is stale/);
  assert.is((await dfw(['freeze', 'expand', ...files])).status, 0);
  assert.is((await dfw(['freeze', 'expand', '--check', ...files])).status, 0);
  const again = await dfw(['freeze', 'import', join(FIXTURES, 'release-nights.ics'), '--id', 'nights', '--time-zone', 'UTC', '--env', 'production', '--message', 'x', ...files]);
  assert.is(again.status, 2);
  assert.match(again.stderr, /already has a freeze with id nights/);
  const listed = await dfw(['freeze', 'list', '--at', '2026-03-06T04:00:00Z', ...files]);
  assert.match(listed.stdout, /^nights  production,staging  apps checkout  \d+ windows  IN FORCE until 2026-03-06 02:00 America\/New_York \(-05:00\) \(Thursday night batch\)$/m);
});

freeze('make bundle expands the calendar first when freezes.yaml or an .ics import changed, then rebuilds both bundles', () => {
  for (const source of ['rego/firewall/config/freezes.yaml', 'rego/firewall/config/holidays.ics']) {
    // -n -W: what make would run if the file had just changed, without changing or running anything.
    const r = spawnSync('make', ['-n', '-W', source, 'bundle'], { cwd: ROOT, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const expand = lines.findIndex((l) => l.includes('scripts/freeze-windows.ts'));
    assert.ok(expand >= 0, `${source}: no expansion in\n${r.stdout}`);
    const builds = lines.map((l, i) => (l.includes('opa build') ? i : -1)).filter((i) => i >= 0);
    assert.is(builds.length, 2, r.stdout);
    assert.ok(builds.every((i) => i > expand), 'the windows are expanded before opa build');
    assert.not.match(r.stdout, 'npm ci', 'never npm ci from make bundle');
  }
});

freeze.run();
