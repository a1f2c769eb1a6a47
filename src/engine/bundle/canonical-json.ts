// The bytes OPA hashes for a structured bundle file (data.json, .manifest) when it signs
// or verifies a bundle (v1/bundle/hash.go): the document parsed with json.Number, then
// written with object keys sorted in byte order, no whitespace, strings encoded as Go's
// encoding/json does with HTML escaping off, and numbers kept as their original text.
// JSON.parse/JSON.stringify cannot reproduce this (they rewrite 1.0 as 1 and do not
// escape U+2028/U+2029), hence this small parser.

type Canonical = { kind: 'raw'; text: string } | { kind: 'array'; items: Canonical[] } | { kind: 'object'; entries: Map<string, Canonical> };

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  parseDocument(): Canonical {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private fail(message: string): never {
    throw new CanonicalJsonError(`${message} at offset ${this.at}`);
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  private value(): Canonical {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { kind: 'raw', text: encodeGoString(this.string()) };
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return { kind: 'raw', text: literal };
      }
    }
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at, this.at + 1024));
    if (!number) this.fail('expected a JSON value');
    this.at += number[0].length;
    return { kind: 'raw', text: number[0] };
  }

  private object(): Canonical {
    this.at++; // {
    // A later duplicate key replaces an earlier one, as decoding into a Go map does.
    const entries = new Map<string, Canonical>();
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected an object key');
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ':') this.fail('expected ":"');
      this.at++;
      entries.set(key, this.value());
      this.space();
      const next = this.text[this.at++];
      if (next === '}') return { kind: 'object', entries };
      if (next !== ',') this.fail('expected "," or "}"');
    }
  }

  private array(): Canonical {
    this.at++; // [
    const items: Canonical[] = [];
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.space();
      const next = this.text[this.at++];
      if (next === ']') return { kind: 'array', items };
      if (next !== ',') this.fail('expected "," or "]"');
    }
  }

  /** Decodes a JSON string literal; lone surrogates become U+FFFD as in Go. */
  private string(): string {
    const start = this.at;
    let end = start + 1;
    for (;;) {
      const c = this.text[end];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') break;
      if (c === '\\') end++;
      else if (c < ' ') this.fail('control character in string');
      end++;
    }
    this.at = end + 1;
    let decoded: string;
    try {
      decoded = JSON.parse(this.text.slice(start, end + 1)) as string;
    } catch {
      this.fail('invalid string escape');
    }
    return replaceLoneSurrogates(decoded);
  }
}

function replaceLoneSurrogates(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A string as Go's encoding/json writes it with SetEscapeHTML(false). */
export function encodeGoString(s: string): string {
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

/** Go sorts map keys as byte strings; for UTF-8 that is code point order, not UTF-16 order. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function write(value: Canonical): string {
  switch (value.kind) {
    case 'raw':
      return value.text;
    case 'array':
      return '[' + value.items.map(write).join(',') + ']';
    case 'object':
      return '{' + [...value.entries.keys()].sort(compareCodePoints).map((k) => encodeGoString(k) + ':' + write(value.entries.get(k)!)).join(',') + '}';
  }
}

/** The canonical text OPA hashes for a structured file's content. */
export function canonicalJson(text: string): string {
  return write(new Parser(text).parseDocument());
}
