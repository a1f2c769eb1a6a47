// What the figures were measured on: CPU, cores, memory, OS, Node, OPA and wasm-opt versions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { findWasmOpt, isOptimizer } from '../src/policy/wasm-opt.js';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  opa: string;
  /** What optimized the bundles' policy (scripts/optimize-bundle.ts), or why nothing did. */
  wasmOpt?: string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function cpuModel(): string {
  const line = readText('/proc/cpuinfo')
    .split('\n')
    .find((l) => l.startsWith('model name'));
  return line?.split(':').slice(1).join(':').trim() || cpus()[0]?.model || 'unknown';
}

function osName(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readText('/etc/os-release'))?.[1];
  return `${pretty ?? process.platform}, Linux kernel ${release()} (${process.arch})`;
}

/** `opa version` reports the Go version and whether the Wasm runtime is compiled in. */
function opaVersion(opa: string): string {
  const out = execFileSync(opa, ['version'], { encoding: 'utf8' });
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1]?.trim();
  return `${field('Version') ?? 'unknown'} (${field('Go Version') ?? 'Go ?'}, WebAssembly: ${field('WebAssembly') ?? '?'})`;
}

function wasmOptVersion(): string {
  const found = findWasmOpt();
  return isOptimizer(found) ? `${found.version} (the bundles' policy.wasm optimized as \`make bundle\` does)` : `none: the bundles' policy.wasm as opa compiled it (${found.skipped})`;
}

export function describeMachine(opa: string): Machine {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: osName(),
    node: process.version,
    opa: opaVersion(opa),
    wasmOpt: wasmOptVersion(),
  };
}

/** The cores this process may run on (Cpus_allowed_list, e.g. "0-1" or "2,4-5"). */
function allowedCores(): number[] {
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(readText('/proc/self/status'))?.[1];
  if (!list) return Array.from({ length: availableParallelism() }, (_, core) => core);
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
  });
}

/**
 * Each core's speed now: the same JSON workload (parse the typical check request 5,000
 * times) in a fresh Node pinned to that core with taskset, in milliseconds. This machine's
 * two vCPUs have been seen to differ by 1.5× at one moment and agree a minute later (host
 * contention), which moves every figure by as much; the probe at the start and the end of
 * a run shows what the run got. undefined where taskset is missing.
 */
export function probeCoreSpeeds(request: string): Array<{ core: number; ms: number }> | undefined {
  const script = `const s=process.env.DFW_PROBE_TEXT;const t=performance.now();let n=0;for(let i=0;i<5000;i++)n+=JSON.parse(s)?1:0;console.log(performance.now()-t)`;
  try {
    return allowedCores().map((core) => ({
      core,
      ms: Number(execFileSync('taskset', ['-c', String(core), process.execPath, '-e', script], { encoding: 'utf8', env: { ...process.env, DFW_PROBE_TEXT: request } }).trim()),
    }));
  } catch {
    return undefined;
  }
}
