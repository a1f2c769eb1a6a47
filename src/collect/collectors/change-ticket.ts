// evidence.change_ticket as rules read it, and change-window times as RFC 3339 UTC, the
// form rules parse with time.parse_rfc3339_ns.
import { CollectorFailure } from './http.js';

export interface ChangeTicket {
  id: string;
  system: 'servicenow' | 'jira';
  /** "approved", or the system's own state in lower case ("authorize", "in progress"…). */
  state: string;
  approved_by?: string[];
  window?: { start?: string; end?: string };
}

/**
 * A state that is not approved must never read as "approved": rules compare the text, so a
 * custom ServiceNow state or an unmapped Jira status that happens to be called "Approved"
 * is reported with a note instead.
 */
export function unapprovedState(name: string): string {
  return name.trim().toLowerCase() === 'approved' ? `${name} (not counted as approved)` : name;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * A ServiceNow glide_date_time value ("2026-11-28 14:00:00"). The Table API returns raw
 * values in UTC, whatever the user's time zone; display values are in the user's zone and
 * format, which is why dfw reads the raw ones.
 */
export function fromServiceNow(value: string, what: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value.trim());
  const ms = m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
  if (Number.isNaN(ms)) throw new CollectorFailure(`${what} "${value}" is not a ServiceNow date-time (YYYY-MM-DD hh:mm:ss)`);
  return rfc3339(ms);
}

/**
 * A Jira date-time ("2026-11-28T14:00:00.000+0000", the API's form, or any RFC 3339 time)
 * or date ("2026-11-28"). A date alone opens the window at 00:00:00Z when it is the start
 * and closes it at 23:59:59Z when it is the end.
 */
export function fromJira(value: string, what: string, bound: 'start' | 'end'): string {
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T${bound === 'start' ? '00:00:00' : '23:59:59'}Z`);
    if (!Number.isNaN(ms)) return rfc3339(ms);
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/i.exec(text);
  if (m) {
    const offset = m[2]!.toUpperCase() === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
    const ms = Date.parse(`${m[1]}${offset}`);
    if (!Number.isNaN(ms)) return rfc3339(ms);
  }
  throw new CollectorFailure(`${what} "${value}" is not a date-time such as 2026-11-28T14:00:00.000+0000`);
}
