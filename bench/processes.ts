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
  /** Resident set size now (VmRSS), KiB. */
  rssKiB: number;
  /** Peak resident set size (VmHWM), KiB. */
  peakKiB: number;
}

/** Reads /proc/<pid>/status. */
export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/** readMemory summed over a process and its children (dfw serve --workers: primary + workers). */
export function readTreeMemory(pid: number): Memory {
  return processTree(pid).reduce(
    (sum, p) => {
      try {
        const m = readMemory(p);
        return { rssKiB: sum.rssKiB + m.rssKiB, peakKiB: sum.peakKiB + m.peakKiB };
      } catch {
        return sum;
      }
    },
    { rssKiB: 0, peakKiB: 0 },
  );
}
