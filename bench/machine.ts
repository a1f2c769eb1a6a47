// What the figures were measured on: CPU, cores, memory, OS, Node and OPA versions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  opa: string;
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

export function describeMachine(opa: string): Machine {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: osName(),
    node: process.version,
    opa: opaVersion(opa),
  };
}
