// Instants dfw reads from people (API query times, waiver expiries, policy example times):
// RFC 3339 §5.6 date-times, which always carry a zone. Date.parse alone is no check: it takes "1", reads
// "2026-12-20T00:00:00" in the server's local time and "2026-02-30T00:00:00Z" as 2 March.

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?([Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$/;

export type Rfc3339Reading = { ms: number } | { problem: 'no_zone' | 'not_rfc3339' };

/**
 * Milliseconds since the epoch, or why not: 'no_zone' for a date-time without Z or ±hh:mm
 * (its instant would be a guess), 'not_rfc3339' for anything else. A leap second (":60")
 * is refused: JavaScript time has none.
 */
export function readRfc3339(text: string): Rfc3339Reading {
  const match = DATE_TIME.exec(text);
  if (!match) return { problem: 'not_rfc3339' };
  // A day past the month's end rolls over in Date.parse; read back, the date differs.
  const midnight = Date.parse(`${match[1]}T00:00:00Z`);
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== match[1]) return { problem: 'not_rfc3339' };
  if (!match[2]) return { problem: 'no_zone' };
  return { ms: Date.parse(text.toUpperCase()) };
}
