// `dfw policy build`: the layered sources, once they pass the layering checks, compiled into
// <output>/<name>.tar.gz (Wasm, for dfw) and <output>/<name>-rego.tar.gz (Rego, for stock OPA
// agents) at one revision, signed when a key is given; returns the rule catalog inside.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBundle, ruleCatalog, type RuleCatalog } from '../engine/index.js';
import { compileBundle, revisionOf } from './compile.js';
import { PolicyBuildError } from './errors.js';
import { layer } from './layer.js';
import { findOpa } from './opa-binary.js';
import { loadProject } from './project.js';

export interface BuildOptions {
  signingKey?: string;
  signingAlg?: string;
  /** Overrides the revision (default: the git commit). */
  revision?: string;
  /** Overrides dfw-policy.yaml's bundle.output. */
  output?: string;
}

export interface BuildResult {
  name: string;
  revision: string;
  signed: boolean;
  wasmBundle: string;
  regoBundle: string;
  catalog: RuleCatalog;
  team: string;
  builtinVersion: string;
}

export async function buildPolicy(dir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const project = loadProject(dir);
  const opa = findOpa();
  const layered = layer(project, opa);
  try {
    if (layered.problems.length) throw new PolicyBuildError(`the repository does not layer on the built-in pack ${layered.pack.version}:\n${layered.problems.join('\n')}`);
    // opa runs inside the staging folder: paths the user typed are made absolute first.
    const out = options.output ? resolve(options.output) : project.outputDir;
    mkdirSync(out, { recursive: true });
    const revision = options.revision ?? revisionOf(layered);
    const compile = { revision, ...(options.signingKey ? { signingKey: resolve(options.signingKey), signingAlg: options.signingAlg ?? 'RS256' } : {}) };
    const wasmBundle = join(out, `${project.bundleName}.tar.gz`);
    const regoBundle = join(out, `${project.bundleName}-rego.tar.gz`);
    compileBundle(opa, layered, 'wasm', wasmBundle, compile);
    compileBundle(opa, layered, 'rego', regoBundle, compile);
    // The catalog is read back from the bundle just written: what it lists is what ships.
    const catalog = ruleCatalog(await loadBundle(readFileSync(wasmBundle), { name: project.bundleName }));
    return { name: project.bundleName, revision, signed: Boolean(options.signingKey), wasmBundle, regoBundle, catalog, team: project.team, builtinVersion: layered.pack.version };
  } finally {
    layered.dispose();
  }
}
