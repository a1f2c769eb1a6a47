// Compiles layered sources with the real OPA compiler: the Wasm bundle dfw evaluates
// (`opa build -t wasm -e firewall/decision` against dfw's capabilities) and the Rego-target
// bundle stock OPA agents run, both at one revision and, with a key, signed with OPA's own
// scheme (.signatures.json), which dfw and OPA both verify.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { DEFAULT_ENTRYPOINT } from '../engine/index.js';
import { runOpa } from './opa-binary.js';
import { PolicyBuildError } from './errors.js';
import type { Layered } from './layer.js';
import { packOptimizedBundle, type WasmOptimization } from './optimized-bundle.js';
import type { WasmOptimizer } from './wasm-opt.js';

export interface CompileOptions {
  revision: string;
  signingKey?: string;
  /** RS256 (default) or ES256 …, as `opa build --signing-alg`. */
  signingAlg?: string;
}

export type BundleTarget = 'wasm' | 'rego';

/** Builds one bundle of the layered sources to `out`. Throws PolicyBuildError with OPA's message. */
export function compileBundle(opa: string, layered: Layered, target: BundleTarget, out: string, options: CompileOptions): void {
  const args = ['build'];
  if (target === 'wasm') args.push('-t', 'wasm', '-e', DEFAULT_ENTRYPOINT, '--capabilities', layered.pack.capabilities);
  args.push('--ignore', '*_test.rego', '--revision', options.revision);
  if (options.signingKey) args.push('--signing-key', options.signingKey, '--signing-alg', options.signingAlg ?? 'RS256');
  args.push('-o', out, '--bundle', '.');
  // Run inside the staging folder so the files in the bundle are named firewall/…, as in
  // dfw's own bundle, never after a temporary folder.
  const r = runOpa(opa, args, { cwd: layered.dir });
  if (r.status !== 0) throw new PolicyBuildError(`opa build (${target}) failed:\n${layered.display((r.stderr || r.stdout).trim())}`);
}

/**
 * The Wasm bundle, its policy optimized by `optimizer` (src/policy/wasm-opt.ts): opa builds it
 * unsigned into a temporary file; the module is optimized and the bundle signed by `opa sign`.
 * Throws PolicyBuildError.
 */
export async function compileWasmBundle(opa: string, layered: Layered, out: string, options: CompileOptions, optimizer: WasmOptimizer): Promise<WasmOptimization> {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-plain-bundle-'));
  try {
    const plain = join(dir, 'plain.tar.gz');
    compileBundle(opa, layered, 'wasm', plain, { revision: options.revision });
    return await packOptimizedBundle(opa, optimizer, plain, out, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function git(root: string, args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * SHA-256 over what the bundle is built from: every staged file but the tests — the team's
 * rules, the built-in pack and the merged enforcement data — by path and content, so the
 * same sources give the same digest on any machine.
 */
export function sourceDigest(layered: Layered): string {
  const hash = createHash('sha256');
  const files = (readdirSync(layered.dir, { recursive: true }) as string[]).filter((f) => statSync(join(layered.dir, f)).isFile() && !f.endsWith('_test.rego'));
  for (const f of files.sort()) hash.update(f.split(sep).join('/')).update('\0').update(readFileSync(join(layered.dir, f))).update('\0');
  return hash.digest('hex');
}

/**
 * The bundle revision: the repository's commit; with uncommitted changes the commit plus
 * "-dirty." and the first 12 hex of sourceDigest, because `dfw replay` finds the bundle a
 * decision was made with by revision, so two different builds must never share one; outside
 * git, "sha256-" and the first 16 hex of the same digest.
 */
export function revisionOf(layered: Layered): string {
  const root = layered.project.root;
  const commit = git(root, ['rev-parse', 'HEAD']);
  if (!commit) return `sha256-${sourceDigest(layered).slice(0, 16)}`;
  return git(root, ['status', '--porcelain'])?.length ? `${commit}-dirty.${sourceDigest(layered).slice(0, 12)}` : commit;
}
