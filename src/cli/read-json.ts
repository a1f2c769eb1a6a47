// Reads a JSON document from a file or standard input, naming line and column on errors.
import { readFileSync } from 'node:fs';
import { CliError } from './exit-codes.js';

function position(text: string, message: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return '';
  const offset = Number(at[1]);
  const before = text.slice(0, offset).split('\n');
  return ` (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`${what} ${path === '-' ? '(standard input)' : path} cannot be read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    throw new CliError(`${what} ${path === '-' ? '(standard input)' : path} is not valid JSON: ${message}${position(text, message)}`);
  }
}
