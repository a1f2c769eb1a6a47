// The Wasm bundle OPA built, its policy run through wasm-opt, then signed by opa itself.
// Only the module changes: every other entry, the manifest included, keeps the bytes and
// the name opa gave it. (Packing the files again with `opa build --bundle <dir>` was tried:
// opa rewrites the manifest's module path to "policy.wasm", and then refuses its own bundle,
// "manifest references wasm module 'policy.wasm' but the module file does not exist".)
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packTar } from 'modern-tar';
import { readArchive } from '../engine/index.js';
import { gzip } from '../shared/gzip.js';
import { PolicyBuildError } from './errors.js';
import { runOpa } from './opa-binary.js';
import { optimizeWasm, type WasmOptimizer } from './wasm-opt.js';

export interface PackOptions {
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

const SIGNATURES_FILE = '.signatures.json';

/** The bundle's entries by name without the leading "/" opa writes, in opa's order. */
type Entries = Map<string, Uint8Array>;

/**
 * The entries of the bundle opa just wrote, read by the engine's bundle reader, strictly: a
 * truncated archive, an entry other than a file, a name twice or a crafted name is refused
 * rather than signed.
 */
async function readEntries(bytes: Uint8Array, source: string): Promise<Entries> {
  try {
    return await readArchive(bytes);
  } catch (err) {
    throw new PolicyBuildError(`${source} is not a readable .tar.gz: ${(err as Error).message}`, { cause: err });
  }
}

/** opa's own entries carry time 0, so that the same sources give the same bytes. */
const EPOCH = new Date(0);

/** The entries as opa writes them: each name with a leading "/". */
async function writeEntries(entries: Entries): Promise<Uint8Array> {
  const tar = await packTar([...entries].map(([name, data]) => ({ header: { name: `/${name}`, size: data.byteLength, type: 'file' as const, mode: 0o600, mtime: EPOCH }, body: data })));
  return gzip(tar);
}

/** The entry name of the module the manifest maps the entrypoint to. */
function wasmModuleOf(entries: Entries): string {
  const manifest = entries.get('.manifest');
  let wasm: Array<{ module?: unknown }> | undefined;
  try {
    wasm = manifest ? (JSON.parse(new TextDecoder().decode(manifest)) as { wasm?: Array<{ module?: unknown }> }).wasm : undefined;
  } catch (err) {
    throw new PolicyBuildError(`opa build wrote a Wasm bundle whose .manifest is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const module = wasm?.[0]?.module;
  const entry = typeof module === 'string' ? module.replace(/^\/+/, '') : undefined;
  if (!entry || !entries.has(entry)) throw new PolicyBuildError('opa build wrote a Wasm bundle whose .manifest names no policy module: nothing to optimize');
  return entry;
}

type Interface = Array<{ name: string; kind: string; module?: string }>;

function interfaceOf(bytes: Uint8Array): { exports: Interface; imports: Interface } {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return { exports: WebAssembly.Module.exports(module), imports: WebAssembly.Module.imports(module) };
}

/**
 * Before anything is signed: the optimized module must compile, keep every export of OPA's
 * (the ABI the SDK and dfw's evaluator call, src/engine/wasm-input.ts) and import nothing
 * OPA's did not (wasm-opt drops the builtin hooks a policy never calls, e.g. opa_builtin4).
 * A module that broke either would be signed and shipped, and fail at load.
 */
function checkSameInterface(before: Uint8Array, after: Uint8Array): void {
  let optimized: ReturnType<typeof interfaceOf>;
  try {
    optimized = interfaceOf(after);
  } catch (err) {
    throw new PolicyBuildError(`wasm-opt wrote a policy.wasm that does not compile: ${(err as Error).message}`, { cause: err });
  }
  const original = interfaceOf(before);
  const outside = (list: Interface, of: Interface) => list.filter((e) => !of.some((o) => JSON.stringify(o) === JSON.stringify(e))).map((e) => e.name);
  const lost = outside(original.exports, optimized.exports);
  const added = outside(optimized.imports, original.imports);
  if (lost.length || added.length) {
    const what = [lost.length ? `exports lost: ${lost.join(', ')}` : '', added.length ? `imports added: ${added.join(', ')}` : ''].filter(Boolean).join('; ');
    throw new PolicyBuildError(`wasm-opt changed the policy's interface (${what}): refusing to sign it; set DFW_WASM_OPT=off (or pass --no-optimize) to build without it`);
  }
}

/**
 * .signatures.json over `unsigned`'s files, from `opa sign` (OPA's own signing scheme), with
 * the claim `opa build --signing-key` writes in the payload: keyid "default", the key id dfw
 * and OPA look the verification key up by when the configuration names none. (opa build also
 * puts kid "default" in the JWT's header, opa sign does not; OPA and dfw read the claim.)
 */
function signatures(opa: string, unsigned: string, dir: string, options: PackOptions): Uint8Array {
  const claims = join(dir, 'claims.json');
  writeFileSync(claims, JSON.stringify({ keyid: 'default' }));
  const args = ['sign', '--bundle', unsigned, '--signing-key', resolve(options.signingKey!), '--signing-alg', options.signingAlg ?? 'RS256', '--claims-file', claims, '-o', dir];
  const r = runOpa(opa, args);
  if (r.status !== 0) throw new PolicyBuildError(`opa sign could not sign the optimized Wasm bundle:\n${(r.stderr || r.stdout).trim()}`);
  return readFileSync(join(dir, SIGNATURES_FILE));
}

/**
 * Reads the unsigned Wasm bundle `plain` (as `opa build -t wasm` wrote it, at the revision it
 * is to have), optimizes its policy module, and writes the bundle to `out`, signed by
 * `opa sign` with `options.signingKey` when given. Without an optimizer the module stays as
 * it is (scripts/optimize-bundle.ts, where wasm-opt is missing). Throws PolicyBuildError.
 */
export async function packOptimizedBundle(opa: string, optimizer: WasmOptimizer, plain: string, out: string, options: PackOptions): Promise<WasmOptimization>;
export async function packOptimizedBundle(opa: string, optimizer: WasmOptimizer | undefined, plain: string, out: string, options: PackOptions): Promise<WasmOptimization | undefined>;
export async function packOptimizedBundle(opa: string, optimizer: WasmOptimizer | undefined, plain: string, out: string, options: PackOptions): Promise<WasmOptimization | undefined> {
  const entries = await readEntries(readFileSync(plain), plain);
  if (entries.has(SIGNATURES_FILE)) throw new PolicyBuildError(`${plain} is signed already: optimize the unsigned bundle, then sign`);
  const module = wasmModuleOf(entries);
  const before = entries.get(module)!;
  const started = performance.now();
  const optimized = optimizer ? optimizeWasm(optimizer, before) : before;
  const seconds = (performance.now() - started) / 1000;
  if (optimizer) checkSameInterface(before, optimized);
  entries.set(module, optimized);
  const dir = mkdtempSync(join(tmpdir(), 'dfw-optimized-bundle-'));
  try {
    if (options.signingKey) {
      const unsigned = join(dir, 'unsigned.tar.gz');
      writeFileSync(unsigned, await writeEntries(entries));
      entries.set(SIGNATURES_FILE, signatures(opa, unsigned, dir, options));
    }
    // Written beside and renamed: a build stopped halfway leaves no truncated bundle at `out`
    // that make would take for up to date.
    const partial = `${out}.partial`;
    writeFileSync(partial, await writeEntries(entries));
    renameSync(partial, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return optimizer && { optimizer: optimizer.version, beforeBytes: before.byteLength, afterBytes: optimized.byteLength, seconds };
}
