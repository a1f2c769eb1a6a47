// Masks secrets in a document before it is logged. A path is dot-separated keys, matched
// case-insensitively: `*` alone is any one key or array index, `*` inside a key is any run of
// characters (`*_token`), `**` is any number of levels. Arrays are crossed transparently:
// `evidence.workflows.path` reaches the path of every workflow.
import { StoreInputError } from './errors.js';

export const MASK = '***';

/**
 * Masked on every recorded input. Exact key names (or `_`-suffixed ones), never broad
 * substrings: masking evidence a rule reads would make replays differ, e.g. a workflow's
 * `id-token: write` permission must stay readable.
 */
export const DEFAULT_MASK_PATHS: readonly string[] = [
  '**.token',
  '**.*_token',
  '**.password',
  '**.*_password',
  '**.passwd',
  '**.secret',
  '**.*_secret',
  '**.authorization',
  '**.proxy-authorization',
  '**.api_key',
  '**.*_api_key',
  '**.apikey',
  '**.x-api-key',
  '**.private_key',
  '**.cookie',
  '**.set-cookie',
  '**.credentials',
];

type Segment = { kind: 'deep' } | { kind: 'any' } | { kind: 'key'; pattern: RegExp; index?: number };

const compiled = new Map<string, Segment[]>();

/** Parses a mask path; throws StoreInputError for an empty segment or a trailing `**`. */
export function compileMaskPath(path: string): Segment[] {
  const cached = compiled.get(path);
  if (cached) return cached;
  const parts = path.split('.');
  if (parts.some((p) => p === '')) throw new StoreInputError(`mask path "${path}" has an empty segment`);
  if (parts[parts.length - 1] === '**') throw new StoreInputError(`mask path "${path}" cannot end with **`);
  const segments = parts.map((part): Segment => {
    if (part === '**') return { kind: 'deep' };
    if (part === '*') return { kind: 'any' };
    const escaped = part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    const index = /^\d+$/.test(part) ? Number(part) : undefined;
    return { kind: 'key', pattern: new RegExp(`^${escaped}$`, 'i'), ...(index === undefined ? {} : { index }) };
  });
  compiled.set(path, segments);
  return segments;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** Masks, in place, what `segments[i..]` reaches from inside `node`. */
function maskWithin(node: unknown, segments: Segment[], i: number): void {
  if (!isContainer(node)) return;
  const segment = segments[i]!;
  const last = i === segments.length - 1;
  const children: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, k) => [k, v]) : Object.entries(node);

  if (segment.kind === 'deep') {
    maskWithin(node, segments, i + 1); // `**` as zero levels
    for (const [, child] of children) maskWithin(child, segments, i); // and as one more
    return;
  }
  if (Array.isArray(node) && !(segment.kind === 'any' || segment.index !== undefined)) {
    for (const element of node) maskWithin(element, segments, i); // arrays are crossed
    return;
  }
  for (const [key, child] of children) {
    const matches =
      segment.kind === 'any' || (typeof key === 'number' ? key === segment.index : segment.pattern.test(key));
    if (!matches) continue;
    if (last) {
      // null and absent carry no secret; keeping them shows that none was sent.
      if (child !== null && child !== undefined) (node as Record<string | number, unknown>)[key] = MASK;
    } else {
      maskWithin(child, segments, i + 1);
    }
  }
}

/** Masks, in place, every value under a key that `keys` matches, at any depth. */
function maskKeysAnywhere(node: unknown, keys: KeyMatcher): void {
  if (!isContainer(node)) return;
  if (Array.isArray(node)) {
    for (const element of node) maskKeysAnywhere(element, keys);
    return;
  }
  for (const key of Object.keys(node)) {
    const child = node[key];
    if (keys.test(key)) {
      if (child !== null && child !== undefined) node[key] = MASK;
    } else maskKeysAnywhere(child, keys);
  }
}

interface KeyMatcher {
  test(key: string): boolean;
}

/** Distinct keys remembered per path list: enough for any real input, bounded against odd ones. */
const REMEMBERED_KEYS = 4096;

