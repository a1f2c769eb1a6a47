// `dfw policy test`: every check a team's repository must pass before it ships, in order —
// opa fmt, opa check --strict against dfw's capabilities, the input-schema check, the
// layering checks, opa test with a coverage threshold, and the examples through the real
// Wasm evaluator. Each step is a result; only a repository dfw cannot read is an error.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInlineVerifier } from '../collect/collectors/index.js';
import type { InlineVerifier } from '../collect/trust/inline.js';
import { createEvaluator, loadBundle, type Evaluator } from '../engine/index.js';
import { PolicyProjectError } from './errors.js';
import { compileBundle } from './compile.js';
import { runExamples, type ExampleResult } from './examples.js';
import { layer, type Layered } from './layer.js';
import { findOpa, runOpa } from './opa-binary.js';
import { loadProject, PROJECT_FILE, type PolicyProject } from './project.js';

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface StepResult {
  /** format, check, input-schema, layering, opa-test, example:<file>. */
  name: string;
  status: StepStatus;
  /** One line for the table. */
  summary: string;
  /** OPA's own output or the list of problems, when there is more to say. */
  details?: string;
}

export interface TestReport {
  team: string;
  builtin_version: string;
  steps: StepResult[];
  passed: number;
  failed: number;
  skipped: number;
}

export interface TestOptions {
  /** Overrides dfw-policy.yaml's coverage threshold (percent). */
  coverage?: number;
}

const FORBIDDEN_HINT =
  'rules may call only what dfw\'s capabilities allow (wasm/capabilities.json): no http.send, no time.now_ns — ' +
  'a decision is a pure function of input and bundle; read the request time from input.request.time_ns';

function relativeTo(root: string, path: string): string {
  return relative(root, path) || '.';
}

function formatStep(opa: string, project: PolicyProject): StepResult {
  const r = runOpa(opa, ['fmt', '--list', '--fail', relativeTo(process.cwd(), project.policyDir)]);
  const files = r.stdout.trim();
  if (r.status === 0 && !files) return { name: 'format', status: 'pass', summary: 'opa fmt: every file is formatted' };
  return { name: 'format', status: 'fail', summary: `opa fmt would change: ${files.split('\n').join(', ') || '(see details)'}; run "opa fmt -w ${relativeTo(process.cwd(), project.policyDir)}"`, ...(r.stderr.trim() ? { details: r.stderr.trim() } : {}) };
}

function checkStep(opa: string, layered: Layered): StepResult {
  const r = runOpa(opa, ['check', '--strict', '--max-errors', '-1', '--capabilities', layered.pack.capabilities, layered.dir]);
  if (r.status === 0) return { name: 'check', status: 'pass', summary: 'opa check --strict with dfw\'s capabilities' };
  const out = layered.display((r.stderr || r.stdout).trim());
  const forbidden = /undefined function (http\.send|time\.now_ns|[\w.]+)/.test(out);
  return { name: 'check', status: 'fail', summary: 'opa check --strict failed', details: forbidden ? `${out}\n${FORBIDDEN_HINT}` : out };
}

/** OPA's "N errors occurred:" output split into one entry per error (each starts with file:line:). */
function opaErrors(output: string): string[] {
  const errors: string[] = [];
  for (const line of output.replace(/^\d+ errors? occurred:\s*/, '').split('\n')) {
    if (/^\S+\.rego:\d+: /.test(line) || !errors.length) errors.push(line);
    else errors[errors.length - 1] += `\n${line}`;
  }
  return errors.filter((e) => e.trim());
}

/**
 * OPA's type checker with docs/input.schema.json as the schema of `input`: a reference to a
 * path the input document does not have (input.request.artifact.image) is an error with
 * file and line. Only the team's rules are judged (the built-in pack is dfw's to keep right);
 * tests build their own inputs.
 */
