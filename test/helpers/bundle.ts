// Real bundles for tests, built by the real opa exactly as the Makefile does.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { createEvaluator, loadBundle, type Evaluator, type EvaluatorOptions, type LoadBundleOptions } from '../../src/engine/index.js';
import { opaPath, ROOT } from './opa.js';
import { packOptimizedBundle } from '../../src/policy/optimized-bundle.js';
import { findWasmOpt, isOptimizer } from '../../src/policy/wasm-opt.js';

export const KEYS = join(ROOT, 'test/fixtures/keys');
export const SIGNING_KEY = join(KEYS, 'test-only-signing.key.pem');
export const SIGNING_PUB = join(KEYS, 'test-only-signing.pub.pem');
export const OTHER_KEY = join(KEYS, 'test-only-other.key.pem');
export const OTHER_PUB = join(KEYS, 'test-only-other.pub.pem');

const built = new Map<string, string>();

/** Builds rego/ (or `source`) into a Wasm bundle in a temp dir; cached per options. */
export function buildBundle(options: { revision?: string; signingKey?: string; source?: string } = {}): string {
  const key = JSON.stringify(options);
  const cached = built.get(key);
  if (cached && existsSync(cached)) return cached;
  const out = join(mkdtempSync(join(tmpdir(), 'dfw-bundle-')), 'firewall.tar.gz');
  const args = ['build', '-t', 'wasm', '-e', 'firewall/decision', '--capabilities', join(ROOT, 'wasm/capabilities.json'), '--ignore', '*_test.rego', '--revision', options.revision ?? 'test-revision'];
  if (options.signingKey) args.push('--signing-key', options.signingKey);
  args.push('-o', out, '--bundle', options.source ?? 'rego');
  // Relative to the project, as the Makefile runs it, so names inside are rego/….
  execFileSync(opaPath(), args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  built.set(key, out);
  return out;
}

const optimized = new Map<string, string>();

/**
 * buildBundle's bundle as `make bundle` ships it: the policy run through wasm-opt
 * (src/policy/wasm-opt.ts), then signed by `opa sign`. wasm-opt must be installed
 * (scripts/ensure-packages.sh installs Binaryen); cached per options.
 */
export async function buildOptimizedBundle(options: { revision?: string; signingKey?: string; source?: string } = {}): Promise<string> {
  const key = JSON.stringify(options);
  const cached = optimized.get(key);
  if (cached && existsSync(cached)) return cached;
  const found = findWasmOpt();
  if (!isOptimizer(found)) throw new Error(`the optimized bundle needs wasm-opt: ${found.skipped}; scripts/ensure-packages.sh installs it`);
  const plain = buildBundle({ revision: options.revision, source: options.source });
  const out = join(mkdtempSync(join(tmpdir(), 'dfw-optimized-')), 'firewall.tar.gz');
  await packOptimizedBundle(opaPath(), found, plain, out, options.signingKey ? { signingKey: options.signingKey } : {});
  optimized.set(key, out);
  return out;
}

/** rego/ with `rule` switched off in production: a bundle that decides differently from rego/'s. */
export function buildBundleWithRuleOff(rule: string, options: { revision: string; signingKey?: string }): string {
  const source = join(mkdtempSync(join(tmpdir(), 'dfw-rule-off-')), 'rego');
  cpSync(join(ROOT, 'rego'), source, { recursive: true });
  const file = join(source, 'firewall/config/data.yaml');
  const data = yaml.load(readFileSync(file, 'utf8')) as { environments: Record<string, { rules?: Record<string, Record<string, unknown>> }> };
  const production = data.environments.production!;
  production.rules = { ...production.rules, [rule]: { enabled: false } };
  writeFileSync(file, yaml.dump(data));
  return buildBundle({ ...options, source });
}

export async function loadTestEvaluator(
  build: Parameters<typeof buildBundle>[0] = {},
  load: LoadBundleOptions = {},
  evaluator: EvaluatorOptions = {},
): Promise<Evaluator> {
  const bundle = await loadBundle(readFileSync(buildBundle(build)), load);
  return createEvaluator(bundle, evaluator);
}

/** Every example check request, by file name. */
export function readExamples(): Map<string, Record<string, unknown>> {
  const dir = join(ROOT, 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  return new Map(files.map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8'))]));
}
