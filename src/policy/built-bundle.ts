// What `dfw what-if --bundle` and `dfw check --bundle` may be given besides a .tar.gz: a policy repository (its
// dfw-policy.yaml names the build output) or the build folder itself, so a team tries what
// `dfw policy build` just wrote without spelling out the file.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyProjectError } from './errors.js';
import { loadProject, PROJECT_FILE } from './project.js';

/** The Wasm bundle file `path` stands for. */
export function builtBundlePath(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) return path;
  if (existsSync(join(path, PROJECT_FILE))) {
    const project = loadProject(path);
    const built = join(project.outputDir, `${project.bundleName}.tar.gz`);
    if (!existsSync(built)) throw new PolicyProjectError(`${path} is a policy repository without a build: run "dfw policy build" first (expected ${built})`);
    return built;
  }
  const inFolder = join(path, 'firewall.tar.gz');
  if (existsSync(inFolder)) return inFolder;
  throw new PolicyProjectError(`${path} is a directory, not a bundle, and holds neither ${PROJECT_FILE} nor firewall.tar.gz: give the bundle .tar.gz file (dfw policy build writes build/firewall.tar.gz), a policy repository or its build folder`);
}
