// Freeze calendars read as RFC 5545 reads them: an .ics event that happens once is a window;
// a local time repeated at the autumn clock change is its first occurrence, whatever season
// the build runs in; UNTIL, EXDATE and RECURRENCE-ID written in UTC are instants; a cancelled
// occurrence is no freeze; a broken file or an unknown TZID names the file and the event.
// Real .ics files (test/fixtures/freeze) through the module and the real `dfw freeze` program.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Settings } from 'luxon';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDfwInProcess } from './helpers/cli-in-process.js';
import { expandFreezes } from '../src/compliance/freeze/expand.js';
import { parseFreezeSource } from '../src/compliance/freeze/source.js';
import { ROOT } from './helpers/opa.js';

const FIXTURES = join(ROOT, 'test/fixtures/freeze');
const HORIZON = 'horizon: { from: "2026-01-01", to: "2028-01-01" }\n';

interface Context {
  dir: string;
}

const occurrences = suite<Context>('freeze occurrences');

occurrences.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-freeze-occurrences-'));
});

occurrences.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** A freeze's windows as [start, end] in UTC, from freezes.yaml text and the fixture .ics files. */
function windowsOf(yamlText: string, id: string): Array<[string, string]> {
  const data = expandFreezes(parseFreezeSource(yamlText, 'freezes.yaml'), {
    file: 'freezes.yaml',
    now: new Date('2026-06-01T00:00:00Z'),
    readImport: (file) => readFileSync(join(FIXTURES, file), 'utf8'),
  });
  return data.freezes[id]!.windows.map((w) => [w.start, w.end]);
}

function importOf(file: string, zone = 'Europe/Berlin'): string {
  return `${HORIZON}imports:\n  - id: cal\n    file: ${file}\n    message: m\n    time_zone: ${zone}\n    environments: [production]\n`;
}

function freezeOf(fields: string): string {
  return `${HORIZON}freezes:\n  - id: f\n    message: m\n    environments: [production]\n${fields}`;
}

/** Runs the real CLI program in this process, capturing what it writes. */
const dfw = runDfwInProcess;

/** A policy directory of its own: freezes.yaml (given text) and where its windows go. */
function calendarDir(dir: string, name: string, yamlText: string): { config: string; files: string[] } {
  const config = join(dir, name);
  cpSync(FIXTURES, config, { recursive: true });
  writeFileSync(join(config, 'freezes.yaml'), yamlText);
  return { config, files: ['--calendar', join(config, 'freezes.yaml'), '--out', join(config, 'freeze_windows/data.json')] };
}

occurrences('an .ics event that happens once is a window: a timed offsite, an all-day holiday, a UTC night', async ({ dir }) => {
  assert.equal(windowsOf(importOf('one-off-events.ics', 'America/New_York'), 'cal'), [
    ['2026-11-05T14:00:00.000Z', '2026-11-05T22:00:00.000Z'], // 09:00-17:00 New York (EST)
    ['2026-11-26T05:00:00.000Z', '2026-11-28T05:00:00.000Z'], // two whole days in the import's zone
    ['2026-12-05T02:00:00.000Z', '2026-12-05T06:00:00.000Z'],
  ]);
  const { files } = calendarDir(dir, 'one-off', `${HORIZON}freezes: []\n`);
  const imported = await dfw(['freeze', 'import', join(FIXTURES, 'one-off-events.ics'), '--id', 'payments-team', '--time-zone', 'America/New_York', '--env', 'production', '--app', 'payments', '--message', 'payments team away', ...files]);
  assert.is(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /freeze payments-team, 3 windows/);
  assert.is(imported.stderr, '');
  const listed = await dfw(['freeze', 'list', '--at', '2026-11-05T15:00:00Z', ...files]);
  assert.match(listed.stdout, /^payments-team  production  apps payments  3 windows  IN FORCE until 2026-11-05 17:00 America\/New_York \(-05:00\) \(Payments team offsite\)$/m);
  const next = await dfw(['freeze', 'list', '--at', '2026-11-20T00:00:00Z', ...files]);
  assert.match(next.stdout, /next 2026-11-26T05:00:00.000Z until 2026-11-28 00:00 America\/New_York \(-05:00\) \(Thanksgiving\)$/m);
});

