// For the notification, audit and console suites: `dfw serve` from the TypeScript sources
// in a child process (so a SIGKILL is a real crash), a dfw.yaml with tokens per role and
// notification receivers, and a receiver that records what it was sent.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './opa.js';

const ENTRY = join(ROOT, 'test/helpers/notify-server-main.ts');

export const TOKENS = {
  check: 'cd-check-secret-19be',
  evidence: 'ci-evidence-secret-7f3a',
  admin: 'security-admin-secret-c04d',
  admin2: 'second-admin-secret-88aa',
  viewer: 'console-viewer-secret-51f0',
} as const;

export interface TestServerConfig {
  bundle: string;
  storeFile: string;
  /** The `notifications:` section as YAML lines (indented two spaces), if any. */
  notifications?: string[];
  audit?: string;
  publishDir?: string;
  publicKey?: string;
}

export function writeConfig(dir: string, options: TestServerConfig): string {
  const q = (s: string) => JSON.stringify(s);
  const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
  const file = join(dir, 'dfw.yaml');
  writeFileSync(
    file,
    [
      'server: { host: 127.0.0.1, port: 0, shutdown_timeout_seconds: 2 }',
      `bundle: { path: ${q(options.bundle)}${options.publicKey ? `, public_key: ${q(options.publicKey)}` : ''} }`,
      ...(options.publishDir ? [`publish: { dir: ${q(options.publishDir)} }`] : []),
      `store: { url: ${q(`sqlite:${options.storeFile}`)} }`,
      'tokens:',
      `  - { name: spinnaker, sha256: ${hash(TOKENS.check)}, roles: [check] }`,
      `  - { name: ci, sha256: ${hash(TOKENS.evidence)}, roles: [evidence] }`,
      `  - { name: alice, sha256: ${hash(TOKENS.admin)}, roles: [admin] }`,
      `  - { name: bob, sha256: ${hash(TOKENS.admin2)}, roles: [admin] }`,
      `  - { name: vera, sha256: ${hash(TOKENS.viewer)}, roles: [viewer] }`,
      ...(options.notifications ? ['notifications:', ...options.notifications] : []),
      ...(options.audit ? [`audit: ${options.audit}`] : []),
      'log: { level: info }',
      '',
    ].join('\n'),
  );
  return file;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the server on a free port and waits for its "listening" line. */
export function startServer(config: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${logs.join('\n')}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg !== 'listening' || !entry.url) continue;
          clearTimeout(timer);
          resolve({
            url: entry.url,
            child,
            logs,
            stop: (signal = 'SIGTERM') =>
              new Promise((done) => {
                if (child.exitCode !== null || child.signalCode !== null) return done();
                child.once('exit', () => done());
                child.kill(signal);
              }),
          });
        } catch {
          /* not a JSON line */
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${logs.join('\n')}${buffer}`));
    });
  });
}

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests being held open right now (a receiver that never answers). */
  open(): number;
  close(): Promise<void>;
}

/** A local webhook receiver: `answer` picks the status of each request, or 'hang'. */
export async function startReceiver(answer: (body: string, received: Received[]) => number | 'hang'): Promise<Receiver> {
  const received: Received[] = [];
  const held = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = answer(body, received);
      if (status === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      received.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    open: () => held.size,
    close: () =>
      new Promise((done) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Polls until `ready()` is true; fails with `what` after `ms`. */
export async function waitFor(what: string, ready: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function api<T = any>(server: string, method: string, path: string, token: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
