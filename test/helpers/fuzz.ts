// Generators for the fuzz tests (fast-check): structural mutations of a real JSON document
// (a subtree replaced, removed, or swapped for a raw fragment JSON.parse would accept but
// dfw must refuse), byte-level mutations of its text (truncation, flipped and inserted
// bytes), and meaning-preserving variants (unknown fields added, keys reordered, whitespace,
// \u escapes) that must be decided exactly as the original. Seeds are fixed per surface.
import fc from 'fast-check';

/** Cases per surface: a modest number in `make test`, DFW_FUZZ_RUNS=10000 in `make fuzz`. */
export const FUZZ_RUNS = Number(process.env.DFW_FUZZ_RUNS ?? 60);

/** A fixed seed per surface (DFW_FUZZ_SEED shifts them all, to explore further). */
export function fuzzSeed(surface: string): number {
  let hash = Number(process.env.DFW_FUZZ_SEED ?? 18);
  for (const char of surface) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/** Counts answers by status (or outcome), for the report. */
export class Tally {
  readonly counts = new Map<string, number>();
  cases = 0;
  add(outcome: string | number): void {
    this.cases++;
    this.counts.set(String(outcome), (this.counts.get(String(outcome)) ?? 0) + 1);
  }
}

/** Prints the figure `make fuzz` reports: cases, what they got, and no violation (a violation fails the test first). */
export function report(surface: string, tally: Tally): void {
  const outcomes = [...tally.counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}: ${n}`).join(', ');
  console.log(`fuzz: ${surface}: ${tally.cases} cases (${outcomes}), 0 violations`);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

function pathsOf(value: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...at, i], out));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) pathsOf(item, [...at, key], out);
  return out;
}

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  let parent = root as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = value;
  return root;
}

/** Raw JSON text JSON.parse accepts (or nearly) that dfw must refuse or survive. */
const RAW_FRAGMENTS = [
  '1e400', '-1e400', '"\\ud800pay"', '"\\udfff"', '"a\\u0000b"', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`, '{"protected":false,"protected":true}', '123456789012345678901234567890', '"\u202etxt.exe"', '""', '{}', '[]', '-0', '1E-400',
];

const RAW = '\u0000__dfw_fuzz_raw__';

const mutationOp = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'replace', 'remove', 'raw', 'string'),
  value: fc.jsonValue({ maxDepth: 3 }),
  raw: fc.constantFrom(...RAW_FRAGMENTS),
  text: fc.string({ unit: 'binary', maxLength: 40 }),
});

/** The document with 1–3 subtrees changed, as JSON text. */
export function jsonMutation(base: unknown): fc.Arbitrary<string> {
  return fc.array(mutationOp, { minLength: 1, maxLength: 3 }).map((ops) => {
    let doc = structuredClone(base) as Json;
    const raws: string[] = [];
    for (const op of ops) {
      const paths = pathsOf(doc);
      const path = paths[op.at % paths.length]!;
      if (op.kind === 'remove' && path.length > 0) doc = setAt(doc, path, undefined);
      else if (op.kind === 'raw') {
        raws.push(op.raw);
        doc = setAt(doc, path, `${RAW}${raws.length - 1}`);
      } else if (op.kind === 'string') doc = setAt(doc, path, op.text);
      else doc = setAt(doc, path, op.value as Json);
    }
    return JSON.stringify(doc).replace(/"\\u0000__dfw_fuzz_raw__(\d+)"/g, (_, i: string) => raws[Number(i)]!);
  });
}

/** The text's UTF-8 bytes truncated, flipped, or with bytes inserted. */
export function byteMutation(text: string): fc.Arbitrary<Uint8Array<ArrayBuffer>> {
  const bytes = new TextEncoder().encode(text);
  const op = fc.record({ at: fc.nat(), kind: fc.constantFrom('truncate', 'flip', 'insert'), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) });
  return fc.array(op, { minLength: 1, maxLength: 3 }).map((ops) => {
    let out = bytes.slice();
    for (const { at, kind, bytes: inserted } of ops) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'truncate') out = out.slice(0, i);
      else if (kind === 'flip' && out.length > 0) out[i] = inserted[0]!;
      else out = new Uint8Array([...out.slice(0, i), ...inserted, ...out.slice(i)]);
    }
    return out as Uint8Array<ArrayBuffer>;
  });
}

/** Escapes some characters of strings as \uXXXX: the same text to any JSON reader. */
function escapeSome(json: string, every: number): string {
  let out = '';
  let inString = false;
  let count = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString && c === '\\') {
      out += c + json[++i]!;
      continue;
    }
    if (c === '"') inString = !inString;
    else if (inString && ++count % every === 0) {
      out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      continue;
    }
    out += c;
  }
  return out;
}

function withUnknownFields(doc: Json, picks: number[], names: string[], values: Json[]): Json {
  const objects = pathsOf(doc).filter((p) => {
    let v: Json = doc;
    for (const s of p) v = (v as Record<string | number, Json>)[s]!;
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  picks.forEach((pick, i) => {
    let target = doc as Record<string, Json>;
    for (const s of objects[pick % objects.length]!) target = (target as unknown as Record<string | number, Record<string, Json>>)[s]!;
    target[`x_fuzz_${names[i]}`] = values[i]!;
  });
  return doc;
}

function shuffleKeys(doc: Json, seed: number): Json {
  if (Array.isArray(doc)) return doc.map((d) => shuffleKeys(d, seed));
  if (!doc || typeof doc !== 'object') return doc;
  const keys = Object.keys(doc).sort((a, b) => ((a.length * 7919 + seed) % 13) - ((b.length * 7919 + seed) % 13) || (a < b ? -1 : 1));
  return Object.fromEntries(keys.map((k) => [k, shuffleKeys((doc as Record<string, Json>)[k]!, seed)]));
}

/** Variants that mean the same request: unknown fields, key order, whitespace, escapes. */
export function meaningPreserving(base: unknown): fc.Arbitrary<string> {
  return fc
    .record({
      picks: fc.array(fc.nat(), { maxLength: 4 }),
      names: fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/), { minLength: 4, maxLength: 4 }),
      values: fc.array(fc.jsonValue({ maxDepth: 4 }), { minLength: 4, maxLength: 4 }),
      seed: fc.nat(100),
      indent: fc.constantFrom(0, 1, 2, '\t', ' \n '),
      escapeEvery: fc.constantFrom(0, 3, 7, 50),
    })
    .map(({ picks, names, values, seed, indent, escapeEvery }) => {
      const doc = shuffleKeys(withUnknownFields(structuredClone(base) as Json, picks, names, values as Json[]), seed);
      const text = JSON.stringify(doc, null, indent === ' \n ' ? undefined : indent);
      const spaced = indent === ' \n ' ? text.replace(/([,:[{])/g, '$1 \n ') : text;
      return escapeEvery ? escapeSome(spaced, escapeEvery) : spaced;
    });
}
