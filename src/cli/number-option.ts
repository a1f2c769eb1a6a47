// Numeric options checked when commander parses them, so "--coverage abc" or "--timeout abc"
// fails at once with the option named and the value expected (commander prints "option
// '--timeout <seconds>' argument 'abc' is invalid. …") instead of becoming NaN further in:
// a coverage gate of NaN% passes everything, AbortSignal.timeout(NaN) throws a RangeError.
import { InvalidArgumentError } from 'commander';

// AbortSignal.timeout takes at most 2^32-1 ms; a day is more than any request here needs.
const MAX_SECONDS = 86_400;

function decimal(value: string): number | undefined {
  return /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
}

/** A percentage from 0 to 100 (decimals allowed), e.g. --coverage. */
export function percentOption(value: string): number {
  const n = decimal(value);
  if (n === undefined || n > 100) throw new InvalidArgumentError('expected a percentage from 0 to 100, e.g. 90');
  return n;
}

/** A positive number of seconds up to a day (decimals allowed), e.g. --timeout. */
export function secondsOption(value: string): number {
  const n = decimal(value);
  if (n === undefined || n <= 0 || n > MAX_SECONDS) throw new InvalidArgumentError(`expected a number of seconds greater than 0 and at most ${MAX_SECONDS}, e.g. 30`);
  return n;
}

/** A TCP port, 0 to 65535 (0 picks a free one), e.g. --port. */
export function portOption(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free one)');
  return Number(value);
}
