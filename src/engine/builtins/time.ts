// time.parse_rfc3339_ns: Go's time.Parse(time.RFC3339, s) as OPA v1.22.3 calls it, in exact nanoseconds.
import { rawJson } from './types.js';

// OPA refuses instants that time.Time.UnixNano cannot represent (topdown/time.go,
// toSafeUnixNano): the range is exactly that of an int64 count of nanoseconds.
const MIN_UNIX_NANOS = -(2n ** 63n);
const MAX_UNIX_NANOS = 2n ** 63n - 1n;

const NANOS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400n;

/** Wall-clock fields and UTC offset as Go's parser reads them, before range checks on the instant. */
interface ParsedTimestamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  offsetSeconds: number;
}

/**
 * Rego `time.parse_rfc3339_ns(value)`: nanoseconds since the Unix epoch as exact JSON text,
 * or undefined wherever OPA's builtin fails (non-string, unparsable, outside int64 ns).
 */
export function parseRfc3339Ns(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  const parsed = parseRfc3339Layout(value);
  if (parsed === undefined) return undefined;
  const nanos = toUnixNanos(parsed);
  if (nanos < MIN_UNIX_NANOS || nanos > MAX_UNIX_NANOS) return undefined;
  return rawJson(nanos.toString());
}

/**
 * Go's Parse first tries a strict RFC 3339 fast path (format_rfc3339.go) and, when that
 * fails, the generic layout parser (format.go, parse) with "2006-01-02T15:04:05Z07:00".
 * Everything the fast path accepts the generic parser accepts with the same instant, so
 * this follows the generic parser alone. Its leniencies, all observable in OPA:
 * - the hour ("15") may be one digit: "2024-01-01T7:00:00Z";
 * - a fractional second may follow the seconds with '.' or ',' and any number of
 *   digits; digits beyond the ninth are truncated, not rounded;
 * - the offset hour may be up to 24 and the offset minute up to 60 ("+24:60").
 * Its strictness: 'T' and 'Z' are upper case only, hour 24 and second 60 are refused,
 * and the day must exist in that month and (proleptic Gregorian) year.
 * Every byte it consumes is ASCII, so any other character refuses the string, which lets
 * UTF-16 indexing here stand in for Go's byte indexing.
 */
function parseRfc3339Layout(text: string): ParsedTimestamp | undefined {
  let at = 0;
  const isDigitAt = (i: number): boolean => i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57;
  const digitAt = (i: number): number => text.charCodeAt(i) - 48;
  const fixedTwoDigits = (): number | undefined => {
    if (!isDigitAt(at) || !isDigitAt(at + 1)) return undefined;
    const n = digitAt(at) * 10 + digitAt(at + 1);
    at += 2;
    return n;
  };
  const literal = (c: string): boolean => {
    if (text[at] !== c) return false;
    at += 1;
    return true;
  };

  // "2006": exactly four digits (stdLongYear), so years 0000..9999.
  if (!(isDigitAt(0) && isDigitAt(1) && isDigitAt(2) && isDigitAt(3))) return undefined;
  const year = digitAt(0) * 1000 + digitAt(1) * 100 + digitAt(2) * 10 + digitAt(3);
  at = 4;
  if (!literal('-')) return undefined;
  const month = fixedTwoDigits();
  if (month === undefined || month < 1 || month > 12) return undefined;
  if (!literal('-')) return undefined;
  // Any two digits here; the day is checked against the month once everything is parsed.
  const day = fixedTwoDigits();
  if (day === undefined || !literal('T')) return undefined;

  // "15" (stdHour) reads one or two digits.
  if (!isDigitAt(at)) return undefined;
  let hour = digitAt(at);
  at += 1;
  if (isDigitAt(at)) {
    hour = hour * 10 + digitAt(at);
    at += 1;
  }
  if (hour >= 24 || !literal(':')) return undefined;
  const minute = fixedTwoDigits();
  if (minute === undefined || minute >= 60 || !literal(':')) return undefined;
  const second = fixedTwoDigits();
  if (second === undefined || second >= 60) return undefined;

  // A fraction the layout does not mention: separator, then a maximal run of digits.
  let nanosecond = 0;
  if ((text[at] === '.' || text[at] === ',') && isDigitAt(at + 1)) {
    let end = at + 1;
    while (isDigitAt(end)) end += 1;
    const digits = text.slice(at + 1, Math.min(end, at + 10));
    nanosecond = Number(digits.padEnd(9, '0'));
    at = end;
  }

  // "Z07:00" (stdISO8601ColonTZ): 'Z', or sign, two digits, ':', two digits.
  let offsetSeconds = 0;
  if (text[at] === 'Z') {
    at += 1;
  } else {
    if (text.length - at < 6 || text[at + 3] !== ':') return undefined;
    const sign = text[at];
    at += 1;
    const offsetHour = fixedTwoDigits();
    at += 1;
    const offsetMinute = fixedTwoDigits();
    if (offsetHour === undefined || offsetMinute === undefined) return undefined;
    // Go compares with '>' on purpose: "some people do write offsets of 24 hours or 60 minutes".
    if (offsetHour > 24 || offsetMinute > 60) return undefined;
    if (sign !== '+' && sign !== '-') return undefined;
    offsetSeconds = (offsetHour * 60 + offsetMinute) * 60 * (sign === '-' ? -1 : 1);
  }
  if (at !== text.length) return undefined;

  if (day < 1 || day > daysInMonth(month, year)) return undefined;
  return { year, month, day, hour, minute, second, nanosecond, offsetSeconds };
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(month: number, year: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): bigint {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return BigInt(era * 146_097 + dayOfEra - 719_468);
}

function toUnixNanos(t: ParsedTimestamp): bigint {
  const seconds =
    daysFromCivil(t.year, t.month, t.day) * SECONDS_PER_DAY +
    BigInt(t.hour * 3600 + t.minute * 60 + t.second - t.offsetSeconds);
  return seconds * NANOS_PER_SECOND + BigInt(t.nanosecond);
}