occurrences('an .ics import with no event inside the horizon is imported with a warning, not as a quiet success', async ({ dir }) => {
  const { files } = calendarDir(dir, 'empty', 'horizon: { from: "2030-01-01", to: "2031-01-01" }\n');
  const imported = await dfw(['freeze', 'import', join(FIXTURES, 'one-off-events.ics'), '--id', 'old', '--time-zone', 'UTC', '--env', 'production', '--message', 'm', ...files]);
  assert.is(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /freeze old, 0 windows/);
  assert.match(imported.stderr, /^warning: no event of .*one-off-events\.ics falls inside the horizon \(2030-01-01T00:00:00.000Z to 2031-01-01T00:00:00.000Z\)/);
});

occurrences('a TZID that is neither IANA nor defined in the file stops expand, naming the file, the event and the TZID', async ({ dir }) => {
  const { files } = calendarDir(dir, 'outlook', importOf('unknown-tzid.ics'));
  const expanded = await dfw(['freeze', 'expand', ...files]);
  assert.is(expanded.status, 2, expanded.stdout);
  assert.match(
    expanded.stderr,
    'dfw: unknown-tzid.ics event "Quarter close" (UID 040000008200E00074C5B7101A82E008@outlook.example): DTSTART has TZID "W. Europe Standard Time", which is neither an IANA time zone nor defined by a VTIMEZONE in the file',
  );
});

occurrences('a local time that occurs twice at the autumn change is its first occurrence, whatever the season of the build', () => {
  const original = Settings.now;
  try {
    // luxon starts from the offset in force "now": a build in July and one in December must agree.
    for (const now of ['2026-07-01T12:00:00Z', '2026-12-07T12:00:00Z']) {
      Settings.now = () => Date.parse(now);
      const once = (start: string, end: string, zone: string) => windowsOf(freezeOf(`    time_zone: ${zone}\n    start: ${start}\n    end: ${end}\n`), 'f')[0];
      // New York: 01:30 is first EDT (05:30Z), then EST (06:30Z).
      assert.equal(once('2026-11-01T01:30', '2026-11-01T03:00', 'America/New_York'), ['2026-11-01T05:30:00.000Z', '2026-11-01T08:00:00.000Z'], `built at ${now}`);
      // Berlin: 02:30 is first CEST (00:30Z), then CET (01:30Z).
      assert.equal(once('2026-10-25T02:30', '2026-10-25T04:00', 'Europe/Berlin'), ['2026-10-25T00:30:00.000Z', '2026-10-25T03:00:00.000Z'], `built at ${now}`);
      // A time skipped in spring takes the offset before the gap: 02:30 is read as 03:30 summer time.
      assert.equal(once('2026-03-08T02:30', '2026-03-08T04:00', 'America/New_York'), ['2026-03-08T07:30:00.000Z', '2026-03-08T08:00:00.000Z'], `built at ${now}`);
      assert.equal(once('2026-03-29T02:30', '2026-03-29T04:00', 'Europe/Berlin'), ['2026-03-29T01:30:00.000Z', '2026-03-29T02:00:00.000Z'], `built at ${now}`);
      // The same rule for an .ics event with a TZID.
      assert.equal(windowsOf(importOf('fall-back.ics', 'UTC'), 'cal'), [['2026-11-01T05:30:00.000Z', '2026-11-01T08:00:00.000Z']], `built at ${now}`);
    }
  } finally {
    Settings.now = original;
  }
});

occurrences('UNTIL and EXDATE written in UTC are instants: the occurrence at exactly UNTIL stays, the excluded one goes', () => {
  // 09:00 Berlin is 08:00Z in winter; UNTIL=…T080000Z is exactly the 1 December start.
  const weekly = windowsOf(freezeOf('    time_zone: Europe/Berlin\n    start: 2026-11-03T09:00\n    end: 2026-11-03T10:00\n    rrule: FREQ=WEEKLY;UNTIL=20261201T080000Z\n'), 'f');
  assert.equal(weekly.map(([start]) => start), ['2026-11-03T08:00:00.000Z', '2026-11-10T08:00:00.000Z', '2026-11-17T08:00:00.000Z', '2026-11-24T08:00:00.000Z', '2026-12-01T08:00:00.000Z']);
  // A date UNTIL, as people write it by hand, includes that local day.
  const byDate = windowsOf(freezeOf('    time_zone: Europe/Berlin\n    start: 2026-11-03T09:00\n    end: 2026-11-03T10:00\n    rrule: FREQ=WEEKLY;UNTIL=20261201\n'), 'f');
  assert.equal(byDate, weekly);
  // The .ics (with Google's VTIMEZONE for Europe/Berlin): UNTIL=20261117T080000Z, EXDATE:20261110T080000Z.
  assert.equal(windowsOf(importOf('utc-until-exdate.ics'), 'cal'), [
    ['2026-11-03T08:00:00.000Z', '2026-11-03T10:00:00.000Z'],
    ['2026-11-17T08:00:00.000Z', '2026-11-17T10:00:00.000Z'],
  ]);
});

