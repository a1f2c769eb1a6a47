// Starting the two servers under test on loopback: `dfw serve` (the Wasm bundle) and
// `opa run --server` (the Rego bundle of the same sources), both verifying the signature.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanEnv, PUBLIC_KEY, showCommand, type BenchContext } from './context.js';
import { ROOT } from './inputs.js';
import { OPA } from './opa.js';
import { freePort, listeningUrl, startServer, type Server } from './processes.js';

export interface StartedServer {
  server: Server;
  kind: 'dfw' | 'opa' | 'ceiling';
  /** The command line, for the report. */
  command: string;
}

/**
 * dfw serve on a free port, from its own folder under $BENCH_TMP so that every default
 * relative path (the SQLite decision log data/dfw.db among them) lands there, never in the
 * repository. storeUrl overrides the store (e.g. sqlite::memory:); nodeArgs go before the
 * script (e.g. --cpu-prof).
 */
export async function startDfw(
  context: BenchContext,
  options: { name?: string; folder: string; storeUrl?: string; nodeArgs?: string[]; workers?: number },
): Promise<StartedServer> {
  const cwd = join(context.tmp, options.folder);
  mkdirSync(cwd, { recursive: true });
  const args = [...(options.nodeArgs ?? []), join(ROOT, 'bin/dfw.js'), 'serve', '--host', '127.0.0.1', '--port', '0'];
  args.push('--bundle', context.bundles.signedWasm, '--bundle-key', join(ROOT, PUBLIC_KEY));
  if (options.workers) args.push('--workers', String(options.workers));
  const env: Record<string, string> = options.storeUrl ? { DFW_STORE_URL: options.storeUrl } : {};
  const logFile = join(cwd, 'serve.log');
  const name = options.name ?? 'dfw';
  const server = await startServer({ name, command: process.execPath, args, cwd, env: cleanEnv(env), logFile, ready: async () => listeningUrl(logFile) });
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  return { server, kind: 'dfw', command: `(cd ${showCommand(context, [cwd])} && ${prefix}${showCommand(context, ['node', ...args])})` };
}

/** opa run --server on a free loopback port (OPA does not report a port it picked itself), from a folder of its own. */
export async function startOpa(context: BenchContext, name: string, env: Record<string, string> = {}): Promise<StartedServer> {
  const port = await freePort();
  const cwd = join(context.tmp, `opa-${port}`);
  mkdirSync(cwd, { recursive: true });
  const args = ['run', '--server', '--addr', `127.0.0.1:${port}`, '--skip-version-check', '--bundle', context.bundles.signedRego, '--verification-key', join(ROOT, PUBLIC_KEY)];
  const url = `http://127.0.0.1:${port}`;
  const ready = async () => ((await fetch(`${url}/health`)).ok ? url : undefined);
  const server = await startServer({ name, command: resolve(ROOT, OPA), args, cwd, env: cleanEnv(env), logFile: join(cwd, 'opa.log'), ready });
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  return { server, kind: 'opa', command: prefix + showCommand(context, [resolve(ROOT, OPA), ...args]).replace(`127.0.0.1:${port}`, '127.0.0.1:<free port>') };
}

/** bench/ceiling-server.ts: node:http parsing the same body, nothing else. */
export async function startCeiling(context: BenchContext): Promise<StartedServer> {
  const cwd = join(context.tmp, 'node-http-ceiling');
  mkdirSync(cwd, { recursive: true });
  const args = ['--import', 'tsx', join(ROOT, 'bench/ceiling-server.ts')];
  const logFile = join(cwd, 'ceiling.log');
  const server = await startServer({ name: 'node:http ceiling (parse JSON, answer)', command: process.execPath, args, cwd: ROOT, env: cleanEnv(), logFile, ready: async () => listeningUrl(logFile) });
  return { server, kind: 'ceiling', command: showCommand(context, ['node', ...args]) };
}

/** The decision endpoint and request body of each server for one input. */
export function endpoint(started: StartedServer): string {
  return `${started.server.url}${started.kind === 'dfw' ? '/v1/check' : started.kind === 'opa' ? '/v1/data/firewall/decision' : '/'}`;
}

export function requestBody(started: StartedServer, bench: { requestJson: string; inputJson: string }): string {
  return started.kind === 'opa' ? `{"input":${bench.inputJson}}` : bench.requestJson;
}
