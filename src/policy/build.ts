// `dfw policy build`: the layered sources, once they pass the layering checks, compiled into
// <output>/<name>.tar.gz (Wasm, for dfw) and <output>/<name>-rego.tar.gz (Rego, for stock OPA
// agents) at one revision, signed when a key is given; returns the rule catalog inside and
// what each environment blocks and requires (trust), as the bundle carries them.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBundle, ruleCatalog, SEVERITIES, type Bundle, type RuleCatalog } from '../engine/index.js';
import { compileBundle, compileWasmBundle, revisionOf } from './compile.js';
import type { EnforcementConfig } from './enforcement-diff.js';
import { PolicyBuildError } from './errors.js';
import { layer } from './layer.js';
import { findOpa } from './opa-binary.js';
import type { WasmOptimization } from './optimized-bundle.js';
import { loadProject } from './project.js';
import { findWasmOpt, isOptimizer, type NotOptimized } from './wasm-opt.js';

export interface BuildOptions {
  signingKey?: string;
  signingAlg?: string;
  /** Overrides the revision (default: the git commit). */
  revision?: string;
  /** Overrides dfw-policy.yaml's bundle.output. */
  output?: string;
  /** Run the policy through wasm-opt when it is installed (default true). */
  optimize?: boolean;
}


/** What an environment blocks and requires in the built bundle (its data.firewall.config). */
export interface EnvironmentSummary {
  name: string;
  /** Severities that deny there; every severity when the data gives no list (fail closed). */
  blocking: string[];
  /** trust.environments.<name>.min_build_level (DFW-PROV-001), when set. */
  min_build_level?: number;
  /** trust.environments.<name>.verified_evidence (DFW-SIGN-002). */
  verified_evidence: string[];
}

export interface BuildResult {
  name: string;
  revision: string;
  signed: boolean;
  wasmBundle: string;
  regoBundle: string;
  catalog: RuleCatalog;
  /** Every environment the bundle lists, and (catalog.unknown_environment) what any other is decided as. */
  environments: EnvironmentSummary[];
  team: string;
  builtinVersion: string;
  /** What wasm-opt did to the Wasm bundle's policy, or why it did not run. */
  optimization: WasmOptimization | NotOptimized;
}

function environmentsOf(bundle: Bundle): EnvironmentSummary[] {
  const config = ((bundle.data.firewall as Record<string, unknown> | undefined)?.config ?? {}) as EnforcementConfig;
  const trust = config.trust?.environments ?? {};
  const names = [...new Set([...Object.keys(config.environments ?? {}), ...Object.keys(trust)])].sort();
  return names.map((name) => {
    const blocking = config.environments?.[name]?.blocking;
    const level = trust[name]?.min_build_level;
    return {
      name,
      blocking: Array.isArray(blocking) ? SEVERITIES.filter((s) => blocking.includes(s)) : [...SEVERITIES],
      ...(typeof level === 'number' ? { min_build_level: level } : {}),
      verified_evidence: Array.isArray(trust[name]?.verified_evidence) ? [...trust[name]!.verified_evidence!] : [],
    };
  });
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
    const optimizer = options.optimize === false ? { skipped: '--no-optimize' } : findWasmOpt();
    let optimization: WasmOptimization | NotOptimized;
    if (isOptimizer(optimizer)) {
      optimization = await compileWasmBundle(opa, layered, wasmBundle, compile, optimizer);
    } else {
      compileBundle(opa, layered, 'wasm', wasmBundle, compile);
      optimization = optimizer;
    }
    compileBundle(opa, layered, 'rego', regoBundle, compile);
    // The catalog is read back from the bundle just written: what it lists is what ships.
    const bundle = await loadBundle(readFileSync(wasmBundle), { name: project.bundleName });
    const catalog = ruleCatalog(bundle);
    return { name: project.bundleName, revision, signed: Boolean(options.signingKey), wasmBundle, regoBundle, catalog, environments: environmentsOf(bundle), team: project.team, builtinVersion: layered.pack.version, optimization };
  } finally {
    layered.dispose();
  }
}
