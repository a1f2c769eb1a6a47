// Occurrences of a freeze, in UTC, clipped to the horizon, for a definition in freezes.yaml
// (local start/end + optional RRULE); ics.ts does the same for the events of an .ics file.
// ical.js expands the RRULE in wall-clock time, as RFC 5545 requires, and compares times as
// instants: the freeze's time_zone is an IANA zone (ical-zones.ts), so an UNTIL written in
// UTC meets the local start correctly.
import ICAL from 'ical.js';
import { FreezeCalendarError } from './errors.js';
import { IanaTimezone } from './ical-zones.js';
import { parseWall, type WallTime } from './zones.js';

export interface Occurrence {
  start: Date;
  end: Date;
  summary?: string;
}

export interface Horizon {
  from: Date;
  to: Date;
}

/** A guard against rules such as FREQ=SECONDLY that would never reach the horizon's end. */
const MAX_OCCURRENCES = 100_000;

export function wallOf(time: ICAL.Time): WallTime {
  return { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
}

export function overlaps(o: Occurrence, horizon: Horizon): boolean {
  return o.end > horizon.from && o.start < horizon.to;
}

export function instantOf(time: ICAL.Time): Date {
  return new Date(time.toUnixTime() * 1000);
}

/**
 * Walks an iterator of occurrence starts (each as the series schedules it, before an
 * override moves it) until they pass the horizon's end, when `ordered`; a finite set (RDATE
 * alone) is walked whole. `toOccurrence` turns one start into a window, or nothing when that
 * occurrence is cancelled; windows outside the horizon are dropped.
 */
export function collect(
  next: () => ICAL.Time | undefined,
  scheduled: (t: ICAL.Time) => Date,
  toOccurrence: (t: ICAL.Time) => Occurrence | undefined,
  horizon: Horizon,
  where: string,
  ordered = true,
): Occurrence[] {
  const found: Occurrence[] = [];
  for (let i = 0; ; i++) {
    if (i >= MAX_OCCURRENCES) throw new FreezeCalendarError(`${where}: more than ${MAX_OCCURRENCES} occurrences before the horizon ends; use a coarser RRULE or a shorter horizon`);
    const start = next();
    if (!start) return found;
    if (ordered && scheduled(start) >= horizon.to) return found;
    const occurrence = toOccurrence(start);
    if (occurrence && overlaps(occurrence, horizon)) found.push(occurrence);
  }
}

/**
 * RFC 5545 §3.3.10: UNTIL is UTC when DTSTART has a zone, and an occurrence at exactly UNTIL
 * is included; ical.js compares the two as instants once DTSTART's zone is real. Two forms
 * people write by hand are read in DTSTART's zone instead of as UTC: a local UNTIL (no Z),
 * and a date (UNTIL=20261201), which includes occurrences starting on that local day.
 */
export function anchorUntil(recur: ICAL.Recur, dtstart: ICAL.Time): void {
  const until = recur.until;
  if (!until || dtstart.isDate || dtstart.zone === ICAL.Timezone.localTimezone || until.zone === ICAL.Timezone.utcTimezone) return;
  const wall = until.isDate ? { ...wallOf(until), hour: 23, minute: 59, second: 59 } : wallOf(until);
  recur.until = ICAL.Time.fromData({ ...wall, isDate: false }, dtstart.zone);
}

/** A freezes.yaml window: local start and end in `zone`, repeated by `rrule` when given. */
export function definitionOccurrences(def: { start: string; end: string; rrule?: string; time_zone: string }, horizon: Horizon, where: string): Occurrence[] {
  const zone = new IanaTimezone(def.time_zone);
  const dtstart = ICAL.Time.fromData({ ...parseWall(def.start, `${where}.start`), isDate: false }, zone);
  const dtend = ICAL.Time.fromData({ ...parseWall(def.end, `${where}.end`), isDate: false }, zone);
  if (dtend.compare(dtstart) <= 0) throw new FreezeCalendarError(`${where}: end ${def.end} is not after start ${def.start}`);
  // The length in wall-clock time: a window over the night of a DST change keeps its local end.
  const length = dtend.subtractDate(dtstart);
  const window = (start: ICAL.Time): Occurrence => {
    const end = start.clone();
    end.addDuration(length);
    return { start: instantOf(start), end: instantOf(end) };
  };
  if (!def.rrule) {
    const only = window(dtstart);
    return overlaps(only, horizon) ? [only] : [];
  }
  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromString(def.rrule);
  } catch (err) {
    throw new FreezeCalendarError(`${where}.rrule: ${JSON.stringify(def.rrule)} is not an iCalendar RRULE: ${(err as Error).message}`, { cause: err });
  }
  if (!recur.freq) throw new FreezeCalendarError(`${where}.rrule: ${JSON.stringify(def.rrule)} has no FREQ`);
  anchorUntil(recur, dtstart);
  const iterator = recur.iterator(dtstart);
  return collect(() => iterator.next() ?? undefined, instantOf, window, horizon, where);
}
