// The bytes OPA hashes for a structured bundle file (data.json, .manifest) when it signs
// or verifies a bundle (v1/bundle/hash.go): the document parsed with json.Number, then
// written with object keys sorted in byte order, no whitespace, strings encoded as Go's
// encoding/json does with HTML escaping off, and numbers kept as their original text.
// JSON.parse/JSON.stringify cannot reproduce this (they rewrite 1.0 as 1 and do not
// escape U+2028/U+2029), hence this small parser.
import { BundleError } from '../errors.js';

/**
 * Go's decoder refuses documents nested deeper than this (encoding/json scanner.go,
 * maxNestingDepth). The parser keeps open containers on its own stack rather than the
 * call stack, so a document that OPA accepts cannot overflow it.
 */
export const MAX_NESTING_DEPTH = 10_000;

/** A JSON number as RFC 8259 writes it; sticky, so it matches at `lastIndex` at any length. */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A container being read: an array's canonical items, or an object's by decoded key. */
type OpenContainer = { items: string[]; entries?: undefined } | { entries: Map<string, string>; key: string; items?: undefined };

export class CanonicalJsonError extends BundleError {
  override name = 'CanonicalJsonError';
  constructor(message: string) {
    super('bundle_json_invalid', message);
  }
}

/**
 * Reads a JSON text and returns its canonical text in one pass: scalars are written as
 * they are read, and each container is written when it closes, its members already
 * canonical.
 */
class Parser {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  canonicalDocument(): string {
    const open: OpenContainer[] = [];
    for (;;) {
      let value = this.valueOrOpen(open);
      if (value === undefined) continue;
      // A complete value: add it to its container, then close every container that ends.
      for (;;) {
        const top = open[open.length - 1];
        if (!top) {
          this.space();
          if (this.at !== this.text.length) this.fail('unexpected text after the JSON value');
          return value;
        }
        // A later duplicate key replaces an earlier one, as decoding into a Go map does.
        if (top.entries) top.entries.set(top.key, value);
        else top.items.push(value);
        this.space();
        const next = this.text[this.at++];
        if (next === ',') {
          if (top.entries) top.key = this.key();
          break;
        }
        const close = top.entries ? '}' : ']';
        if (next !== close) this.fail(`expected "," or "${close}"`);
        open.pop();
        value = top.entries ? writeObject(top.entries) : `[${top.items.join(',')}]`;
      }
    }
  }

  private fail(message: string): never {
    throw new CanonicalJsonError(`${message} at offset ${this.at}`);
  }

  private space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  /**
   * Reads a scalar or an empty container and returns its canonical text; or opens a
   * non-empty container, pushes it on `open` ready for its first value, and returns undefined.
   */
  private valueOrOpen(open: OpenContainer[]): string | undefined {
    this.space();
    const c = this.text[this.at];
    if (c === '[' || c === '{') {
      if (open.length + 1 > this.maxDepth) this.fail(`exceeded max depth (${this.maxDepth} nested arrays and objects)`);
      this.at++;
      this.space();
      if (this.text[this.at] === (c === '[' ? ']' : '}')) {
        this.at++;
        return c === '[' ? '[]' : '{}';
      }
      open.push(c === '[' ? { items: [] } : { entries: new Map(), key: this.key() });
      return undefined;
    }
    if (c === '"') return encodeGoString(this.string());
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return literal;
      }
    }
    NUMBER.lastIndex = this.at;
    const number = NUMBER.exec(this.text);
    if (!number) this.fail('expected a JSON value');
    this.at += number[0].length;
    return number[0];
  }

  /** An object key and the ":" after it. */
  private key(): string {
    this.space();
    if (this.text[this.at] !== '"') this.fail('expected an object key');
    const key = this.string();
    this.space();
    if (this.text[this.at] !== ':') this.fail('expected ":"');
    this.at++;
    return key;
  }

  /** Decodes a JSON string literal; lone surrogates become U+FFFD as in Go. */
  private string(): string {
    const start = this.at;
    let end = start + 1;
    let escaped = false;
    for (;;) {
      const c = this.text.charCodeAt(end);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        end++;
      } else if (c < 0x20) {
        this.fail('control character in string');
      }
      end++;
    }
    this.at = end + 1;
    if (!escaped) return replaceLoneSurrogates(this.text.slice(start + 1, end));
    let decoded: string;
    try {
      decoded = JSON.parse(this.text.slice(start, end + 1)) as string;
    } catch {
      this.fail('invalid string escape');
    }
    return replaceLoneSurrogates(decoded);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function replaceLoneSurrogates(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/;

/** A string as Go's encoding/json writes it with SetEscapeHTML(false). */
export function encodeGoString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (ch < ' ') out += '\\u00' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else if (ch === '\u2028') out += '\\u2028';
    else if (ch === '\u2029') out += '\\u2029';
    else out += ch;
  }
  return out + '"';
}

/**
 * Go sorts map keys as byte strings; for UTF-8 that is code point order. UTF-16 order is the
 * same except that surrogates (U+10000 and above) must sort after U+E000..U+FFFF, so when
 * both differing units are at or above U+D800 they are shifted into code point order.
 */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function writeObject(entries: Map<string, string>): string {
  const keys = [...entries.keys()].sort(compareCodePoints);
  return '{' + keys.map((k) => encodeGoString(k) + ':' + entries.get(k)!).join(',') + '}';
}

/** The canonical text OPA hashes for a structured file's content; `maxDepth` may be lower than Go's. */
export function canonicalJson(text: string, maxDepth = MAX_NESTING_DEPTH): string {
  return new Parser(text, Math.min(maxDepth, MAX_NESTING_DEPTH)).canonicalDocument();
}
