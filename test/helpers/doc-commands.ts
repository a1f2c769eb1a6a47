// Runs the shell commands a document shows, as a reader would type them. The rules (also
// in the HTML comment at the top of README.md):
// - every ```sh (or bash, shell) block runs; a block whose first line is
//   "# not run by the docs test: <why>", or that follows the line
//   "<!-- not run by the docs test: <why> -->", is skipped and says why;
// - one command per line (a line ending in "\" continues), each in bash with pipefail, from
//   a sandbox: a temp folder of symlinks to the repository, with its own bundles/, data/ and rego/,
//   so nothing a command writes touches the work tree;
// - 127.0.0.1:8787 stands for a free port (DFW_PORT is set to it, so `dfw serve` binds it);
// - a command must exit 0, or the code its trailing comment names ("# exits 1");
// - a command ending in "&" runs in the background until the block ends; the runner waits
//   for its "listening" log line (dfw serve, up to 2 minutes) before the next command.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './opa.js';

export const NOT_RUN = /^# not run by the docs test: \S/;
/** The same mark as an HTML comment on the line before the block, invisible to readers. */
export const NOT_RUN_COMMENT = /^<!-- not run by the docs test: \S.*-->$/;

export interface DocBlock {
  /** 1-based line of the opening fence. */
  line: number;
  commands: string[];
  skipped: boolean;
}

/** The shell blocks of a Markdown text, each split into commands. */
export function shellBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const fence = /^```(sh|bash|shell)\s*\n([\s\S]*?)^```/gm;
  for (const m of markdown.matchAll(fence)) {
    const line = markdown.slice(0, m.index).split('\n').length;
    const body = m[2]!;
    const commands: string[] = [];
    let current = '';
    for (const raw of body.split('\n')) {
      current += raw;
      if (raw.endsWith('\\')) {
        current = `${current.slice(0, -1)} `;
        continue;
      }
      if (current.trim() && !current.trim().startsWith('#')) commands.push(current.trim());
      current = '';
    }
    const lineBefore = markdown.slice(0, m.index).trimEnd().split('\n').at(-1) ?? '';
    blocks.push({ line, commands, skipped: NOT_RUN.test(body.trimStart()) || NOT_RUN_COMMENT.test(lineBefore.trim()) });
  }
  return blocks;
}

/** The exit code a command's trailing comment promises ("# exits 1"), else 0. */
export function expectedExit(command: string): number {
  const m = /#[^#]*\bexits (\d+)\b[^#]*$/.exec(command);
  return m ? Number(m[1]) : 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Sandbox {
  dir: string;
  port: number;
  env: Record<string, string>;
}

/**
 * A folder that looks like the repository (symlinks to each top-level entry) with its own
 * bundles/ (copies) and data/, a `dfw` on PATH, and DFW_PORT set to a free port.
 */
export async function createSandbox(): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-docs-'));
  for (const entry of readdirSync(ROOT)) {
    if (entry === 'bundles' || entry === 'data') continue;
    // opa build does not follow a symlinked bundle root, so the policy is copied.
    if (entry === 'rego') cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    else symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  mkdirSync(join(dir, 'bundles'));
  mkdirSync(join(dir, 'data'));
  for (const file of readdirSync(join(ROOT, 'bundles'))) {
    if (file.endsWith('.tar.gz') || file === '.build-flags') copyFileSync(join(ROOT, 'bundles', file), join(dir, 'bundles', file));
  }
  const bin = join(dir, '.docs-bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'dfw'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/dfw.js')}" "$@"\n`);
  chmodSync(join(bin, 'dfw'), 0o755);
  const port = await freePort();
  return { dir, port, env: { PATH: `${bin}:${process.env.PATH}`, DFW_PORT: String(port), NO_COLOR: '1' } };
}

export interface CommandResult {
  command: string;
  expected: number;
  status: number | null;
  output: string;
}

function withPort(command: string, port: number): string {
  return command.replaceAll('127.0.0.1:8787', `127.0.0.1:${port}`);
}

/** Starts a background command and resolves once it logs "listening" (or fails after 30 s). */
export function startBackground(command: string, sandbox: Sandbox): Promise<ChildProcess> {
  const child = spawn('bash', ['-c', `exec ${command.replace(/&\s*(#.*)?$/, '')}`], {
    cwd: sandbox.dir,
    env: { ...process.env, ...sandbox.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${command}" did not start listening:\n${log}`)), 120_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/"msg":"listening"/.test(log)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`"${command}" exited with ${code} before listening:\n${log}`));
    });
  });
}

/** Runs one block's commands in order; stops at the first that does not exit as promised. */
export async function runBlock(block: DocBlock, sandbox: Sandbox): Promise<CommandResult[]> {
  const results: CommandResult[] = [];
  const background: ChildProcess[] = [];
  try {
    for (const raw of block.commands) {
      const command = withPort(raw, sandbox.port);
      if (/&\s*(#.*)?$/.test(command) && !/&&\s*(#.*)?$/.test(command)) {
        background.push(await startBackground(command, sandbox));
        continue;
      }
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
        cwd: sandbox.dir,
        env: { ...process.env, ...sandbox.env },
        encoding: 'utf8',
        timeout: 180_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const result = { command, expected: expectedExit(raw), status: r.status, output: `${r.stdout}${r.stderr}` };
      results.push(result);
      if (result.status !== result.expected) break;
    }
  } finally {
    for (const child of background) {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }
  return results;
}
