// Reads a check request from a file or standard input: JSON, or YAML (a .yaml/.yml file, or
// text that does not start like JSON), naming line and column on errors.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { CliError } from './exit-codes.js';

function position(text: string, message: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return '';
  const offset = Number(at[1]);
  const before = text.slice(0, offset).split('\n');
  return ` (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
}

/** YAML when the file says so by its name, or when the text cannot be meant as JSON. */
function isYaml(path: string, text: string): boolean {
  return /\.ya?ml$/i.test(path) || !/^\s*[[{"]/.test(text);
}

export function readDocument(path: string, what: string): unknown {
  const name = path === '-' ? '(standard input)' : path;
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`${what} ${name} cannot be read: ${(err as Error).message}`);
  }
  if (text.trim() === '') throw new CliError(`${what} ${name} is empty: expected a JSON or YAML document`);
  if (isYaml(path, text)) {
    try {
      // JSON_SCHEMA: plain YAML scalars only, so "no" stays a string and dates stay text.
      return yaml.load(text, { filename: name, schema: yaml.JSON_SCHEMA });
    } catch (err) {
      throw new CliError(`${what} ${name} is neither valid JSON nor valid YAML: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    throw new CliError(`${what} ${name} is not valid JSON: ${message}${position(text, message)}`);
  }
}