/**
 * The expression's answers remembered per key: a decision's input repeats a few dozen keys
 * thousands of times (5,000 findings), and the alternation of 17 default patterns cost 2 % of
 * the server thread on such a check.
 */
function rememberingMatcher(pattern: RegExp): KeyMatcher {
  const answers = new Map<string, boolean>();
  return {
    test(key) {
      let answer = answers.get(key);
      if (answer === undefined) {
        answer = pattern.test(key);
        if (answers.size >= REMEMBERED_KEYS) answers.clear();
        answers.set(key, answer);
      }
      return answer;
    },
  };
}

/**
 * `**.<key>` paths (all the defaults) are folded into one pattern applied in a single walk:
 * walking the whole input once per path made masking cost more than evaluating the policy
 * (docs/performance.md).
 */
function anywhereKeys(programs: Segment[][]): { keys: KeyMatcher | undefined; rest: Segment[][] } {
  const sources: string[] = [];
  const rest: Segment[][] = [];
  for (const segments of programs) {
    const [first, second] = segments;
    if (segments.length === 2 && first!.kind === 'deep' && second!.kind === 'key' && second!.index === undefined) sources.push(second!.pattern.source);
    else rest.push(segments);
  }
  return { keys: sources.length ? rememberingMatcher(new RegExp(sources.map((x) => `(?:${x})`).join('|'), 'i')) : undefined, rest };
}

// Every decision is masked with the same paths: fold them once per list, not per call.
const folded = new Map<string, ReturnType<typeof anywhereKeys>>();

function foldPaths(paths: readonly string[]): ReturnType<typeof anywhereKeys> {
  const key = paths.join('\u0000');
  let plan = folded.get(key);
  if (!plan) folded.set(key, (plan = anywhereKeys(paths.map(compileMaskPath))));
  return plan;
}

/** Whether a key `keys` matches holds a value (not null) anywhere in `node`: what masking would change. */
function hasKeyAnywhere(node: unknown, keys: KeyMatcher): boolean {
  if (!isContainer(node)) return false;
  if (Array.isArray(node)) {
    for (const element of node) if (hasKeyAnywhere(element, keys)) return true;
    return false;
  }
  for (const key in node) {
    const child = node[key];
    if (child === undefined) continue;
    if ((child !== null && keys.test(key)) || hasKeyAnywhere(child, keys)) return true;
  }
  return false;
}

/** A copy of `input` (JSON data) with every value reached by `paths` replaced by "***". */
export function maskSecrets<T>(input: T, paths: readonly string[]): T {
  const { keys, rest } = foldPaths(paths);
  if (!isContainer(input)) return input;
  const copy = structuredClone(input);
  if (keys) maskKeysAnywhere(copy, keys);
  for (const segments of rest) maskWithin(copy, segments, 0);
  return copy;
}

/**
 * JSON text of `input` masked as maskSecrets would, in one pass: when every path is a
 * `**.<key>` (the defaults), a JSON.stringify replacer masks on the way out, with no copy of
 * the document and no second walk (about three times cheaper on a typical input; the
 * decision log does this for every check). Other paths take the copy-and-walk route.
 */
export function serializeMasked(input: unknown, paths: readonly string[], written?: string): string {
  const { keys, rest } = foldPaths(paths);
  if (rest.length > 0 || !isContainer(input)) return JSON.stringify(maskSecrets(input, paths));
  if (!keys) return written ?? JSON.stringify(input);
  // The text the caller already wrote, when nothing in it is a secret: one walk over the keys
  // costs a fraction of writing the document again.
  if (written !== undefined && !hasKeyAnywhere(input, keys)) return written;
  let root = true;
  return JSON.stringify(input, function (this: unknown, key: string, value: unknown) {
    // The root is never masked (it has no key); array indices are not keys to match.
    if (root) {
      root = false;
      return value;
    }
    return value !== null && value !== undefined && !Array.isArray(this) && keys.test(key) ? MASK : value;
  });
}
