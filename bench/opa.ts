// The OPA side: `opa bench` on the same policy and input document, `opa eval` to check
// that both evaluators reach the same decision, and `opa build` for the signed bundles.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './inputs.js';
import { median } from './stats.js';

export const OPA = process.env.DFW_OPA ?? '.tools/bin/opa';
export const QUERY = 'data.firewall.decision';
/** rego/ holds the *_test.rego files too; the bundles leave them out (Makefile), and so does OPA here. */
export const POLICY_ARGS = ['-d', 'rego', '--ignore', '*_test.rego'];

/** Runs opa in the project root; returns stdout, throws with stderr. */
export function runOpa(args: string[], options: { maxBuffer?: number; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(OPA, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024, env: options.env ?? process.env });
}

export interface GoBenchmarkResult {
  N: number;
  T: number;
  MemAllocs: number;
  MemBytes: number;
  Extra: Record<string, number>;
}

/** `opa bench --format json --count n` prints n JSON objects one after the other. */
function splitJsonObjects(text: string): unknown[] {
  const objects: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' && depth++ === 0) start = i;
    else if (c === '}' && --depth === 0) objects.push(JSON.parse(text.slice(start, i + 1)));
  }
  return objects;
}

export interface OpaBenchFigures {
  runs: number;
  /** Total iterations over all runs. */
  iterations: number;
  /** Median over runs of ns/op (T/N), as ms. */
  msPerOp: number;
  perSecond: number;
  /** Median over runs of the query-eval timer's histogram percentiles, ms. */
  p50Ms: number;
  p99Ms: number;
  allocsPerOp: number;
  bytesPerOp: number;
}

/**
 * `opa bench --count <count>`: one result per run. Go's benchmark loop: each run grows N
 * until it lasts about 1 s. The rego_query_eval histogram covers the evaluation only; ns/op
 * also includes preparing each evaluation (converting the input document, which `opa bench`
 * parsed from the file once).
 */
export function opaBenchRuns(inputFile: string, count: number): GoBenchmarkResult[] {
  const args = ['bench', '--format', 'json', '--count', String(count), ...POLICY_ARGS, '--input', inputFile, QUERY];
  const results = splitJsonObjects(runOpa(args)) as GoBenchmarkResult[];
  if (results.length === 0) throw new Error('opa bench printed no result');
  return results;
}

/** Medians over runs, from one `opa bench --count` or several single runs. */
export function opaBenchFigures(results: GoBenchmarkResult[]): OpaBenchFigures {
  const msPerOp = median(results.map((r) => r.T / r.N / 1e6));
  const hist = (key: string) => median(results.map((r) => (r.Extra[`histogram_timer_rego_query_eval_ns_${key}`] ?? Number.NaN) / 1e6));
  return {
    runs: results.length,
    iterations: results.reduce((n, r) => n + r.N, 0),
    msPerOp,
    perSecond: 1000 / msPerOp,
    p50Ms: hist('median'),
    p99Ms: hist('99%'),
    allocsPerOp: median(results.map((r) => r.MemAllocs / r.N)),
    bytesPerOp: median(results.map((r) => r.MemBytes / r.N)),
  };
}

/** OPA's interpreter's answer for the same input document, for the same-decision check. */
export function opaDecision(inputFile: string): { allow: boolean; deny: Record<string, unknown[]>; warn: Record<string, unknown[]>; waived: unknown[] } {
  const out = JSON.parse(runOpa(['eval', '--format', 'json', ...POLICY_ARGS, '--input', inputFile, QUERY])) as {
    result?: Array<{ expressions: Array<{ value: never }> }>;
  };
  const value = out.result?.[0]?.expressions[0]?.value;
  if (!value) throw new Error(`opa eval gave no decision for ${inputFile}`);
  return value;
}

/**
 * The Makefile's Wasm bundle: opa builds it unsigned, scripts/optimize-bundle.ts runs its
 * policy through wasm-opt (when installed; it warns otherwise) and signs it with `opa sign`.
 * Returns the commands, each with its program first.
 */
export function buildWasmBundle(revision: string, keyFile: string | undefined, out: string): string[][] {
  const plain = `${out}.plain`;
  const commands = [
    [OPA, 'build', '-t', 'wasm', '-e', 'firewall/decision', '--capabilities', 'wasm/capabilities.json', '--ignore', '*_test.rego', '--revision', revision, '-o', plain, '--bundle', 'rego'],
    ['node', '--import', 'tsx', 'scripts/optimize-bundle.ts', '--opa', OPA, ...(keyFile ? ['--signing-key', keyFile, '--signing-alg', 'RS256'] : []), plain, out],
  ];
  for (const [program, ...args] of commands) execFileSync(program!, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(resolve(ROOT, plain), { force: true });
  return commands;
}

/** The bundle build of the Makefile (Wasm target for dfw, Rego target for OPA), signed when a key is given. */
export function buildBundles(keyFile: string | undefined, wasmOut: string, regoOut?: string): string[][] {
  const commands = buildWasmBundle('bench', keyFile, wasmOut);
  if (regoOut) {
    const args = ['build', '--ignore', '*_test.rego', '--revision', 'bench', ...(keyFile ? ['--signing-key', keyFile, '--signing-alg', 'RS256'] : []), '-o', regoOut, '--bundle', 'rego'];
    runOpa(args);
    commands.push([OPA, ...args]);
  }
  return commands;
}