occurrences('a cancelled occurrence (RECURRENCE-ID with STATUS:CANCELLED) and a cancelled event are no freeze; a moved one moves', () => {
  assert.equal(windowsOf(importOf('cancelled-occurrence.ics', 'America/New_York'), 'cal'), [
    ['2026-11-03T19:00:00.000Z', '2026-11-03T21:00:00.000Z'],
    ['2026-11-10T19:00:00.000Z', '2026-11-10T21:00:00.000Z'],
    // 17 November cancelled; 24 November (RECURRENCE-ID in UTC) moved to Wednesday 10:00 New York.
    ['2026-11-25T15:00:00.000Z', '2026-11-25T17:00:00.000Z'],
  ]);
});

occurrences('a broken .ics value stops expand, naming the file, the event and the property', async ({ dir }) => {
  const { files } = calendarDir(dir, 'broken', importOf('broken-dtstart.ics'));
  const expanded = await dfw(['freeze', 'expand', ...files]);
  assert.is(expanded.status, 2, expanded.stdout);
  assert.match(expanded.stderr, /^dfw: broken-dtstart\.ics event "Release party" \(UID release-party@acme\.example\): DTSTART: invalid date-time value/);
});

occurrences('dfw freeze import edits freezes.yaml as YAML: into imports: [], and with imports: before other sections', async ({ dir }) => {
  const emptyList = calendarDir(dir, 'empty-list', `# our freezes\n${HORIZON}imports: []\n`);
  const first = await dfw(['freeze', 'import', join(FIXTURES, 'release-nights.ics'), '--id', 'nights', '--time-zone', 'America/New_York', '--env', 'production', '--message', 'batch night: no deployments', ...emptyList.files]);
  assert.is(first.status, 0, first.stderr);
  assert.is(
    readFileSync(join(emptyList.config, 'freezes.yaml'), 'utf8'),
    `# our freezes\n${HORIZON.replace('{ from: "2026-01-01", to: "2028-01-01" }', '{from: "2026-01-01", to: "2028-01-01"}')}imports:\n  - id: nights\n    file: nights.ics\n    message: "batch night: no deployments"\n    time_zone: America/New_York\n    environments: [production]\n`,
  );
  assert.is((await dfw(['freeze', 'expand', '--check', ...emptyList.files])).status, 0);

  const importsFirst = calendarDir(
    dir,
    'imports-first',
    `${HORIZON}imports:\n  # the company holidays\n  - id: holidays\n    file: one-off-events.ics\n    message: holiday\n    time_zone: Europe/Berlin\n    environments: [production]\n\n# weekly windows\nfreezes:\n  - id: fridays\n    message: no Friday deployments\n    time_zone: Europe/Berlin\n    start: 2026-03-06T15:00\n    end: 2026-03-06T23:00\n    rrule: FREQ=WEEKLY;BYDAY=FR\n    environments: [production]\n`,
  );
  const second = await dfw(['freeze', 'import', join(FIXTURES, 'cancelled-occurrence.ics'), '--id', 'change-board', '--time-zone', 'America/New_York', '--env', 'production', 'staging', '--app', 'checkout', '--title', 'Change board', '--message', 'the change board meets', ...importsFirst.files]);
  assert.is(second.status, 0, second.stderr);
  const text = readFileSync(join(importsFirst.config, 'freezes.yaml'), 'utf8');
  assert.match(text, '  # the company holidays\n  - id: holidays\n');
  assert.match(text, '    environments: [production]\n  - id: change-board\n    file: change-board.ics\n    title: Change board\n    message: the change board meets\n    time_zone: America/New_York\n    environments: [production, staging]\n    applications: [checkout]\n\n# weekly windows\nfreezes:\n');
  const source = parseFreezeSource(text, 'freezes.yaml');
  assert.equal(source.imports!.map((i) => i.id), ['holidays', 'change-board']);
  assert.equal(source.freezes!.map((f) => f.id), ['fridays']);
  const listed = await dfw(['freeze', 'list', '--at', '2026-11-10T20:00:00Z', ...importsFirst.files]);
  assert.match(listed.stdout, /^change-board  production,staging  apps checkout  3 windows  IN FORCE until 2026-11-10 16:00 America\/New_York \(-05:00\) \(Change board\)$/m);
});

occurrences.run();
