// The one strict JSON reader for bytes from outside (check requests, evidence, waivers,
// AdmissionReviews, GitHub deliveries). JSON.parse accepts things that make one body mean
// two things to two readers, so a validating scan runs first and refuses, with the field
// path and offset: invalid UTF-8, a byte order mark, duplicate keys (JSON.parse keeps the
// last, other parsers the first), lone UTF-16 surrogates (they do not survive a round trip
// through UTF-8, so the log and the policy would see different text), numbers a double
// cannot hold (1e400 becomes Infinity, then null in the log), and nesting deeper than a
// limit (the evaluator recurses over the input). The scan keeps open containers on its own
// stack, so no input can overflow the call stack. Only then does JSON.parse build the value.
import { InvalidInputError, UnsupportedMediaTypeError } from '../shared/errors.js';

/**
 * Deepest nesting accepted, counting the outermost object as 1. Real reports and
 * AdmissionReviews nest at most 14 (the deepest fixture, a SARIF file); the check request
 * is nested two more levels inside the input document.
 */
export const MAX_JSON_DEPTH = 64;

export interface StrictJsonOptions {
  maxDepth?: number;
  /** What the body is, for messages: "the body", "the report". */
  what?: string;
}

type Frame = { object: true; key: string; keys: Map<string, number> } | { object: false; index: number };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The nesting limit to apply: the default for one that is not a number (NaN would mean none). */
function depthLimit(maxDepth: number | undefined): number {
  return maxDepth === undefined || Number.isNaN(maxDepth) ? MAX_JSON_DEPTH : maxDepth;
}

/** The dotted path of the value being read: "evidence.workflows[0].path", "body" at the top. */
function pathOf(stack: Frame[]): string {
  let path = '';
  for (const frame of stack) {
    if (frame.object) path += /^[A-Za-z_][\w-]*$/.test(frame.key) ? (path ? '.' : '') + frame.key : `[${JSON.stringify(frame.key)}]`;
    else path += `[${frame.index}]`;
  }
  return path || 'body';
}

