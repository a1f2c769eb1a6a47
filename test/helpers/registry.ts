// A real OCI registry for the tests: go-containerregistry's `crane registry serve` on
// 127.0.0.1 (installed by scripts/install-go-tools.sh), plus crane and cosign runners.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './opa.js';

/** Path of a Go tool in the project's tools folder; fails with how to install it. */
export function goToolPath(tool: 'crane' | 'cosign'): string {
  const path = join(ROOT, '.tools', 'bin', tool);
  if (!existsSync(path)) throw new Error(`${tool} not found at ${path}: run "scripts/install-go-tools.sh ${tool}" (make test does)`);
  return path;
}

export interface Registry {
  /** host:port, e.g. 127.0.0.1:41234 — image references start with it. */
  host: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(host: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`crane registry serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200 || res.status === 401) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`crane registry serve did not answer on ${host} within 15 s`);
}

/** Starts an empty in-memory registry on a free loopback port. */
export async function startRegistry(): Promise<Registry> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn(goToolPath('crane'), ['registry', 'serve', '--address', host], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilServing(host, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    host,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs crane or cosign; throws with its output when it fails. */
export function runGoTool(tool: 'crane' | 'cosign', args: string[], options: { env?: Record<string, string>; input?: string } = {}): string {
  const r = spawnSync(goToolPath(tool), args, {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
