// The windows of an .ics import: every VEVENT, one-off or recurring (RRULE, RDATE, EXDATE,
// RECURRENCE-ID overrides), each occurrence in UTC, clipped to the horizon. A TZID that is
// an IANA name is read with the IANA database (ical-zones.ts), so ical.js compares an UNTIL,
// EXDATE, RDATE or RECURRENCE-ID written in UTC with the local DTSTART as instants (RFC 5545).
import ICAL from 'ical.js';
import { FreezeCalendarError } from './errors.js';
import { checkEvent, describe, TIME_PROPERTIES } from './ics-checks.js';
import { withIanaZones } from './ical-zones.js';
import { anchorUntil, collect, instantOf, overlaps, wallOf, type Horizon, type Occurrence } from './occurrences.js';
import { formatWall, toUtc } from './zones.js';

/**
 * The scheduled starts of a recurring event (RRULE or RDATE). RFC 5545 §3.8.5.2 counts
 * DTSTART as the first instance; ical.js leaves it out when there is RDATE but no RRULE, so
 * it is put back (unless an EXDATE removes it) and not given twice.
 */
function recurringStarts(event: ICAL.Event): () => ICAL.Time | undefined {
  const iterator = event.iterator();
  const component = event.component;
  const start = event.startDate;
  if (component.hasProperty('rrule')) return () => iterator.next() ?? undefined;
  const excluded = component.getAllProperties('exdate').some((p) => p.getValues().some((v) => (v as ICAL.Time).compare(start) === 0));
  let first: ICAL.Time | undefined = excluded ? undefined : start;
  return () => {
    if (first) {
      const t = first;
      first = undefined;
      return t;
    }
    for (;;) {
      const next = iterator.next() ?? undefined;
      if (!next || next.compare(start) !== 0) return next;
    }
  };
}

function isCancelled(component: ICAL.Component): boolean {
  return String(component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

/** An .ics file's events (VEVENT), each occurrence a window; cancelled events and occurrences are left out. */
export function icsOccurrences(text: string, fallbackZone: string, horizon: Horizon, where: string, isTimeZone: (name: string) => boolean): Occurrence[] {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (err) {
    throw new FreezeCalendarError(`${where}: not an iCalendar file: ${(err as Error).message}`, { cause: err });
  }
  if (calendar.name !== 'vcalendar') throw new FreezeCalendarError(`${where}: not an iCalendar file (no VCALENDAR)`);
  // A VTIMEZONE serves only a TZID that is not an IANA name (Outlook's "W. Europe Standard
  // Time"); an IANA name is converted with the IANA database, which is kept current.
  const defined = new Set<string>();
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtimezone.getFirstPropertyValue('tzid') ?? '');
    if (isTimeZone(tzid)) calendar.removeSubcomponent(vtimezone);
    else if (tzid) defined.add(tzid);
  }
  const components = calendar.getAllSubcomponents('vevent');
  const ianaTzids = new Set<string>();
  for (const component of components) {
    for (const name of TIME_PROPERTIES) {
      for (const property of component.getAllProperties(name)) {
        const tzid = property.getParameter('tzid');
        if (typeof tzid === 'string' && isTimeZone(tzid)) ianaTzids.add(tzid);
      }
    }
  }
  return withIanaZones(ianaTzids, () => {
    // All-day and floating times belong to no zone: they are read in the import's time_zone.
    const convert = (time: ICAL.Time): Date =>
      time.isDate ? toUtc({ ...wallOf(time), hour: 0, minute: 0, second: 0 }, fallbackZone) : time.zone === ICAL.Timezone.localTimezone ? toUtc(wallOf(time), fallbackZone) : instantOf(time);
    const window = (label: string, details: { startDate: ICAL.Time; endDate: ICAL.Time; summary: string | undefined }): Occurrence => {
      const from = convert(details.startDate);
      let to = convert(details.endDate);
      // An all-day event without DTEND lasts the day (RFC 5545 §3.6.1).
      if (to <= from && details.startDate.isDate) {
        const next = details.startDate.clone();
        next.adjust(1, 0, 0, 0);
        to = convert(next);
      }
      if (to < from) throw new FreezeCalendarError(`${label}: ends (${formatWall(wallOf(details.endDate))}) before it starts`);
      return { start: from, end: to, ...(details.summary ? { summary: details.summary } : {}) };
    };
    const labels = new Map<ICAL.Component, string>();
    for (const component of components) {
      const label = describe(component, where);
      labels.set(component, label);
      checkEvent(component, label, isTimeZone, defined);
      if (!component.hasProperty('dtstart')) throw new FreezeCalendarError(`${label}: no DTSTART`);
    }
    // An override of one occurrence (RECURRENCE-ID) belongs to the event with the same UID;
    // one whose series is not in the file stands alone (RFC 5545 §3.8.4.4).
    const series: ICAL.Event[] = [];
    const byUid = new Map<string, ICAL.Event>();
    const overrides: ICAL.Event[] = [];
    for (const component of components) {
      const event = new ICAL.Event(component);
      if (event.isRecurrenceException()) overrides.push(event);
      else {
        series.push(event);
        if (event.uid) byUid.set(event.uid, event);
      }
    }
    const single: ICAL.Event[] = [];
    for (const override of overrides) {
      const master = byUid.get(override.uid);
      if (master) master.relateException(override);
      else single.push(override);
    }
    const found: Occurrence[] = [];
    for (const event of [...series, ...single]) {
      const label = labels.get(event.component)!;
      // A cancelled series is left out whole; a cancelled override removes its one occurrence.
      if (isCancelled(event.component)) continue;
      try {
        // An event that happens once (most of a holiday calendar): its own start and end.
        if (!event.isRecurring() || event.isRecurrenceException()) {
          const only = window(label, { startDate: event.startDate, endDate: event.endDate, summary: event.summary });
          if (overlaps(only, horizon)) found.push(only);
          continue;
        }
        for (const rrule of event.component.getAllProperties('rrule')) anchorUntil(rrule.getFirstValue() as ICAL.Recur, event.startDate);
        const occurrence = (start: ICAL.Time): Occurrence | undefined => {
          const details = event.getOccurrenceDetails(start);
          if (isCancelled(details.item.component)) return undefined;
          return window(label, { startDate: details.startDate, endDate: details.endDate, summary: details.item.summary });
        };
        found.push(...collect(recurringStarts(event), convert, occurrence, horizon, label, event.component.hasProperty('rrule')));
      } catch (err) {
        if (err instanceof FreezeCalendarError) throw err;
        throw new FreezeCalendarError(`${label}: ${(err as Error).message}`, { cause: err });
      }
    }
    return found.sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
  });
}