/** A path that stays readable when the input nests thousands of levels deep. */
function shortPath(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 100)}…`;
}

class Scanner {
  private at = 0;
  private readonly stack: Frame[] = [];
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly what: string,
  ) {}

  private refuse(code: string, message: string, field = pathOf(this.stack)): never {
    const shown = shortPath(field);
    throw new InvalidInputError(code, `${this.what} was refused: ${shown === 'body' ? '' : `${shown}: `}${message}`, [{ field: shown, message }]);
  }

  private syntax(problem: string): never {
    const at = this.at >= this.text.length ? 'at the end' : `at offset ${this.at}`;
    this.refuse('invalid_json', `is not valid JSON: ${problem} ${at}`);
  }

  private space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  /** Reads a string at the opening quote; returns its decoded value only when `decode`. */
  private string(decode: boolean): string {
    const start = this.at++;
    const text = this.text;
    let escaped = false;
    for (;;) {
      if (this.at >= text.length) this.syntax('unterminated string');
      const c = text.charCodeAt(this.at);
      if (c === 0x22) break;
      if (c < 0x20) this.syntax('control character in a string (escape it)');
      if (c === 0x5c) {
        escaped = true;
        const e = text[this.at + 1];
        if (e === 'u') {
          const unit = this.hex(this.at + 2);
          this.at += 6;
          if (unit >= 0xdc00 && unit <= 0xdfff) this.loneSurrogate(unit, start);
          if (unit >= 0xd800 && unit <= 0xdbff) {
            const low = text.startsWith('\\u', this.at) ? this.hex(this.at + 2) : -1;
            if (low < 0xdc00 || low > 0xdfff) this.loneSurrogate(unit, start);
            this.at += 6;
          }
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.syntax(`bad escape \\${e ?? ''} in a string`);
        this.at += 2;
        continue;
      }
      // A surrogate in the text itself (possible only when the text did not come from UTF-8).
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(this.at + 1);
        if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) this.loneSurrogate(c, start);
        this.at += 2;
        continue;
      }
      this.at++;
    }
    this.at++;
    if (!decode) return '';
    const raw = text.slice(start + 1, this.at - 1);
    return escaped ? (JSON.parse(text.slice(start, this.at)) as string) : raw;
  }

  private hex(at: number): number {
    const digits = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) {
      this.at = at;
      this.syntax('bad \\u escape in a string');
    }
    return parseInt(digits, 16);
  }

  private loneSurrogate(unit: number, start: number): never {
    this.refuse(
      'json_lone_surrogate',
      `a string holds a lone UTF-16 surrogate \\u${unit.toString(16).padStart(4, '0')} (offset ${start}); JSON text must be valid Unicode`,
    );
  }

  private number(): void {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (!match) this.syntax(`unexpected character ${JSON.stringify(this.text[this.at])}`);
    const token = match[0];
    if (!Number.isFinite(Number(token))) {
      this.refuse('json_number_out_of_range', `the number ${token.length > 40 ? `${token.slice(0, 40)}…` : token} (offset ${this.at}) is too large for a 64-bit floating-point number`);
    }
    this.at += token.length;
  }

  /** Reads an object key and the colon after it; refuses a key the object already has. */
  private key(frame: Frame & { object: true }): void {
    this.space();
    if (this.text[this.at] !== '"') this.syntax('expected a string key');
    const offset = this.at;
    const key = this.string(true);
    frame.key = key;
    const first = frame.keys.get(key);
    if (first !== undefined) {
      this.refuse('json_duplicate_key', `the key appears twice in one object (offsets ${first} and ${offset}); dfw refuses duplicate keys rather than guess which one counts`);
    }
    frame.keys.set(key, offset);
    this.space();
    if (this.text[this.at] !== ':') this.syntax('expected ":" after an object key');
    this.at++;
  }

  private open(object: boolean): boolean {
    if (this.stack.length >= this.maxDepth) {
      this.refuse('json_too_deep', `nests deeper than ${this.maxDepth} levels, the limit (offset ${this.at})`);
    }
    const close = object ? '}' : ']';
    this.at++;
    this.space();
    const frame: Frame = object ? { object: true, key: '', keys: new Map() } : { object: false, index: 0 };
    this.stack.push(frame);
    if (this.text[this.at] === close) {
      this.at++;
      this.stack.pop();
      return false;
    }
    if (frame.object) this.key(frame);
    return true;
  }

  /** Reads one value; true when it opened a container whose first member comes next. */
  private value(): boolean {
    this.space();
    const c = this.text[this.at];
    if (c === '{' || c === '[') return this.open(c === '{');
    if (c === '"') this.string(false);
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else {
      const literal = LITERALS.find((l) => this.text.startsWith(l, this.at));
      if (!literal) this.syntax(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
      this.at += literal.length;
    }
    return false;
  }

  scan(): void {
    for (;;) {
      if (this.value()) continue;
      // A complete value: move on in its container, closing every container that ends.
      for (;;) {
        this.space();
        const top = this.stack[this.stack.length - 1];
        if (!top) {
          if (this.at !== this.text.length) this.syntax('unexpected text after the JSON value');
          return;
        }
        const next = this.text[this.at];
        if (next === ',') {
          this.at++;
          if (top.object) this.key(top);
          else top.index++;
          break;
        }
        if (next !== (top.object ? '}' : ']')) this.syntax(`expected "," or "${top.object ? '}' : ']'}"`);
        this.at++;
        this.stack.pop();
      }
    }
  }
}

/** Refuses what JSON.parse would accept but dfw will not (see the file comment); returns nothing. */
export function validateStrictJson(text: string, options: StrictJsonOptions = {}): void {
  const what = options.what ?? 'the body';
  if (text.charCodeAt(0) === 0xfeff) {
    const message = 'starts with a byte order mark (U+FEFF), which JSON text must not (RFC 8259 §8.1); save the file as UTF-8 without BOM';
    throw new InvalidInputError('json_bom', `${what} was refused: ${message}`, [{ field: 'body', message }]);
  }
  if (text.trim() === '') {
    const message = 'is empty; expected a JSON value';
    throw new InvalidInputError('invalid_json', `${what} ${message}`, [{ field: 'body', message }]);
  }
  new Scanner(text, depthLimit(options.maxDepth), what).scan();
}

/** Every string token, and whether a colon follows it (then it is an object key). */
const STRING_TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?/g;
/** A surrogate as text or as a \uD8xx–\uDFxx escape: the scanner judges whether it is paired. */
const MAYBE_SURROGATE = /[\ud800-\udfff]|\\u[dD][89a-fA-F]/;

/**
 * Whether the text spells exactly `kept` object keys (JSON.parse kept `kept`, fewer than the
 * text spells when a key repeats). First one pass over the colons (indexOf of one character,
 * about five times cheaper on a typical body than a regular expression): where no colon has
 * whitespace before it, every key's closing quote is followed by its colon, so counting `":`
 * misses no key; it can only count more (a string that opens with a colon, an escaped quote
 * before one), and equal to `kept` it proves that no key repeats. Otherwise the tokenizing
 * expression counts exactly.
 */
export function spellsKeysExactly(text: string, kept: number): boolean {
  if (quotedColons(text, kept) === kept) return true;
  let count = 0;
  STRING_TOKEN.lastIndex = 0;
  for (let token = STRING_TOKEN.exec(text); token; token = STRING_TOKEN.exec(text)) if (token[1] !== undefined) count++;
  return count === kept;
}

