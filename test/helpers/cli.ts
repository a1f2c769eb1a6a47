// Runs the real `dfw` command (bin/dfw.js over dist/) as a pipeline or an operator would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './opa.js';

export const DFW = join(ROOT, 'bin/dfw.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runDfw(args: string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [DFW, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `dfw serve` on a free port and waits for its "listening" log line. `detached` puts
 * it in a process group of its own (its id is the child's pid), as a supervisor would, so
 * that a test can signal the whole group: process.kill(-child.pid, 'SIGTERM').
 */
export function startDfw(args: string[], env: Record<string, string> = {}, options: { detached?: boolean } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [DFW, 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.detached ? { detached: true } : {}),
  });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`dfw serve did not start:\n${logs.join('\n')}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) {
            clearTimeout(timer);
            resolve({
              url: entry.url,
              child,
              logs,
              stop: (signal = 'SIGTERM') =>
                new Promise((done) => {
                  if (child.exitCode !== null) return done(child.exitCode);
                  child.once('exit', (code) => done(code));
                  child.kill(signal);
                }),
            });
          }
        } catch {
          /* not a JSON line */
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dfw serve exited with ${code}:\n${logs.join('\n')}${buffer}`));
    });
  });
}
