// ical.js time zones backed by the IANA database (luxon, Node's ICU). ical.js compares times
// by their instants (Time#compare → toUnixTime → zone.utcOffset); with a real zone behind a
// TZID, an UNTIL, EXDATE, RDATE or RECURRENCE-ID written in UTC meets a local DTSTART as
// RFC 5545 §3.3.10 and §3.8.5 intend, instead of as a floating wall-clock time.
import ICAL from 'ical.js';
import { toUtc } from './zones.js';

/** An ical.js Timezone whose offsets come from the IANA database, with zones.ts's DST rules. */
export class IanaTimezone extends ICAL.Timezone {
  constructor(tzid: string) {
    super({ tzid });
  }

  /** Seconds to add to UTC to get the wall-clock time `time` (which is read in this zone). */
  override utcOffset(time: ICAL.Time): number {
    const wall = { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
    const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
    return (asUtc - toUtc(wall, this.tzid).getTime()) / 1000;
  }
}

/**
 * Makes ical.js read the given IANA TZIDs with the IANA database while `use` runs, whatever
 * a file's VTIMEZONE says (an exported VTIMEZONE may carry rules decades old). ical.js looks a
 * TZID up in the calendar's own VTIMEZONEs first, so those must be gone from the calendar;
 * then in TimezoneService, which is global: the previous entries are put back afterwards.
 */
export function withIanaZones<T>(tzids: Iterable<string>, use: () => T): T {
  const previous = new Map<string, ICAL.Timezone | null>();
  for (const tzid of tzids) {
    const known = ICAL.TimezoneService.has(tzid) ? ICAL.TimezoneService.get(tzid) : null;
    // UTC, Z and GMT are ical.js's own UTC zone, which it writes with a trailing Z.
    if (previous.has(tzid) || known === ICAL.Timezone.utcTimezone) continue;
    previous.set(tzid, known);
    ICAL.TimezoneService.register(new IanaTimezone(tzid), tzid);
  }
  try {
    return use();
  } finally {
    for (const [tzid, known] of previous) {
      if (known) ICAL.TimezoneService.register(known, tzid);
      else ICAL.TimezoneService.remove(tzid);
    }
  }
}