/** How many colons follow a quote (stopping past `limit`); -1 when one follows whitespace. */
function quotedColons(text: string, limit: number): number {
  let count = 0;
  for (let at = text.indexOf(':'); at >= 0 && count <= limit; at = text.indexOf(':', at + 1)) {
    const before = text.charCodeAt(at - 1);
    if (before === 0x22) count++;
    else if (before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09) return -1;
  }
  return count;
}

/**
 * The object keys under `node` (its own included), or -1 when it nests deeper than
 * `maxDepth` or holds a number a double cannot hold. Recursive: only called with a depth
 * limit small enough for the call stack (parseWithoutScanning).
 */
function keysWithin(node: object, depth: number, maxDepth: number): number {
  if (depth > maxDepth) return -1;
  let kept = 0;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const below = childKeys(node[i], depth, maxDepth);
      if (below < 0) return -1;
      kept += below;
    }
    return kept;
  }
  // Own keys only: an enumerable key inherited from a polluted prototype must not count.
  const keys = Object.keys(node);
  for (let i = 0; i < keys.length; i++) {
    const below = childKeys((node as Record<string, unknown>)[keys[i]!], depth, maxDepth);
    if (below < 0) return -1;
    kept += below + 1;
  }
  return kept;
}

/** The object keys a child holds (none for a scalar); -1 for a number beyond a double, so the scanner decides. */
function childKeys(child: unknown, depth: number, maxDepth: number): number {
  if (typeof child === 'number') return Number.isFinite(child) ? 0 : -1;
  return typeof child === 'object' && child !== null ? keysWithin(child, depth + 1, maxDepth) : 0;
}

/** Deeper limits than this leave the fast path to the scanner, whose stack is its own. */
const FAST_PATH_MAX_DEPTH = 256;

/**
 * The common case in native code: JSON.parse builds the value, spellsKeysExactly compares
 * the object keys the text spells with those a walk of the value counts
 * (fewer when a key repeats, since JSON.parse keeps the last), its depth and its numbers.
 * Returns undefined whenever anything could be wrong — a parse error, a key count that
 * differs, a surrogate, a number beyond a double, too deep — and the scanner then decides
 * and names the problem. Reading a typical check request this way costs a quarter of the
 * scanner's time.
 */
function parseWithoutScanning(text: string, maxDepth: number): { value: unknown } | undefined {
  if (maxDepth > FAST_PATH_MAX_DEPTH || MAYBE_SURROGATE.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // JSON.parse accepts nesting the scanner would refuse: keysWithin stops at maxDepth.
  const kept = childKeys(value, 0, maxDepth);
  return kept >= 0 && spellsKeysExactly(text, kept) ? { value } : undefined;
}

/** Strictly validated JSON text to a value. */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): unknown {
  const maxDepth = depthLimit(options.maxDepth);
  const fast = text.charCodeAt(0) === 0xfeff ? undefined : parseWithoutScanning(text, maxDepth);
  if (fast) return fast.value;
  validateStrictJson(text, options);
  return JSON.parse(text);
}

/** UTF-8 bytes to text, refusing invalid UTF-8 (a replacement character would change the text). */
export function decodeStrictUtf8(bytes: Uint8Array, what = 'the body'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (err) {
    const offset = firstInvalidUtf8(bytes);
    const message = `is not valid UTF-8 (first bad byte at offset ${offset}); JSON must be UTF-8 (RFC 8259 §8.1)`;
    throw new InvalidInputError('invalid_utf8', `${what} ${message}`, [{ field: 'body', message }], { cause: err });
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The longest valid prefix, found by bisection with the fatal decoder (stream mode allows
  // a sequence cut at the end).
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return low;
}

/** Strict UTF-8 bytes to a strictly validated value. */
export function parseStrictJsonBytes(bytes: Uint8Array, options: StrictJsonOptions = {}): unknown {
  return parseStrictJson(decodeStrictUtf8(bytes, options.what), options);
}

/**
 * 415 unless Content-Type names one of `accepted` (exact media types, case-insensitive) and
 * any charset is UTF-8. A suffix such as application/vnd.api+json is its own format with its
 * own rules, not plain JSON, so it is accepted only where a route lists it.
 */
export function checkJsonMediaType(header: string | undefined, accepted: readonly string[] = ['application/json']): void {
  const type = header ?? '';
  const [essence = '', ...parameters] = type.split(';');
  const mediaType = essence.trim().toLowerCase();
  if (!accepted.includes(mediaType)) {
    const wanted = accepted.map((a) => `Content-Type: ${a}`).join(' or ');
    throw new UnsupportedMediaTypeError('unsupported_media_type', `the body must be JSON (${wanted}), got ${type ? `"${type}"` : 'no Content-Type'}`);
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new UnsupportedMediaTypeError('unsupported_charset', `JSON must be UTF-8 (RFC 8259 §8.1), but Content-Type says charset=${charset}: send UTF-8, with charset=utf-8 or no charset`);
    }
  }
}
