// Finds the opa binary dfw policy runs: $DFW_OPA, else `opa` on PATH, else the checkout's
// .tools/bin/opa (make tools), as the Makefile chooses. Only the pinned version is accepted
// (the capabilities file and the Wasm ABI dfw evaluates are that version's), and dfw never
// downloads one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { OpaMissingError } from './errors.js';
import { dfwRoot } from './package-root.js';

/** The OPA version dfw's capabilities and bundles are made for (Makefile OPA_VERSION). */
export const PINNED_OPA_VERSION = 'v1.22.3';

const INSTALL_HINT =
  `install opa ${PINNED_OPA_VERSION}: "go install github.com/open-policy-agent/opa@${PINNED_OPA_VERSION}" ` +
  `or the release binary from https://github.com/open-policy-agent/opa/releases/tag/${PINNED_OPA_VERSION}, ` +
  'then put it on PATH or set DFW_OPA=/path/to/opa';

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The version `opa version` reports, e.g. "1.22.3", or undefined when it does not run. */
export function opaVersionOf(path: string): string | undefined {
  const r = spawnSync(path, ['version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return undefined;
  return /^Version:\s*(\S+)/m.exec(r.stdout)?.[1];
}

const verified = new Map<string, string>();

/** Why `path` is not the pinned opa, or undefined when it is. */
function refusal(path: string): string | undefined {
  if (verified.has(path)) return undefined;
  if (!existsSync(path)) return `${path} does not exist`;
  const version = opaVersionOf(path);
  if (!version) return `${path} does not run as opa ("opa version" failed)`;
  if (`v${version.replace(/^v/, '')}` !== PINNED_OPA_VERSION) return `${path} is opa ${version}, but dfw's capabilities and bundles are made for opa ${PINNED_OPA_VERSION} only`;
  verified.set(path, version);
  return undefined;
}

/**
 * The opa to run, checked to be the pinned version: DFW_OPA when set (and then only it),
 * else the first of `opa` on PATH and the checkout's .tools/bin/opa that is that version.
 * Throws OpaMissingError saying what was found and how to install the right one.
 */
export function findOpa(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DFW_OPA) {
    const problem = refusal(env.DFW_OPA);
    if (problem) throw new OpaMissingError(`DFW_OPA: ${problem}; ${INSTALL_HINT}`);
    return env.DFW_OPA;
  }
  const candidates = [onPath('opa', env), join(dfwRoot(), '.tools', 'bin', 'opa')].filter((p): p is string => Boolean(p) && existsSync(p!));
  const problems: string[] = [];
  for (const path of candidates) {
    const problem = refusal(path);
    if (!problem) return path;
    problems.push(problem);
  }
  throw new OpaMissingError(`dfw policy needs opa ${PINNED_OPA_VERSION}${problems.length ? `: ${problems.join('; ')}` : ' and found none on PATH or in DFW_OPA'}; ${INSTALL_HINT}`);
}

export interface OpaRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs opa and returns what it said; the caller decides what a non-zero status means. */
export function runOpa(opa: string, args: string[], options: { cwd?: string; input?: string } = {}): OpaRun {
  const r = spawnSync(opa, args, { cwd: options.cwd, input: options.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new OpaMissingError(`${opa} cannot be run: ${r.error.message}`, { cause: r.error });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
