// The checks an .ics event passes before it is expanded, and how messages name it: ical.js
// decodes values lazily and its errors name neither the file nor the event.
import type ICAL from 'ical.js';
import { FreezeCalendarError } from './errors.js';

/** The date-time properties of a VEVENT that may carry a TZID. */
export const TIME_PROPERTIES = ['dtstart', 'dtend', 'due', 'rdate', 'exdate', 'recurrence-id'] as const;

/** How a message names an event: `team.ics event "Offsite" (UID offsite-1@acme.example)`. */
export function describe(component: ICAL.Component, where: string): string {
  const summary = component.getFirstPropertyValue('summary');
  const uid = component.getFirstPropertyValue('uid');
  // The override's RECURRENCE-ID as written: decoding it could be what fails.
  const recurrenceId = component.getFirstProperty('recurrence-id')?.toICALString();
  const ids = [uid ? `UID ${String(uid)}` : '', recurrenceId ?? ''].filter(Boolean).join(', ');
  return `${where} event ${summary ? JSON.stringify(String(summary)) : '(no SUMMARY)'}${ids ? ` (${ids})` : ''}`;
}

/**
 * Every TZID the event uses must be an IANA name or defined by a VTIMEZONE in the file;
 * every value must parse.
 */
export function checkEvent(component: ICAL.Component, label: string, isTimeZone: (name: string) => boolean, defined: Set<string>): void {
  for (const name of TIME_PROPERTIES) {
    for (const property of component.getAllProperties(name)) {
      const tzid = property.getParameter('tzid');
      if (typeof tzid === 'string' && !isTimeZone(tzid) && !defined.has(tzid)) {
        throw new FreezeCalendarError(`${label}: ${name.toUpperCase()} has TZID ${JSON.stringify(tzid)}, which is neither an IANA time zone nor defined by a VTIMEZONE in the file`);
      }
    }
  }
  for (const property of component.getAllProperties()) {
    try {
      property.getValues();
    } catch (err) {
      throw new FreezeCalendarError(`${label}: ${property.name.toUpperCase()}: ${(err as Error).message}`, { cause: err });
    }
  }
}
