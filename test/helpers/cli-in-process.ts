// The real CLI program run in this process (src/cli/main.ts), its output captured: for
// tests that need the CLI's own code paths without spawning `node bin/dfw.js`.
import { run } from '../../src/cli/main.js';

export interface InProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runDfwInProcess(args: string[]): Promise<InProcessResult> {
  const out: string[] = [];
  const err: string[] = [];
  const [write, writeErr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const status = await run(['node', 'dfw', ...args]);
    return { status, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}
