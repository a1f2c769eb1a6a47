// Processes and servers for the bundle-distribution tests, all on 127.0.0.1: the real
// `dfw` CLI run asynchronously (a load test must not stall while a publish runs), and a
// relay that stands where a CDN or proxy would stand between edge evaluators and the
// bundle server — and, when told to, serves a tampered bundle in its place.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUNDLE_MEDIA_TYPE } from '../../src/bundles/protocol.js';
import { DFW, type CliResult } from './cli.js';
import { ROOT } from './opa.js';

/** Runs `dfw …` without blocking the event loop. */
export function runDfwAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DFW, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

/** A port nothing listens on right now (for a bundle server that is down). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface Relay {
  url: string;
  /** The next request gets these bytes instead of the upstream's answer. */
  injectOnce(bytes: Uint8Array, etag: string): void;
  injected: number;
  forwarded: number;
  close(): Promise<void>;
}

/** Forwards GETs to `upstream` (headers, long polls and all), except when told to inject. */
export async function startRelay(upstream: string): Promise<Relay> {
  let pending: { bytes: Uint8Array; etag: string } | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const relay: Relay = {
    url: '',
    injected: 0,
    forwarded: 0,
    injectOnce(bytes, etag) {
      pending = { bytes, etag };
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (pending) {
      const { bytes, etag } = pending;
      pending = undefined;
      relay.injected++;
      res.writeHead(200, { 'content-type': BUNDLE_MEDIA_TYPE, etag, 'content-length': bytes.byteLength });
      res.end(bytes);
      return;
    }
    relay.forwarded++;
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'if-none-match', 'prefer', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    fetch(new URL(req.url ?? '/', upstream), { headers, signal: controller.signal })
      .then(async (answer) => {
        const body = new Uint8Array(await answer.arrayBuffer());
        const out: Record<string, string> = {};
        for (const name of ['content-type', 'etag', 'cache-control', 'vary']) {
          const value = answer.headers.get(name);
          if (value) out[name] = value;
        }
        res.writeHead(answer.status, out);
        res.end(body);
      })
      .catch((err: Error) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`relay: upstream failed: ${err.message}`);
        }
      });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return relay;
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
