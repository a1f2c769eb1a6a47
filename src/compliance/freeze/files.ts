// The freeze calendar on disk: read freezes.yaml and its imports, write or check the
// generated data.json, add an .ics import. Used by `dfw freeze` and by `make bundle`.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { FreezeCalendarError } from './errors.js';
import { expandFreezes } from './expand.js';
import { parseFreezeSource } from './source.js';
import type { FreezeImport, FreezeWindowsData } from './types.js';
import { serializeFreezeWindows } from './windows-file.js';

export interface CalendarPaths {
  /** freezes.yaml */
  source: string;
  /** the generated data.json */
  output: string;
}

export function expandCalendarFile(paths: CalendarPaths, now: Date): { data: FreezeWindowsData; text: string } {
  if (!existsSync(paths.source)) throw new FreezeCalendarError(`${paths.source} does not exist`);
  const dir = dirname(paths.source);
  const source = parseFreezeSource(readFileSync(paths.source, 'utf8'), paths.source);
  const data = expandFreezes(source, {
    file: basename(paths.source),
    now,
    readImport: (file) => {
      if (isAbsolute(file) || relative(dir, resolve(dir, file)).startsWith('..')) {
        throw new FreezeCalendarError(`${file}: an import must be a path inside ${dir}, so the bundle's sources stay in one place`);
      }
      return readFileSync(join(dir, file), 'utf8');
    },
  });
  return { data, text: serializeFreezeWindows(data) };
}

/** Writes the generated file when its content changes; says whether it did. */
export function writeCalendar(paths: CalendarPaths, text: string): boolean {
  const current = existsSync(paths.output) ? readFileSync(paths.output, 'utf8') : undefined;
  if (current === text) return false;
  mkdirSync(dirname(paths.output), { recursive: true });
  writeFileSync(paths.output, text);
  return true;
}

/**
 * Adds an import to freezes.yaml as text, so the comments people wrote stay: the entry goes
 * at the end when `imports:` is the file's last section (or there is none yet).
 */
export function addImport(paths: CalendarPaths, icsFile: string, entry: Omit<FreezeImport, 'file'>): string {
  const dir = dirname(paths.source);
  const target = join(dir, `${entry.id}.ics`);
  const text = existsSync(paths.source) ? readFileSync(paths.source, 'utf8') : '';
  const source = parseFreezeSource(text, paths.source);
  if ([...(source.freezes ?? []), ...(source.imports ?? [])].some((f) => f.id === entry.id)) {
    throw new FreezeCalendarError(`${paths.source} already has a freeze with id ${entry.id}`);
  }
  const item = [
    `  - id: ${entry.id}`,
    `    file: ${JSON.stringify(basename(target))}`,
    ...(entry.title ? [`    title: ${JSON.stringify(entry.title)}`] : []),
    `    message: ${JSON.stringify(entry.message)}`,
    `    time_zone: ${entry.time_zone}`,
    `    environments: ${JSON.stringify(entry.environments)}`,
    ...(entry.applications ? [`    applications: ${JSON.stringify(entry.applications)}`] : []),
  ].join('\n');
  const topLevel = text.split('\n').filter((line) => /^[A-Za-z_]/.test(line));
  let updated: string;
  if (!source.imports) updated = `${text.replace(/\n*$/, '\n')}\nimports:\n${item}\n`;
  else if (/^imports:/.test(topLevel[topLevel.length - 1] ?? '')) updated = `${text.replace(/\n*$/, '\n')}${item}\n`;
  else throw new FreezeCalendarError(`${paths.source}: "imports:" is not its last section; add this entry under it by hand:\n${item}`);
  parseFreezeSource(updated, paths.source);
  if (resolve(icsFile) !== resolve(target)) copyFileSync(icsFile, target);
  writeFileSync(paths.source, updated);
  return target;
}
