// The real OPA binary, as the Makefile installed it, for oracle and build tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** Path to the pinned opa: $DFW_OPA, else the project-local tools folder. */
export function opaPath(): string {
  const fromEnv = process.env.DFW_OPA;
  if (fromEnv) return fromEnv;
  const local = join(ROOT, '.tools', 'bin', 'opa');
  if (!existsSync(local)) throw new Error(`opa not found at ${local}: run "make tools" first`);
  return local;
}

/**
 * The environment for `dfw policy …` in tests of what a build checks and writes, apart from
 * the optimizer: the pinned opa, and wasm-opt off. Optimizing takes about 7 s a build on the
 * 2-core CI machine and changes nothing these tests look at; the optimized module has its
 * own tests (wasm-optimize, differential, policy-repo), which build with it on.
 */
export function policyBuildEnv(): Record<string, string> {
  return { DFW_OPA: opaPath(), DFW_WASM_OPT: 'off' };
}

/** Runs opa with arguments; throws with opa's stderr when it fails. */
export function runOpa(args: string[], stdin?: string): string {
  return execFileSync(opaPath(), args, { input: stdin, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Runs opa and returns exit status and both streams, for tests that expect failure. */
export function tryOpa(args: string[], stdin?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(opaPath(), args, { input: stdin, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Evaluates a query with OPA's own interpreter (the oracle). Returns the value of the
 * first expression, or undefined when the query has no result.
 */
export function opaEvalValue(query: string, opts: { data?: string[]; bundle?: string; input?: unknown } = {}): unknown {
  const args = ['eval', '--format', 'json'];
  for (const d of opts.data ?? []) args.push('-d', d);
  if (opts.bundle) args.push('-b', opts.bundle);
  if (opts.input !== undefined) args.push('--stdin-input');
  args.push(query);
  const out = JSON.parse(runOpa(args, opts.input === undefined ? undefined : JSON.stringify(opts.input)));
  const result = out.result as Array<{ expressions: Array<{ value: unknown }> }> | undefined;
  if (!result || result.length === 0) return undefined;
  return result[0]!.expressions[0]!.value;
}
