// Occurrences of a freeze, in UTC, clipped to the horizon: from a definition in freezes.yaml
// (local start/end + optional RRULE) or from the events of an .ics file. ical.js expands the
// RRULE (with EXDATE, RDATE and RECURRENCE-ID overrides) in wall-clock time, as RFC 5545
// requires; zones.ts turns each wall-clock time into UTC, so DST moves the UTC instant.
import ICAL from 'ical.js';
import { FreezeCalendarError } from './errors.js';
import { formatWall, parseWall, toUtc, type WallTime } from './zones.js';

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

function wallOf(time: ICAL.Time): WallTime {
  return { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
}

function overlaps(o: Occurrence, horizon: Horizon): boolean {
  return o.end > horizon.from && o.start < horizon.to;
}

/**
 * Walks an iterator of occurrence starts until they pass the horizon's end. `toOccurrence`
 * turns one start into a window; windows outside the horizon are dropped.
 */
function collect(next: () => ICAL.Time | undefined | null, toOccurrence: (t: ICAL.Time) => Occurrence | undefined, horizon: Horizon, where: string): Occurrence[] {
  const found: Occurrence[] = [];
  for (let i = 0; ; i++) {
    if (i >= MAX_OCCURRENCES) throw new FreezeCalendarError(`${where}: more than ${MAX_OCCURRENCES} occurrences before the horizon ends; use a coarser RRULE or a shorter horizon`);
    const start = next();
    if (!start) return found;
    const occurrence = toOccurrence(start);
    if (!occurrence) continue;
    if (occurrence.start >= horizon.to) return found;
    if (overlaps(occurrence, horizon)) found.push(occurrence);
  }
}

/** A freezes.yaml window: local start and end in `zone`, repeated by `rrule` when given. */
export function definitionOccurrences(def: { start: string; end: string; rrule?: string; time_zone: string }, horizon: Horizon, where: string): Occurrence[] {
  const startWall = parseWall(def.start, `${where}.start`);
  const endWall = parseWall(def.end, `${where}.end`);
  const dtstart = ICAL.Time.fromData({ ...startWall, isDate: false });
  const dtend = ICAL.Time.fromData({ ...endWall, isDate: false });
  if (dtend.compare(dtstart) <= 0) throw new FreezeCalendarError(`${where}: end ${def.end} is not after start ${def.start}`);
  const length = dtend.subtractDate(dtstart);
  const window = (start: ICAL.Time): Occurrence => {
    const end = start.clone();
    end.addDuration(length);
    return { start: toUtc(wallOf(start), def.time_zone), end: toUtc(wallOf(end), def.time_zone) };
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
  const iterator = recur.iterator(dtstart);
  return collect(() => iterator.next(), window, horizon, where);
}

/**
 * The starts of an event's occurrences. ical.js leaves DTSTART out when the event has RDATE
 * but no RRULE; RFC 5545 §3.8.5.2 counts DTSTART as the first instance (unless an EXDATE
 * removes it), so it is put back.
 */
function eventStarts(event: ICAL.Event): () => ICAL.Time | undefined {
  const iterator = event.iterator();
  const component = event.component;
  const start = event.startDate;
  const excluded = component.getAllProperties('exdate').some((p) => p.getValues().some((v) => (v as ICAL.Time).compare(start) === 0));
  let first: ICAL.Time | undefined = !component.hasProperty('rrule') && component.hasProperty('rdate') && !excluded ? start : undefined;
  return () => {
    if (first) {
      const t = first;
      first = undefined;
      return t;
    }
    for (;;) {
      const next = iterator.next() ?? undefined;
      if (!next || next.compare(start) !== 0 || component.hasProperty('rrule')) return next;
    }
  };
}

/** The zone a time of an .ics event is read in: its TZID, UTC, or the import's zone for floating and all-day times. */
type ZoneOf = (property: ICAL.Property | null) => { tzid?: string; utc: boolean };

/** An .ics file's events (VEVENT, cancelled ones left out), each occurrence a window. */
export function icsOccurrences(text: string, fallbackZone: string, horizon: Horizon, where: string, isTimeZone: (name: string) => boolean): Occurrence[] {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (err) {
    throw new FreezeCalendarError(`${where}: not an iCalendar file: ${(err as Error).message}`, { cause: err });
  }
  if (calendar.name !== 'vcalendar') throw new FreezeCalendarError(`${where}: not an iCalendar file (no VCALENDAR)`);
  // VTIMEZONE definitions serve only TZIDs that are not IANA names (Outlook's "W. Europe
  // Standard Time"); an IANA name is converted with the IANA database, which is kept current.
  const registered: string[] = [];
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtimezone.getFirstPropertyValue('tzid') ?? '');
    if (tzid && !isTimeZone(tzid) && !ICAL.TimezoneService.has(tzid)) {
      ICAL.TimezoneService.register(vtimezone);
      registered.push(tzid);
    }
  }
  try {
    const zoneOf: ZoneOf = (property) => {
      const tzid = property?.getParameter('tzid');
      const value = property?.getFirstValue() as ICAL.Time | undefined;
      return { ...(typeof tzid === 'string' ? { tzid } : {}), utc: value?.zone === ICAL.Timezone.utcTimezone };
    };
    const events = calendar.getAllSubcomponents('vevent').filter((e) => String(e.getFirstPropertyValue('status') ?? '').toUpperCase() !== 'CANCELLED');
    // Overrides of one occurrence (RECURRENCE-ID) belong to the event with the same UID.
    const masters = new Map<string, ICAL.Event>();
    const overrides: ICAL.Event[] = [];
    for (const component of events) {
      const event = new ICAL.Event(component);
      if (event.isRecurrenceException()) overrides.push(event);
      else masters.set(event.uid ?? `#${masters.size}`, event);
    }
    for (const override of overrides) masters.get(override.uid)?.relateException(override);
    const found: Occurrence[] = [];
    for (const [uid, event] of masters) {
      const label = `${where} event ${event.summary ?? uid}`;
      const zone = zoneOf(event.component.getFirstProperty('dtstart'));
      const convert = (time: ICAL.Time): Date => {
        if (time.isDate) return toUtc({ ...wallOf(time), hour: 0, minute: 0, second: 0 }, fallbackZone);
        if (zone.utc) return new Date(time.toUnixTime() * 1000);
        if (zone.tzid && isTimeZone(zone.tzid)) return toUtc(wallOf(time), zone.tzid);
        if (zone.tzid && ICAL.TimezoneService.has(zone.tzid)) return new Date(time.toUnixTime() * 1000);
        if (zone.tzid) throw new FreezeCalendarError(`${label}: TZID ${zone.tzid} is neither an IANA time zone nor defined by a VTIMEZONE in the file`);
        return toUtc(wallOf(time), fallbackZone);
      };
      const window = (start: ICAL.Time): Occurrence => {
        const details = event.getOccurrenceDetails(start);
        const from = convert(details.startDate);
        let to = convert(details.endDate);
        // An all-day event without DTEND lasts the day (RFC 5545 §3.6.1).
        if (to <= from && details.startDate.isDate) {
          const next = details.startDate.clone();
          next.adjust(1, 0, 0, 0);
          to = convert(next);
        }
        if (to < from) throw new FreezeCalendarError(`${label}: ends (${formatWall(wallOf(details.endDate))}) before it starts`);
        const summary = details.item.summary;
        return { start: from, end: to, ...(summary ? { summary } : {}) };
      };
      if (!event.startDate) throw new FreezeCalendarError(`${label}: no DTSTART`);
      found.push(...collect(eventStarts(event), window, horizon, label));
    }
    return found.sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
  } finally {
    for (const tzid of registered) ICAL.TimezoneService.remove(tzid);
  }
}
