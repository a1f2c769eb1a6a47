// Child processes of the benchmark (dfw serve, opa run --server): started on loopback
// ports, logs to files, killed when the benchmark exits however it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { processTree } from './cpu.js';

const children = new Set<ChildProcess>();
let handlersInstalled = false;

function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killChildren();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** Milliseconds from spawn until the server answered its readiness check. */
  startupMs: number;
  logFile: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for opa, which does not report the port it bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns a server with stdout and stderr going to logFile (a pipe to this process would
 * make the benchmark's own event loop, which also drives the load, read every log line),
 * then polls ready() until it answers a URL, the child dies, or 30 s pass.
 */
export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** The server's base URL once it answers, else undefined. */
  ready: () => Promise<string | undefined>;
}

export async function startServer({ name, command, args, cwd, env, logFile, ready }: ServerSpec): Promise<Server> {
  installExitHandlers();
  const fd = openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const url = await ready().catch(() => undefined);
    if (url) return { name, url, pid: child.pid!, startupMs: performance.now() - started, logFile, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`${name} did not become ready:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
}

/** The "listening" URL from dfw's JSON log lines, once it has written one. */
export function listeningUrl(logFile: string): string | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) return entry.url;
    } catch {
      /* a partial line */
    }
  }
  return undefined;
}

export interface Memory {
  /** Resident set size now (VmRSS), KiB; summed over a tree's processes. */
  rssKiB: number;
  /** Peak resident set size (VmHWM), KiB; summed over a tree's processes. */
  peakKiB: number;
  /**
   * Resident memory with the pages a tree's processes share counted once, KiB, approximately:
   * each process's private pages plus the largest shared part of any one of them (a lower
   * bound of the shared pages, readTreeMemory). For one process this is its RSS. Summed RSS
   * counts Node's own code and libraries (about 48 MiB per process here) once per process,
   * although the machine holds them once.
   */
  heldKiB: number;
}

/** A "Name:   123 kB" line of a /proc file, in KiB. */
function kibField(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
}

interface ProcessMemory extends Memory {
  privateKiB: number;
  sharedKiB: number;
}

/** /proc/<pid>/status and /proc/<pid>/smaps_rollup. */
function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rssKiB: kibField(status, 'VmRSS'),
    peakKiB: kibField(status, 'VmHWM'),
    heldKiB: kibField(rollup, 'Rss'),
    privateKiB: kibField(rollup, 'Private_Clean') + kibField(rollup, 'Private_Dirty'),
    sharedKiB: kibField(rollup, 'Shared_Clean') + kibField(rollup, 'Shared_Dirty'),
  };
}

/** One process's memory (its heldKiB is its RSS as smaps_rollup counts it). */
export function readMemory(pid: number): Memory {
  const { rssKiB, peakKiB, heldKiB } = readProcessMemory(pid);
  return { rssKiB, peakKiB, heldKiB };
}

/**
 * readMemory over a process and its children (dfw serve --workers: primary + workers). The
 * shared pages of a Node cluster are mostly the same files in every process (the node binary,
 * its libraries, native addons), so the largest shared part stands for them all. It is a lower
 * bound: a shared page that the process with the largest shared part does not map is missed.
 * On an idle cluster it came within 2 MiB of the processes' summed PSS (performance-changes.md,
 * thirteenth round).
 */
export function readTreeMemory(pid: number): Memory {
  const sum = { rssKiB: 0, peakKiB: 0, privateKiB: 0, sharedKiB: 0 };
  for (const p of processTree(pid)) {
    try {
      const m = readProcessMemory(p);
      sum.rssKiB += m.rssKiB;
      sum.peakKiB += m.peakKiB;
      sum.privateKiB += m.privateKiB;
      sum.sharedKiB = Math.max(sum.sharedKiB, m.sharedKiB);
    } catch (err) {
      // A worker that exited meanwhile; anything else would make the figure wrong.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return { rssKiB: sum.rssKiB, peakKiB: sum.peakKiB, heldKiB: sum.privateKiB + sum.sharedKiB };
}
