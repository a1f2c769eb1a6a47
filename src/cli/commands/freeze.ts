// `dfw freeze expand | import | list`: deploy-freeze calendars (docs/freeze.md). Freezes are
// expanded into concrete UTC windows here, when the bundle is built, so that DFW-CHANGE-002
// decides from bundle data and never from a clock. Inside a team's policy repository the
// calendar is the repository's own (dfw-policy.yaml "freezes"), which `dfw policy build` expands.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Command, Option } from 'commander';
import type { FreezeWindow, FreezeWindowsData } from '../../compliance/freeze/types.js';
import { FREEZE_SOURCE_FILE, FREEZE_WINDOWS_FILE } from '../../compliance/freeze/windows-file.js';
import { CliError } from '../exit-codes.js';

// The calendar code (iCalendar, recurrences, time zones) and the policy repository's reader
// load when a subcommand runs, not with every dfw command (main.ts).
const calendars = () => import('../../compliance/freeze/files.js');

interface PathOptions {
  calendar?: string;
  out?: string;
}

interface CalendarFiles {
  source: string;
  /** Absent inside a policy repository: its bundle's windows are written by `dfw policy build`. */
  output?: string;
}

function pathOptions(command: Command): Command {
  return command
    .option('--calendar <file>', `the freeze calendar the security team writes (default: the policy repository's freezes.yaml when a dfw-policy.yaml is here or above, else ${FREEZE_SOURCE_FILE})`)
    .option('--out <file>', `the generated bundle data, data.firewall.config.freeze_windows (default ${FREEZE_WINDOWS_FILE}; none in a policy repository)`);
}

/** The calendar given, else the policy repository's (dfw-policy.yaml here or above), else dfw's own. */
async function calendarFiles(o: PathOptions): Promise<CalendarFiles> {
  if (o.calendar !== undefined) return { source: o.calendar, output: o.out ?? FREEZE_WINDOWS_FILE };
  const { findProjectFile, loadProject } = await import('../../policy/project.js');
  let inRepository = true;
  try {
    findProjectFile(process.cwd());
  } catch {
    inRepository = false;
  }
  if (!inRepository) return { source: FREEZE_SOURCE_FILE, output: o.out ?? FREEZE_WINDOWS_FILE };
  return { source: loadProject(process.cwd()).freezesFile, ...(o.out !== undefined ? { output: o.out } : {}) };
}

function instant(text: string | undefined, flag: string): Date {
  if (text === undefined) return new Date();
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/i.test(text) || Number.isNaN(date.getTime())) {
    throw new CliError(`${flag} "${text}" is not an RFC 3339 time with a zone (2026-12-24T10:00:00Z)`);
  }
  return date;
}

function windowCount(data: FreezeWindowsData): number {
  return Object.values(data.freezes).reduce((n, f) => n + f.windows.length, 0);
}

