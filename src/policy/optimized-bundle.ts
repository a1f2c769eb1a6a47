// The Wasm bundle OPA built, its policy run through wasm-opt, then packed (and signed) again
// by opa itself: OPA signs the files it writes, so the module must be final before opa packs
// it, and a bundle opa packed is one that dfw and OPA both read and verify.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readArchive } from '../engine/index.js';
import { PolicyBuildError } from './errors.js';
import { runOpa } from './opa-binary.js';
import { optimizeWasm, type WasmOptimizer } from './wasm-opt.js';

export interface PackOptions {
  revision: string;
  signingKey?: string;
  signingAlg?: string;
}

/** What wasm-opt made of the policy, for the build's output. */
export interface WasmOptimization {
  /** wasm-opt's own version line. */
  optimizer: string;
  beforeBytes: number;
  afterBytes: number;
  seconds: number;
}

function wasmModuleOf(files: Map<string, Uint8Array>): string {
  const manifest = files.get('.manifest');
  const wasm = manifest ? (JSON.parse(new TextDecoder().decode(manifest)) as { wasm?: Array<{ module?: unknown }> }).wasm : undefined;
  const module = wasm?.[0]?.module;
  if (typeof module !== 'string' || !files.has(module.replace(/^\/+/, ''))) {
    throw new PolicyBuildError('opa build wrote a Wasm bundle whose .manifest names no policy module: nothing to optimize');
  }
  return module.replace(/^\/+/, '');
}

/**
 * Reads the unsigned Wasm bundle `plain` (as `opa build -t wasm` wrote it), optimizes its
 * policy module and has opa pack the same files, at `options.revision` and signed with
 * `options.signingKey` when given, into `out`. Without an optimizer the files are packed as
 * they are (scripts/optimize-bundle.ts, where wasm-opt is missing). Throws PolicyBuildError.
 */
export async function packOptimizedBundle(opa: string, optimizer: WasmOptimizer | undefined, plain: string, out: string, options: PackOptions): Promise<WasmOptimization | undefined> {
  const files = await readArchive(readFileSync(plain));
  const module = wasmModuleOf(files);
  const dir = mkdtempSync(join(tmpdir(), 'dfw-optimized-bundle-'));
  try {
    // readArchive refuses absolute names and "..", so every name stays inside dir.
    for (const [name, bytes] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const started = performance.now();
    const before = files.get(module)!;
    const optimized = optimizer ? optimizeWasm(optimizer, before) : before;
    const seconds = (performance.now() - started) / 1000;
    writeFileSync(join(dir, module), optimized);
    // opa runs inside dir, so that the names it packs are the bundle's own: the paths given
    // here are made absolute first.
    const args = ['build', '--bundle', '.', '--revision', options.revision];
    if (options.signingKey) args.push('--signing-key', resolve(options.signingKey), '--signing-alg', options.signingAlg ?? 'RS256');
    args.push('-o', resolve(out));
    const r = runOpa(opa.includes('/') ? resolve(opa) : opa, args, { cwd: dir });
    if (r.status !== 0) throw new PolicyBuildError(`opa build could not pack the optimized Wasm bundle:\n${(r.stderr || r.stdout).trim()}`);
    return optimizer && { optimizer: optimizer.version, beforeBytes: before.byteLength, afterBytes: optimized.byteLength, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
