// Binaryen's wasm-opt over the policy OPA compiled. OPA emits its Wasm without inlining, and
// Node 20's V8 does not inline one Wasm function into another, so every rule, every value
// lookup and every allocation stays a call; wasm-opt inlines the small ones and optimizes the
// result (docs/performance-changes.md, sixteenth round: about 10 % more evaluations per
// second on the typical check). It is an optimization only: the module keeps OPA's ABI
// (imports, exports) and decides the same (test/wasm-optimize.test.ts and the differential
// test run the optimized bundle).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PolicyBuildError, WasmOptUnusableError } from './errors.js';

/**
 * -O3 with inlining of functions up to 300 bytes (40 always), loops included: measured
 * against -O2, -O3, -O4 and inlining alone on the rule pack (the round above), this was as
 * fast as any and takes about 7 s on two cores. The features are those OPA's module uses.
 */
const WASM_OPT_FLAGS: readonly string[] = [
  '-O3',
  '--inline-functions-with-loops',
  '--flexible-inline-max-function-size', '300',
  '--always-inline-max-function-size', '40',
  '--enable-bulk-memory', '--enable-sign-ext', '--enable-mutable-globals', '--enable-nontrapping-float-to-int',
];

export interface WasmOptimizer {
  path: string;
  /** `wasm-opt --version`, e.g. "wasm-opt version 108". */
  version: string;
}

/** Why the policy was not optimized: the build says so, and ships OPA's module as it is. */
export interface NotOptimized {
  skipped: string;
  /** True when wasm-opt was wanted but not found: the build warns. */
  missing?: boolean;
}

/** A wasm-opt pass over the largest policy takes seconds; this long means it hangs. */
const OPTIMIZE_TIMEOUT_MS = 10 * 60 * 1000;
const VERSION_TIMEOUT_MS = 30 * 1000;

const WASM_OPT_INSTALL_HINT = 'install Binaryen (apt-get install binaryen, brew install binaryen) or set DFW_WASM_OPT to its wasm-opt';

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: VERSION_TIMEOUT_MS });
  return r.status === 0 && /wasm-opt/.test(r.stdout) ? r.stdout.trim() : undefined;
}

/**
 * DFW_WASM_OPT when set (a path, or "off" for none), else wasm-opt on PATH. A DFW_WASM_OPT
 * that does not run is an error, not a silent fallback: whoever set it expects it used.
 */
export function findWasmOpt(env: NodeJS.ProcessEnv = process.env): WasmOptimizer | NotOptimized {
  const configured = env.DFW_WASM_OPT;
  if (configured === 'off') return { skipped: 'DFW_WASM_OPT=off' };
  if (configured) {
    const version = versionOf(configured);
    if (!version) throw new WasmOptUnusableError(`DFW_WASM_OPT=${configured} is not a runnable wasm-opt (\`${configured} --version\` failed); ${WASM_OPT_INSTALL_HINT}, or set DFW_WASM_OPT=off`);
    return { path: configured, version };
  }
  const refused: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, 'wasm-opt');
    if (!existsSync(path)) continue;
    const version = versionOf(path);
    if (version) return { path, version };
    refused.push(path);
  }
  const where = refused.length ? `${refused.join(', ')} did not answer --version` : 'wasm-opt is not on PATH';
  return { skipped: `${where} (${WASM_OPT_INSTALL_HINT}, for about 10 % more evaluations per second)`, missing: true };
}

export function isOptimizer(found: WasmOptimizer | NotOptimized): found is WasmOptimizer {
  return 'path' in found;
}

/** The module optimized. Throws PolicyBuildError with wasm-opt's message when it refuses. */
export function optimizeWasm(optimizer: WasmOptimizer, module: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-wasm-opt-'));
  try {
    const input = join(dir, 'policy.wasm');
    const output = join(dir, 'policy.opt.wasm');
    writeFileSync(input, module);
    const r = spawnSync(optimizer.path, [...WASM_OPT_FLAGS, input, '-o', output], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: OPTIMIZE_TIMEOUT_MS });
    const failure = r.error?.message ?? (r.status !== 0 ? (r.stderr || r.stdout).trim() || `exit ${r.status}` : !existsSync(output) ? 'it wrote no module' : undefined);
    if (failure) throw new PolicyBuildError(`${optimizer.path} could not optimize policy.wasm: ${failure}; set DFW_WASM_OPT=off (or pass --no-optimize) to build without it`);
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