function schemaStep(opa: string, layered: Layered): StepResult {
  const paths = [join(layered.dir, 'firewall', 'decision.rego'), join(layered.dir, 'firewall', 'lib'), join(layered.dir, layered.teamDir)];
  const r = runOpa(opa, ['check', '--max-errors', '-1', '--ignore', '*_test.rego', '--capabilities', layered.pack.capabilities, '--schema', layered.pack.inputSchema, ...paths]);
  const teamPrefix = join(layered.dir, layered.teamDir);
  const errors = opaErrors(r.stderr || r.stdout).filter((e) => e.startsWith(teamPrefix));
  if (r.status === 0 || !errors.length) return { name: 'input-schema', status: 'pass', summary: 'every input path the rules read exists in docs/input.schema.json' };
  const out = layered.display(errors.join('\n'));
  const unknownPaths = [...out.matchAll(/undefined ref: (input[\w.[\]"]*)/g)].map((m) => m[1]);
  return {
    name: 'input-schema',
    status: 'fail',
    summary: unknownPaths.length ? `reads input paths the input document does not have: ${[...new Set(unknownPaths)].join(', ')}` : 'the rules do not type-check against docs/input.schema.json',
    details: out,
  };
}

function layeringStep(layered: Layered): StepResult {
  const rules = layered.teamRules.length;
  if (!layered.problems.length) {
    return { name: 'layering', status: 'pass', summary: `${rules} rule${rules === 1 ? '' : 's'} in firewall.rules.${layered.project.team} over the built-in pack ${layered.pack.version} (${layered.builtinRules.length} rules); no id collides` };
  }
  return { name: 'layering', status: 'fail', summary: `${layered.problems.length} problem${layered.problems.length === 1 ? '' : 's'} layering on the built-in pack`, details: layered.problems.join('\n') };
}

interface OpaTestCase {
  location: { file: string; row: number };
  package: string;
  name: string;
  fail?: boolean;
  error?: { message?: string };
  skip?: boolean;
}

function opaTestStep(opa: string, layered: Layered, threshold: number): StepResult {
  const r = runOpa(opa, ['test', '--format', 'json', layered.dir]);
  let cases: OpaTestCase[];
  try {
    cases = JSON.parse(r.stdout) as OpaTestCase[];
  } catch {
    return { name: 'opa-test', status: 'fail', summary: 'opa test did not run', details: layered.display((r.stderr || r.stdout).trim()) };
  }
  const team = cases.filter((c) => c.location.file.startsWith(join(layered.dir, layered.teamDir)));
  const failed = team.filter((c) => c.fail || c.error);
  const cov = runOpa(opa, ['test', '--coverage', '--format', 'json', layered.dir]);
  let covered = 0;
  let total = 0;
  try {
    const report = JSON.parse(cov.stdout) as { files?: Record<string, { covered_lines?: number; not_covered_lines?: number }> };
    for (const [file, f] of Object.entries(report.files ?? {})) {
      if (!file.startsWith(join(layered.dir, layered.teamDir)) || file.endsWith('_test.rego')) continue;
      covered += f.covered_lines ?? 0;
      total += (f.covered_lines ?? 0) + (f.not_covered_lines ?? 0);
    }
  } catch {
    /* coverage is judged below as 0 */
  }
  const coverage = total ? (covered / total) * 100 : 0;
  const coverageText = `coverage ${coverage.toFixed(1)}% of the team's rules (threshold ${threshold}%)`;
  if (!team.length) return { name: 'opa-test', status: 'fail', summary: `no tests in ${relativeTo(process.cwd(), layered.project.policyDir)}: every rule needs a <rule>_test.rego` };
  const lines = failed.map((c) => `${layered.display(`${c.location.file}:${c.location.row}`)}: ${c.name} ${c.error ? `error: ${c.error.message ?? ''}` : 'failed'}`);
  if (failed.length) return { name: 'opa-test', status: 'fail', summary: `${failed.length} of ${team.length} tests failed; ${coverageText}`, details: lines.join('\n') };
  if (coverage < threshold) return { name: 'opa-test', status: 'fail', summary: `${team.length} tests passed but ${coverageText}` };
  return { name: 'opa-test', status: 'pass', summary: `${team.length} tests passed; ${coverageText}` };
}

async function compileForExamples(opa: string, layered: Layered): Promise<{ evaluator?: Evaluator; error?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-policy-test-'));
  try {
    const out = join(dir, 'bundle.tar.gz');
    compileBundle(opa, layered, 'wasm', out, { revision: 'dfw-policy-test' });
    return { evaluator: await createEvaluator(await loadBundle(readFileSync(out))) };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function exampleStep(r: ExampleResult): StepResult {
  return { name: `example:${r.name}`, status: r.ok ? 'pass' : 'fail', summary: r.detail };
}

/**
 * The verifier of the examples' signatures and attestations: dfw-policy.yaml `signatures`
 * (keys, trusted root) or the embedded example keys; Node's, so Sigstore bundles verify too.
 */
function exampleVerifier(project: PolicyProject): InlineVerifier {
  try {
    return createInlineVerifier(project.signatures);
  } catch (err) {
    throw new PolicyProjectError(`${join(project.root, PROJECT_FILE)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs every step on the repository at (or above) `dir`. */
export async function testPolicy(dir: string, options: TestOptions = {}): Promise<TestReport> {
  // NaN would pass every coverage comparison, switching the gate off.
  if (options.coverage !== undefined && !(options.coverage >= 0 && options.coverage <= 100)) throw new PolicyProjectError(`coverage threshold must be a percentage from 0 to 100, got ${options.coverage}`);
  const project = loadProject(dir);
  const verifier = exampleVerifier(project);
  const opa = findOpa();
  const layered = layer(project, opa);
  try {
    const steps: StepResult[] = [formatStep(opa, project)];
    const check = checkStep(opa, layered);
    steps.push(check);
    const compiles = check.status === 'pass';
    steps.push(compiles ? schemaStep(opa, layered) : { name: 'input-schema', status: 'skip', summary: 'skipped: opa check failed' });
    steps.push(layeringStep(layered));
    steps.push(compiles ? opaTestStep(opa, layered, options.coverage ?? project.coverage) : { name: 'opa-test', status: 'skip', summary: 'skipped: opa check failed' });
    if (compiles) {
      const { evaluator, error } = await compileForExamples(opa, layered);
      if (evaluator) steps.push(...(await runExamples(project.examplesDir, evaluator, process.cwd(), verifier)).map(exampleStep));
      else steps.push({ name: 'examples', status: 'fail', summary: 'the layered sources do not build', details: error ?? '' });
      if (evaluator && !steps.some((s) => s.name.startsWith('example:'))) steps.push({ name: 'examples', status: 'fail', summary: `no examples in ${relativeTo(process.cwd(), project.examplesDir)}` });
    } else steps.push({ name: 'examples', status: 'skip', summary: 'skipped: opa check failed' });
    return {
      team: project.team,
      builtin_version: layered.pack.version,
      steps,
      passed: steps.filter((s) => s.status === 'pass').length,
      failed: steps.filter((s) => s.status === 'fail').length,
      skipped: steps.filter((s) => s.status === 'skip').length,
    };
  } finally {
    layered.dispose();
  }
}