function examples(command: Command, lines: string[], exitCodes = '0 done, 2 error (the message on stderr says why)'): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n\nExit codes: ${exitCodes}\n`);
}

/** The window in force at `at`, else the next one, else none. */
function currentOrNext(windows: FreezeWindow[], at: Date): { window: FreezeWindow; now: boolean } | undefined {
  const t = at.toISOString();
  const active = windows.find((w) => w.start <= t && t < w.end);
  if (active) return { window: active, now: true };
  const next = windows.find((w) => w.start > t);
  return next ? { window: next, now: false } : undefined;
}

export function freezeCommand(): Command {
  const freeze = new Command('freeze').description('Deploy-freeze calendars: expand recurrences into bundle data, import .ics files, list windows');

  const expand = pathOptions(freeze.command('expand'))
    .description('Expand freezes.yaml and its .ics imports into UTC windows for the bundle (make bundle runs this; in a policy repository, dfw policy build does)')
    .option('--now <time>', 'anchor of the default horizon when the calendar sets none (RFC 3339)')
    .option('--check', 'write nothing; exit 1 when the generated file is not what the calendar gives');
  expand.action(async (o: PathOptions & { now?: string; check?: boolean }) => {
    const { source, output } = await calendarFiles(o);
    if (output === undefined) {
      throw new CliError(`in a policy repository "dfw policy build" expands ${relative(process.cwd(), source) || source} into the bundle, so there is nothing to expand by hand; "dfw freeze list" shows its windows`);
    }
    const { expandCalendarFile, writeCalendar } = await calendars();
    const { data, text } = expandCalendarFile({ source, output }, instant(o.now, '--now'));
    const summary = `${Object.keys(data.freezes).length} freezes, ${windowCount(data)} windows, horizon ${data.horizon.from} to ${data.horizon.to}`;
    if (o.check) {
      const current = existsSync(output) ? readFileSync(output, 'utf8') : '';
      if (current !== text) {
        process.stderr.write(`${output} is stale (${summary}): run "dfw freeze expand" and rebuild the bundle\n`);
        freeze.setOptionValue('exitCode', 1); // run() reads exit codes from top-level commands
        return;
      }
      process.stdout.write(`${output} is current: ${summary}\n`);
      return;
    }
    const changed = writeCalendar({ source, output }, text);
    process.stdout.write(`${output}: ${summary}${changed ? '' : ' (unchanged)'}\n`);
  });
  examples(
    expand,
    ['dfw freeze expand && make bundle', 'dfw freeze expand --check   # in CI: the committed windows match the calendar'],
    '0 written (or current with --check), 1 stale with --check, 2 error (a bad time zone, RRULE or .ics names the file and entry)',
  );

  const importIcs = pathOptions(freeze.command('import'))
    .description('Add an .ics calendar (e.g. public holidays) as a freeze: copies it beside freezes.yaml, adds it under imports:, expands')
    .argument('<file.ics>', 'an iCalendar file (RFC 5545); every event becomes a window')
    .requiredOption('--id <id>', 'freeze id, also the copied file name (<id>.ics)')
    .requiredOption('--time-zone <zone>', 'IANA zone for all-day and floating events, e.g. Europe/Berlin')
    .requiredOption('-e, --env <environment...>', 'environments it covers (* for all)')
    .option('-a, --app <application...>', 'applications it covers (default: all)')
    .requiredOption('--message <text>', 'what the deny message says about it')
    .option('--title <text>', 'a short name (default: the message)');
  importIcs.action(async (file: string, o: PathOptions & { id: string; timeZone: string; env: string[]; app?: string[]; message: string; title?: string }) => {
    if (!existsSync(file)) throw new CliError(`${file} does not exist`);
    const [{ requireTimeZone }, { addImport, expandCalendarFile, writeCalendar }] = await Promise.all([import('../../compliance/freeze/zones.js'), calendars()]);
    requireTimeZone(o.timeZone, '--time-zone');
    const { source, output } = await calendarFiles(o);
    const copied = addImport({ source, output: output ?? '' }, file, {
      id: o.id,
      time_zone: o.timeZone,
      environments: o.env,
      ...(o.app ? { applications: o.app } : {}),
      message: o.message,
      ...(o.title ? { title: o.title } : {}),
    });
    const { data, text } = expandCalendarFile({ source, output: output ?? '' }, new Date());
    if (output !== undefined) writeCalendar({ source, output }, text);
    const windows = data.freezes[o.id]!.windows.length;
    const next = output !== undefined ? `${output} updated, rebuild the bundle (make bundle)` : 'rebuild the bundle (dfw policy build)';
    process.stdout.write(`imported ${file} as ${copied}: freeze ${o.id}, ${windows} windows; ${next}\n`);
    // Not an error (last year's calendar imported early is fine), but nothing will be frozen.
    if (windows === 0) process.stderr.write(`warning: no event of ${file} falls inside the horizon (${data.horizon.from} to ${data.horizon.to}), or every one is cancelled: freeze ${o.id} blocks nothing yet\n`);
  });
  examples(importIcs, [
    'dfw freeze import ~/Downloads/holidays-de.ics --id de-holidays --time-zone Europe/Berlin --env production --message "public holiday in Germany"',
    'dfw freeze import team.ics --id payments-offsite --time-zone America/New_York --env production staging --app payments --message "team offsite"',
  ]);

  const list = pathOptions(freeze.command('list'))
    .description('List each freeze, what it covers, and the window in force (or the next one) at a time')
    .option('--at <time>', 'RFC 3339 time to look at (default: now)')
    .addOption(new Option('-f, --format <format>', 'table for people, json for scripts').choices(['table', 'json']).default('table'));
  list.action(async (o: PathOptions & { at?: string; format: string }) => {
    const at = instant(o.at, '--at');
    const { expandCalendarFile } = await calendars();
    const { data } = expandCalendarFile({ source: (await calendarFiles(o)).source, output: '' }, at);
    const rows = Object.entries(data.freezes).map(([id, f]) => ({ id, freeze: f, window: currentOrNext(f.windows, at) }));
    if (o.format === 'json') {
      process.stdout.write(`${JSON.stringify(rows.map(({ id, freeze: f, window }) => ({ id, title: f.title, environments: f.environments, applications: f.applications, time_zone: f.time_zone, windows: f.windows.length, in_force: window?.now ? window.window : null, next: window && !window.now ? window.window : null })), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
      return;
    }
    for (const { id, freeze: f, window } of rows) {
      const when = !window ? 'no window left in the horizon' : window.now ? `IN FORCE until ${window.window.ends_local}` : `next ${window.window.start} until ${window.window.ends_local}`;
      process.stdout.write(`${id}  ${f.environments.join(',')}  apps ${f.applications.join(',')}  ${f.windows.length} windows  ${when}${window?.window.summary ? ` (${window.window.summary})` : ''}\n`);
    }
  });
  examples(list, ['dfw freeze list', 'dfw freeze list --at 2026-12-24T10:00:00Z --format json']);
  return freeze;
}
