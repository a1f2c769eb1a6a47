// Wall-clock times in a named time zone -> UTC instants, with luxon and the IANA database
// that Node's ICU carries. A freeze is written in local time ("Friday 15:00 in Berlin"), so a
// recurrence keeps its local hour across a DST change while its UTC instant moves.
import { DateTime, IANAZone } from 'luxon';
import { FreezeCalendarError } from './errors.js';

/** A local date and time without a zone, as iCalendar's DATE-TIME components hold it. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

export function requireTimeZone(name: unknown, where: string): string {
  if (typeof name !== 'string' || !isTimeZone(name)) {
    throw new FreezeCalendarError(`${where}: time_zone ${JSON.stringify(name)} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
  }
  return name;
}

/**
 * The UTC instant of a wall-clock time in `zone`, as RFC 5545 §3.3.5 reads one. A time that
 * does not exist (skipped by a spring-forward change) takes the offset before the gap, so it
 * moves forward by the gap (02:30 → 03:30): luxon does this. A time that occurs twice
 * (fall-back) is its first occurrence. luxon alone does not promise that: it starts from the
 * offset in force *now* and keeps whichever of the two it meets first, so the answer would
 * change with the season the build runs in; getPossibleOffsets() gives both, and the earlier
 * instant is taken.
 */
export function toUtc(wall: WallTime, zone: string): Date {
  const local = DateTime.fromObject(wall, { zone });
  if (!local.isValid) throw new FreezeCalendarError(`${formatWall(wall)} is not a valid time in ${zone}: ${local.invalidExplanation ?? local.invalidReason}`);
  const earliest = Math.min(...local.getPossibleOffsets().map((candidate) => candidate.toMillis()));
  return new Date(earliest);
}

/** "2026-11-30 06:00 Europe/Berlin (CET)": how a person reads when a freeze ends. */
export function formatLocal(instant: Date, zone: string): string {
  const local = DateTime.fromJSDate(instant, { zone });
  return `${local.toFormat('yyyy-LL-dd HH:mm')} ${zone} (${local.toFormat('ZZ')})`;
}

/** "2026-01-03T00:00" or "2026-01-03T00:00:00" or "2026-01-03" (midnight) as a wall time. */
export function parseWall(text: unknown, where: string): WallTime {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim()) : null;
  if (!m) {
    throw new FreezeCalendarError(`${where}: ${JSON.stringify(text)} is not a local date-time like 2026-12-18T18:00 (no offset: the freeze's time_zone applies)`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
  const wall = { year, month, day, hour, minute, second };
  if (!DateTime.fromObject(wall, { zone: 'UTC' }).isValid) throw new FreezeCalendarError(`${where}: ${text} is not a calendar date`);
  return wall;
}

export function formatWall(wall: WallTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(wall.year, 4)}-${p(wall.month)}-${p(wall.day)}T${p(wall.hour)}:${p(wall.minute)}:${p(wall.second)}`;
}
