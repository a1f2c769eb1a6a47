// Reading report JSON at the boundary: parse errors with line and column, and typed field
// reads whose errors name the field's path ("Results[0].Vulnerabilities must be an array").
import { ReportParseError, type ReportKind } from './types.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "an object", "the number 9", "the string \"x\"": what a value is, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    default:
      return typeof value;
  }
}

/**
 * Field reads for one report format; every failure is a ReportParseError naming the path.
 * Declare instances with an explicit type (`const fields: ReportFields = …`): TypeScript
 * only narrows after a call to a never-returning method such as fail() when it is.
 */
export class ReportFields {
  constructor(readonly format: ReportKind) {}

  fail(message: string, cause?: unknown): never {
    throw new ReportParseError(this.format, message, cause === undefined ? undefined : { cause });
  }

  object(value: unknown, path: string): JsonObject {
    if (!isObject(value)) this.fail(`${path} must be an object, not ${describeValue(value)}`);
    return value;
  }

  /** An object, or undefined when absent or null. */
  optionalObject(value: unknown, path: string): JsonObject | undefined {
    return value === undefined || value === null ? undefined : this.object(value, path);
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${path} must be an array, not ${describeValue(value)}`);
    return value;
  }

  /** An array, or [] when absent or null (tools omit or null out empty lists). */
  optionalArray(value: unknown, path: string): unknown[] {
    return value === undefined || value === null ? [] : this.array(value, path);
  }

  /** A non-empty string. */
  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(`${path} must be a string, not ${describeValue(value)}`);
    if (value === '') this.fail(`${path} must not be empty`);
    return value;
  }

  /** A string, or undefined when absent, null or empty. */
  optionalString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') this.fail(`${path} must be a string, not ${describeValue(value)}`);
    return value;
  }
}

const FORMAT_NAMES: Record<ReportKind, string> = {
  trivy: 'Trivy JSON',
  grype: 'Grype JSON',
  sarif: 'SARIF',
  cyclonedx: 'CycloneDX JSON',
  spdx: 'SPDX JSON',
  slsa: 'in-toto/SLSA provenance',
  review: 'security review',
  attestation: 'DSSE envelope or Sigstore bundle',
  scorecard: 'OpenSSF Scorecard JSON',
};

/** Which report kind a parsed document looks like, to point at the right --kind on a mismatch. */
export function guessReportKind(document: unknown): ReportKind | undefined {
  if (!isObject(document)) return undefined;
  if ('SchemaVersion' in document && ('Results' in document || 'ArtifactName' in document)) return 'trivy';
  if ('matches' in document && ('descriptor' in document || 'source' in document)) return 'grype';
  if ('runs' in document && (typeof document.version === 'string' || typeof document.$schema === 'string')) return 'sarif';
  if (document.bomFormat === 'CycloneDX') return 'cyclonedx';
  if ('spdxVersion' in document) return 'spdx';
  if ('predicateType' in document || 'payloadType' in document || 'dsseEnvelope' in document) return 'slsa';
  if ('state' in document && ('reviewer' in document || 'completed_at' in document)) return 'review';
  if ('checks' in document && 'repo' in document) return 'scorecard';
  return undefined;
}

/** " (it looks like a Grype JSON report: push it as kind grype)", or "" when no better guess. */
export function kindHint(expected: ReportKind, document: unknown): string {
  const guess = guessReportKind(document);
  return guess && guess !== expected ? ` (it looks like a ${FORMAT_NAMES[guess]} report: push it as kind ${guess})` : '';
}

export function formatName(kind: ReportKind): string {
  return FORMAT_NAMES[kind];
}

/**
 * Parses report text as JSON. A syntax error becomes a ReportParseError naming the line,
 * column and offset of the first bad character: V8's JSON.parse names a position for some
 * errors only ("Unexpected token 'a', "abc" is not valid JSON" has none), so the position
 * comes from findJsonSyntaxError instead.
 */
export function parseJson(format: ReportKind, text: string, what = 'the report'): unknown {
  // A UTF-8 byte order mark (PowerShell's Out-File writes one) is not JSON but is harmless.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new ReportParseError(format, `${what} is empty; expected ${formatName(format)}`);
  try {
    return JSON.parse(body);
  } catch (err) {
    const error = findJsonSyntaxError(body) ?? { offset: 0, problem: (err as Error).message };
    const before = body.slice(0, error.offset).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    const start = body.trimStart();
    const hint = start.startsWith('<')
      ? ` (this looks like XML; dfw reads the JSON form of ${formatName(format)})`
      : /^SPDXVersion:/i.test(start)
        ? ' (this looks like SPDX tag-value; dfw reads SPDX JSON)'
        : '';
    throw new ReportParseError(
      format,
      `${what} is not valid JSON: ${error.problem} at line ${line}, column ${column} (offset ${error.offset})${hint}`,
      { cause: err },
    );
  }
}

/**
 * Finds the first JSON syntax error in text (RFC 8259), as an offset and a short reason, or
 * undefined if the text is valid JSON. Iterative, so deeply nested input cannot overflow the
 * stack; only run after JSON.parse has failed.
 */
export function findJsonSyntaxError(text: string): { offset: number; problem: string } | undefined {
  let i = 0;
  const stack: Array<'object' | 'array'> = [];
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const found = (problem: string) => ({ offset: i, problem });
  const unexpected = () => (i >= text.length ? found('unexpected end of input') : found(`unexpected character ${JSON.stringify(text[i])}`));

  // Scans one string starting at the opening quote; returns an error or undefined.
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return found('control character in string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return found('bad \\u escape in string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return e === undefined ? found('unterminated string') : found(`bad escape \\${e} in string`);
        }
      } else {
        i++;
      }
    }
    return found('unterminated string');
  };

  // Scans one scalar or opens a container; returns an error or undefined.
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? 'object' : 'array');
      i++;
      return undefined;
    }
    if (c === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return undefined;
      }
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (number && number[0] !== '-' && number[0] !== '') {
      i += number[0].length;
      return undefined;
    }
    return unexpected();
  };

  let error = value();
  if (error) return error;
  // After each value: either a container just opened, or we close / continue containers.
  let justOpened = stack.length > 0;
  for (;;) {
    if (stack.length === 0) {
      ws();
      return i < text.length ? found(`unexpected ${JSON.stringify(text[i])} after the end of the document`) : undefined;
    }
    const top = stack[stack.length - 1]!;
    ws();
    const close = top === 'object' ? '}' : ']';
    if (text[i] === close) {
      i++;
      stack.pop();
      justOpened = false;
      continue;
    }
    if (!justOpened) {
      if (text[i] !== ',') return i >= text.length ? unexpected() : found(`expected ',' or '${close}'`);
      i++;
      ws();
    }
    if (top === 'object') {
      if (text[i] !== '"') return i >= text.length ? unexpected() : found('expected a property name in double quotes');
      error = string();
      if (error) return error;
      ws();
      if (text[i] !== ':') return i >= text.length ? unexpected() : found("expected ':' after the property name");
      i++;
    }
    const depth = stack.length;
    error = value();
    if (error) return error;
    justOpened = stack.length > depth;
  }
}
