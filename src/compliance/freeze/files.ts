// The freeze calendar on disk: read freezes.yaml and its imports, write or check the
// generated data.json, add an .ics import. Used by `dfw freeze` and by `make bundle`.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
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
 * Adds an import to freezes.yaml. The file is edited as a YAML document (the yaml library
 * keeps comments, blank lines and key order), not as text: `imports: []`, no `imports:` yet,
 * and an `imports:` followed by other sections all take the new entry.
 */
export function addImport(paths: CalendarPaths, icsFile: string, entry: Omit<FreezeImport, 'file'>): string {
  const dir = dirname(paths.source);
  const target = join(dir, `${entry.id}.ics`);
  const text = existsSync(paths.source) ? readFileSync(paths.source, 'utf8') : '';
  const source = parseFreezeSource(text, paths.source);
  if ([...(source.freezes ?? []), ...(source.imports ?? [])].some((f) => f.id === entry.id)) {
    throw new FreezeCalendarError(`${paths.source} already has a freeze with id ${entry.id}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new FreezeCalendarError(`${paths.source}: not YAML: ${doc.errors[0]!.message}`, { cause: doc.errors[0] });
  const item = doc.createNode({
    id: entry.id,
    file: basename(target),
    ...(entry.title ? { title: entry.title } : {}),
    message: entry.message,
    time_zone: entry.time_zone,
    environments: entry.environments,
    ...(entry.applications ? { applications: entry.applications } : {}),
  });
  // Short lists as [production, staging], like the entries people write.
  for (const key of ['environments', 'applications']) {
    const list = item.get(key, true);
    if (isSeq(list)) list.flow = true;
  }
  const imports = doc.get('imports', true);
  if (isSeq(imports)) {
    imports.flow = false;
    imports.add(item);
  } else {
    // No imports yet: a new last section, set off by a blank line.
    const key = doc.createNode('imports');
    key.spaceBefore = isMap(doc.contents) && doc.contents.items.length > 0;
    doc.set(key, doc.createNode([item]));
  }
  const updated = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  parseFreezeSource(updated, paths.source);
  if (resolve(icsFile) !== resolve(target)) copyFileSync(icsFile, target);
  writeFileSync(paths.source, updated);
  return target;
}
