// The console's date inputs (<input type="datetime-local">) carry no zone: the console
// says UTC beside them and reads them as UTC.

/** "2026-12-01T14:30" (or with seconds, or a full RFC 3339 time) -> Date; undefined when empty or unreadable. */
export function fromLocalInput(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const withZone = /[zZ]|[+-]\d{2}:\d{2}$/.test(text) ? text : `${text.length === 16 ? `${text}:00` : text}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** A Date as datetime-local text in UTC. */
export function toLocalInput(at: Date): string {
  return at.toISOString().slice(0, 16);
}
