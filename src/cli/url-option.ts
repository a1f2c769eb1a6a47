// URL options (--server, --bundle-url): checked when parsed, so a value without a scheme is
// named with its option and what was expected instead of surfacing later as "Invalid URL".
import { InvalidArgumentError } from 'commander';

/** A commander argParser accepting only absolute http:// or https:// URLs. */
export function httpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const hint = /^[\w.-]+(:\d+)?(\/|$)/.test(value) ? ` (did you mean http://${value}?)` : '';
    throw new InvalidArgumentError(`"${value}" is not an http:// or https:// URL${hint}`);
  }
  return value;
}
