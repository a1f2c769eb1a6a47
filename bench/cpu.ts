// CPU accounting from /proc: a server's CPU time, the whole machine's busy time, and so the
// CPU that other processes used while something was measured.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let clockTicks: number | undefined;

/** Clock ticks per second, the unit of /proc/stat and /proc/<pid>/stat. */
function ticks(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat fields 14 and 15). */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks();
}

/** A process and its children (the workers of dfw serve --workers), from /proc/<pid>/task/<pid>/children. */
export function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...children.flatMap(processTree)];
  } catch {
    return [pid];
  }
}

/** User + system CPU seconds of a process and its living children. */
export function readTreeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((total, p) => {
    try {
      return total + readCpuSeconds(p);
    } catch {
      return total; // gone meanwhile
    }
  }, 0);
}

/** CPU seconds the whole machine has been busy (/proc/stat: user, nice, system, irq, softirq, steal). */
export function readMachineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / ticks();
}

/** Cores busy with other work than this process, over one sampling interval. */
export async function sampleBackgroundCores(intervalMs = 1000): Promise<number> {
  const machine = readMachineBusySeconds();
  const own = process.cpuUsage();
  await sleep(intervalMs);
  const ownUsed = process.cpuUsage(own);
  return Math.max(0, readMachineBusySeconds() - machine - (ownUsed.user + ownUsed.system) / 1e6) / (intervalMs / 1000);
}

/** This process's CPU seconds plus those of the children it has waited for (fields 14–17). */
function readOwnAndChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / ticks();
}

/**
 * Runs fn and returns its result with the cores other processes used meanwhile (the
 * machine's busy CPU less this process's and its finished children's).
 */
export async function measureBackground<T>(fn: () => T | Promise<T>): Promise<{ result: T; otherCores: number }> {
  const machine = readMachineBusySeconds();
  const own = readOwnAndChildrenCpuSeconds();
  const started = performance.now();
  const result = await fn();
  const wallSec = (performance.now() - started) / 1000;
  const other = readMachineBusySeconds() - machine - (readOwnAndChildrenCpuSeconds() - own);
  return { result, otherCores: Math.max(0, other / wallSec) };
}
