// parseStrictJson reads the common body with JSON.parse and a key count (parseWithoutScanning)
// and leaves anything doubtful to the scanner. This checks the two readers agree: on every
// real JSON file the project holds (examples, shared fixtures), the value equals JSON.parse's;
// and the same files with one key repeated, a repeated key spelled with escapes, a number
// beyond a double or a lone surrogate are refused with the scanner's own codes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStrictJson, spellsKeysExactly, validateStrictJson } from '../src/api/strict-json.js';
import { DfwError } from '../src/shared/errors.js';

const fast = suite('strict-json fast path');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

const files = [...jsonFiles('examples'), ...jsonFiles('../shared/fixtures')].filter((file) => {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
});

function refusalCode(text: string): string | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (err) {
    assert.instance(err, DfwError);
    return (err as DfwError).code;
  }
}

fast('every real file reads to what JSON.parse gives', () => {
  assert.ok(files.length > 60, `found ${files.length} JSON files`);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    assert.equal(parseStrictJson(text), JSON.parse(text), file);
  }
});

fast('one repeated key anywhere in a real file is refused', () => {
  let tried = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // Repeat the first member of the object that a key at several places in the file opens.
    const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)];
    for (const match of [keys[0], keys[Math.floor(keys.length / 2)], keys[keys.length - 1]]) {
      if (!match) continue;
      const start = match.index!;
      // The member's value ends where JSON.parse of a growing prefix of the rest succeeds.
      const rest = text.slice(start + match[0].length);
      let end = 1;
      while (end <= rest.length && !isValue(rest.slice(0, end))) end++;
      if (end > rest.length) continue;
      const member = `${match[0]}${rest.slice(0, end)}`;
      const repeated = `${text.slice(0, start)}${member},${text.slice(start)}`;
      assert.is(refusalCode(repeated), 'json_duplicate_key', `${file}: ${match[1]}`);
      tried++;
    }
  }
  assert.ok(tried > 100, `${tried} repeated keys tried`);
});

function isValue(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

fast('repeats spelled differently, and what JSON.parse accepts wrongly, are refused', () => {
  assert.is(refusalCode('{"a":1,"\\u0061":2}'), 'json_duplicate_key');
  assert.is(refusalCode('{"x":{"a\\"b":1,"a\\"b":2},"y":[]}'), 'json_duplicate_key');
  assert.is(refusalCode('{"k": ":", "k" : 2}'), 'json_duplicate_key');
  assert.is(refusalCode('["a", ":", {"a": 1}]'), undefined);
  assert.is(refusalCode('{"n": 1e400}'), 'json_number_out_of_range');
  assert.is(refusalCode('{"s": "\\ud800"}'), 'json_lone_surrogate');
  assert.is(refusalCode('{"s": "\\ud83d\\ude00"}'), undefined);
  assert.is(refusalCode('\ufeff{}'), 'json_bom');
  assert.is(refusalCode(`${'['.repeat(65)}${']'.repeat(65)}`), 'json_too_deep');
  assert.is(refusalCode(`${'['.repeat(64)}${']'.repeat(64)}`), undefined);
});

fast('a depth limit deeper than the fast path walks leaves the body to the scanner', () => {
  const deep = `${'{"a":'.repeat(299)}{"a":1,"a":2}${'}'.repeat(299)}`;
  assert.throws(() => parseStrictJson(deep, { maxDepth: 1000 }), (err: DfwError) => err.code === 'json_duplicate_key');
  // Deeper than any call stack: the fast path's walk recurses, so only the 256-level guard
  // keeps it from this one (without the guard, a RangeError).
  const deepest = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
  assert.ok(Array.isArray(parseStrictJson(deepest, { maxDepth: 1e9 })));
  // A limit that is not a number is the default one, never no limit at all.
  assert.throws(() => parseStrictJson(deepest, { maxDepth: Number.NaN }), (err: DfwError) => err.code === 'json_too_deep');
  assert.throws(() => validateStrictJson(deepest, { maxDepth: Number.NaN }), (err: DfwError) => err.code === 'json_too_deep');
});

fast('the key count is exact whether or not a colon follows a quote inside a string or a key is spaced from its colon', () => {
  // [text, keys JSON.parse keeps, whether the text spells exactly that many]
  const cases: Array<[string, number, boolean]> = [
    ['{"a":1,"b":2}', 2, true],
    ['{"addr":":8080"}', 1, true], // a string that opens with a colon
    ['{":k":1}', 1, true],
    ['{"a":"q\\":","b":1}', 2, true], // an escaped quote before a colon
    ['{"a" :1,"b":2}', 2, true],
    ['{"a":":x","a":1}', 1, false],
    ['{"a" :1,"b":2,"a":3}', 2, false], // counting `":` alone would miss the spaced key
    ['{":k":1,":k":2}', 1, false],
    // Spaced by a newline or a tab: the colons that follow a quote are as many as the keys kept.
    ['{"a":1,"a"\n:2,"b":3}', 2, false],
    ['{"a":1,"a"\t:2,"b":3}', 2, false],
    ['{"a":1,"a"\r\n:2,"b":3}', 2, false],
    ['{"a":"x :y","b":1}', 2, true], // a spaced colon inside a string: counted exactly
  ];
  for (const [text, kept, exact] of cases) assert.is(spellsKeysExactly(text, kept), exact, text);
  for (const [text, , exact] of cases) {
    if (exact) assert.equal(parseStrictJson(text), JSON.parse(text), text);
    else assert.is(refusalCode(text), 'json_duplicate_key', text);
  }
});

fast('a key inherited from a polluted Object.prototype does not hide a repeated one', () => {
  Object.defineProperty(Object.prototype, 'polluted', { value: 1, enumerable: true, configurable: true });
  try {
    assert.is(refusalCode('{"a":1,"a":2}'), 'json_duplicate_key');
    assert.equal(parseStrictJson('{"a":1,"b":{"c":2}}'), { a: 1, b: { c: 2 } });
  } finally {
    delete (Object.prototype as Record<string, unknown>).polluted;
  }
});

fast.run();
