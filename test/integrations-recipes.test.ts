// The CD recipes in docs/integrations/: every example file parses, and the exact `dfw`
// command line it contains runs against a real `dfw serve`, allowing a compliant deployment
// (exit 0) and denying a violating one (exit 1). Spinnaker has no command line: its webhook
// stage's request goes to the server, and its precondition is evaluated as Orca would.
//
// How a recipe's line is run here: `dfw` is a shim on PATH that execs
// `node bin/dfw.js` of this checkout; the line runs unchanged in the shell its tool uses, in
// an empty folder holding the request file it names. Only what each recipe leaves to its
// operator is substituted: the server (DFW_SERVER, or https://dfw.example.com in
// Spinnaker), the token (DFW_TOKEN from the tool's secret store, or Spinnaker's header
// placeholder) and the request file's content (an example from examples/, since the test
// server has no collectors to fill in the evidence).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256Hex } from '../src/shared/sha256.js';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { parseWorkflow } from '../src/collect/collectors/github-workflows.js';
import { buildBundle } from './helpers/bundle.js';
import { DFW, startDfw, type ServerProcess } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const DOCS = join(ROOT, 'docs/integrations');
const EXAMPLES = join(DOCS, 'examples');
const TOKEN = 'dfw_recipes-test-check-token';
const SERVER_PLACEHOLDER = 'https://dfw.example.com';
const TOKEN_PLACEHOLDER = 'REPLACE_WITH_DFW_CHECK_TOKEN';
const CASES = [
  { example: 'compliant.allow.json', exit: 0, allow: true },
  { example: 'dfw-vuln-001-critical-cves.deny.json', exit: 1, allow: false },
] as const;
const CI_RECIPES = ['gitlab-ci.yml', 'github-actions-workflow.yml', 'Jenkinsfile'] as const;

type Json = Record<string, unknown>;
interface Ctx {
  dir: string;
  bin: string;
  server: ServerProcess;
}

const recipes = suite<Ctx>('integrations-recipes');

const readRecipe = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');
const readExample = (name: string): Json => JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as Json;

recipes.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-recipes-'));
  // The recipes' `dfw`: this checkout's CLI, as a command on PATH.
  ctx.bin = join(ctx.dir, 'bin');
  mkdirSync(ctx.bin);
  writeFileSync(join(ctx.bin, 'dfw'), `#!/bin/sh\nexec '${process.execPath}' '${DFW}' "$@"\n`);
  chmodSync(join(ctx.bin, 'dfw'), 0o755);
  const config = join(ctx.dir, 'dfw.yaml');
  writeFileSync(
    config,
    [
      `bundle:\n  path: ${buildBundle({ revision: 'recipes-test' })}`,
      `store:\n  url: sqlite:${join(ctx.dir, 'dfw.db')}`,
      `publish:\n  dir: ${join(ctx.dir, 'published')}`,
      `tokens:\n  - { name: ci, sha256: ${await sha256Hex(TOKEN)}, roles: [check] }`,
      '',
    ].join('\n'),
  );
  ctx.server = await startDfw(['--config', config]);
});

recipes.after(async (ctx) => {
  await ctx.server?.stop();
});

// ---------------------------------------------------------------------------------------
// Running a recipe's lines

interface ScriptResult {
  status: number;
  stdout: string;
  stderr: string;
}

// Jenkins' sh step runs `sh -xe` (-x left out here, to keep stderr readable); GitLab's
// runner and GitHub's `shell: bash` run bash with errexit and pipefail.
function runScript(ctx: Ctx, shell: 'sh' | 'bash', script: string, cwd: string, env: Record<string, string>): ScriptResult {
  const args = shell === 'sh' ? ['-e', '-c', script] : ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script];
  const r = spawnSync(shell === 'sh' ? '/bin/sh' : 'bash', args, {
    cwd,
    // A clean environment: nothing from the developer's shell (a DFW_TOKEN, say) leaks in.
    env: { PATH: `${ctx.bin}${delimiter}${process.env.PATH ?? ''}`, HOME: cwd, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The `dfw …` command lines of a script: whole lines that start with `dfw `. */
function dfwLines(script: string): string[] {
  const lines = script.split('\n').map((line) => line.trim()).filter((line) => /^dfw\s/.test(line));
  for (const line of lines) assert.not.match(line, /\\$/, `a dfw line is one line, without continuation: ${line}`);
  return lines;
}

interface DfwLine {
  line: string;
  input: string;
  format: string;
  /** The file the line redirects standard output to, if any. */
  output?: string;
}

function parseDfwLine(line: string): DfwLine {
  assert.match(line, /^dfw check\s/, line);
  assert.match(line, /--server "\$DFW_SERVER"/, `asks the server in $DFW_SERVER: ${line}`);
  assert.not.match(line, /--token/, `the token comes from $DFW_TOKEN, never the command line: ${line}`);
  const input = /--input\s+(\S+)/.exec(line)?.[1];
  const format = /--format\s+(\S+)/.exec(line)?.[1];
  assert.ok(input && format, `names --input and --format: ${line}`);
  const output = /\s>\s*(\S+)\s*$/.exec(line)?.[1];
  return { line, input: input!, format: format!, ...(output ? { output } : {}) };
}

interface LineRun extends ScriptResult {
  cwd: string;
  output: string;
}

/** Runs a recipe's dfw line in a fresh folder whose request file holds `example`. */
function runDfwLine(ctx: Ctx, shell: 'sh' | 'bash', dfw: DfwLine, example: string, env: Record<string, string>): LineRun {
  const cwd = mkdtempSync(join(ctx.dir, 'run-'));
  mkdirSync(dirname(join(cwd, dfw.input)), { recursive: true });
  copyFileSync(join(ROOT, 'examples', example), join(cwd, dfw.input));
  const r = runScript(ctx, shell, dfw.line, cwd, env);
  const output = dfw.output ? readFileSync(join(cwd, dfw.output), 'utf8') : r.stdout;
  return { ...r, cwd, output };
}

/** What the operator supplies: the server and the check token, here the test server's. */
function operatorEnv(ctx: Ctx): Record<string, string> {
  return { DFW_SERVER: ctx.server.url, DFW_TOKEN: TOKEN };
}

// ---------------------------------------------------------------------------------------
// What each output format must look like to the tool that reads it

/** Enough of XML 1.0 to tell a well-formed report: one root, balanced tags, quoted attributes, escaped text. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const tags = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*(\/?)>/g;
  const open: string[] = [];
  let roots = 0;
  let last = 0;
  for (const m of body.matchAll(tags)) {
    const text = body.slice(last, m.index);
    assert.not.match(text, /<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, `markup or a bare & before <${m[1]}${m[2]}>`);
    last = m.index! + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      assert.is(open.pop(), name, `</${name}> closes the element that is open`);
      continue;
    }
    if (open.length === 0) roots++;
    if (!selfClosing) open.push(name!);
  }
  assert.is(roots, 1, 'one root element');
  assert.equal(open, [], 'every element is closed');
  assert.is(body.slice(last).trim(), '', 'nothing after the root element');
}

function assertJunit(xml: string, allow: boolean): void {
  assertWellFormedXml(xml);
  const suites = /^<testsuites\b[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"/m.exec(xml);
  assert.ok(suites, 'the root is <testsuites> with tests and failures counts');
  const failures = Number(suites![2]);
  assert.is((xml.match(/<failure\b/g) ?? []).length, failures, 'failures counts the <failure> elements');
  assert.is((xml.match(/<testcase\b/g) ?? []).length, Number(suites![1]), 'tests counts the <testcase> elements');
  assert.match(xml, `<property name="allow" value="${allow}"/>`);
  if (allow) assert.is(failures, 0);
  else assert.match(xml, /<testcase classname="vulnerabilities" name="DFW-VULN-001[^"]*"[^>]*>\s*(?:<properties>[\s\S]*?<\/properties>\s*)?<failure message="CVE-2019-14697[^"]*" type="critical">/);
}

function assertSarif(text: string, allow: boolean): void {
  const log = JSON.parse(text) as { version: string; runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: Array<Json> }> };
  assert.is(log.version, '2.1.0');
  assert.is(log.runs.length, 1);
  const [run] = log.runs;
  assert.is(run!.tool.driver.name, 'dfw');
  // upload-sarif keeps a run's own automationDetails: its category is the id up to the last "/".
  assert.match(String((run as { automationDetails?: { id?: string } }).automationDetails?.id), /^dfw\/production\/[^/]+$/);
  const errors = run!.results.filter((r) => r.level === 'error');
  // GitHub code scanning refuses a result without a location, a region or a known rule.
  for (const result of run!.results) {
    assert.ok(run!.tool.driver.rules.some((rule) => rule.id === result.ruleId), `rule ${String(result.ruleId)} is described`);
    const location = (result.locations as Array<{ physicalLocation: { region: { startLine: number } } }>)[0]!;
    assert.ok(location.physicalLocation.region.startLine >= 1);
  }
  if (allow) assert.is(errors.length, 0);
  else assert.ok(errors.some((r) => r.ruleId === 'DFW-VULN-001'), 'the critical CVE is an error-level result');
}

function assertGithub(stdout: string, summary: string, allow: boolean): void {
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines.at(-1)!, new RegExp(`^dfw: ${allow ? 'ALLOW' : 'DENY'} production `));
  if (allow) assert.not.match(stdout, /^::error/m);
  else assert.match(stdout, /^::error title=DFW-VULN-001 \(critical\)::CVE-2019-14697/m);
  assert.match(summary, allow ? '## ✅ dfw allowed the deployment of payments to production' : '## ❌ dfw denied the deployment of payments to production');
}

function assertTable(stdout: string, allow: boolean): void {
  assert.match(stdout, allow ? /^ALLOW/ : /^DENY/);
  if (!allow) assert.match(stdout, /CRITICAL\s+DFW-VULN-001/);
}

// ---------------------------------------------------------------------------------------
// The request template

const TEMPLATE_VALUES: Record<string, string> = {
  DFW_APPLICATION: 'payments',
  DFW_SERVICE: 'payments-api',
  DFW_ENVIRONMENT: 'production',
  DFW_IMAGE: 'registry.example.com/payments/api:1.5.0',
  DFW_IMAGE_DIGEST: 'sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b',
  DFW_REPOSITORY: 'github.com/acme/payments',
  DFW_BRANCH: 'feature/"quoted" $(branch)',
  DFW_COMMIT: '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e',
  DFW_CHANGE_TICKET: 'CHG0012345',
  DFW_REQUESTED_BY: 'ci:alice',
  DFW_PIPELINE_URL: 'https://ci.example.com/runs/42',
};

const hasJq = spawnSync('jq', ['--version']).status === 0;

/** Runs a recipe's `jq … > file` line in a folder holding the template where the line looks for it. */
function renderRequest(ctx: Ctx, line: string, values: Record<string, string>): Json {
  const template = /-f\s+(\S+)/.exec(line)?.[1];
  const output = /\s>\s*(\S+)\s*$/.exec(line)?.[1];
  assert.ok(template && output, `renders a template into a file: ${line}`);
  const cwd = mkdtempSync(join(ctx.dir, 'render-'));
  mkdirSync(dirname(join(cwd, template!)), { recursive: true });
  copyFileSync(join(EXAMPLES, basename(template!)), join(cwd, template!));
  const r = runScript(ctx, 'sh', line, cwd, values);
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(join(cwd, output!), 'utf8')) as Json;
}

function assertRendersTheTemplate(ctx: Ctx, recipe: string, renderLine: string): void {
  assert.match(renderLine, /^jq -n -f dfw\/check-request\.jq > dfw-request\.json$/, `${recipe}: renders dfw/check-request.jq`);
  // make test installs jq (scripts/ensure-packages.sh): its absence is a failure, not a skip.
  assert.ok(hasJq, `${recipe}: jq is not on PATH, so the render step cannot be checked`);
  const full = parseCheckRequest(renderRequest(ctx, renderLine, TEMPLATE_VALUES));
  assert.equal(full.artifact, { image: TEMPLATE_VALUES.DFW_IMAGE, digest: TEMPLATE_VALUES.DFW_IMAGE_DIGEST });
  assert.equal(full.source, { repository: 'github.com/acme/payments', branch: 'feature/"quoted" $(branch)', commit: TEMPLATE_VALUES.DFW_COMMIT });
  assert.is(full.change_ticket, 'CHG0012345');
  assert.is(full.pipeline_url, 'https://ci.example.com/runs/42');
  // Only the required variables: everything else is left out, not sent empty (which dfw refuses).
  const minimal = renderRequest(ctx, renderLine, { DFW_APPLICATION: 'payments', DFW_ENVIRONMENT: 'staging', DFW_IMAGE: 'registry.example.com/payments/api:1.5.0', DFW_CHANGE_TICKET: '' });
  assert.equal(minimal, { application: 'payments', environment: 'staging', artifact: { image: 'registry.example.com/payments/api:1.5.0' } });
  parseCheckRequest(minimal);
}

// ---------------------------------------------------------------------------------------
// The index and what every recipe says

recipes('the index links every recipe and every example file', () => {
  const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
  for (const doc of ['spinnaker.md', 'argocd.md', 'jenkins.md', 'gitlab-ci.md', 'github-actions.md']) {
    assert.ok(existsSync(join(DOCS, doc)), doc);
    assert.match(index, `](${doc})`);
  }
  for (const example of ['spinnaker-pipeline.json', 'argocd-presync-job.yaml', 'Jenkinsfile', 'gitlab-ci.yml', 'github-actions-workflow.yml', 'check-request.jq']) {
    assert.match(index, `](examples/${example})`);
  }
});

recipes('every recipe says how a deny and an error stop the deployment', () => {
  for (const name of ['argocd-presync-job.yaml', ...CI_RECIPES]) {
    assert.match(readRecipe(name), /exits 0 allow, 1 deny, 2 error/, `${name} states the exit codes`);
  }
  const spinnaker = readRecipe('spinnaker-pipeline.json');
  const description = (JSON.parse(spinnaker) as { description: string }).description;
  assert.match(description, /fails on any answer that is not 2xx/);
  assert.match(description, /fails the pipeline unless the answer says allow=true/);
});

recipes('every CI recipe sets the variables the request template needs', () => {
  for (const name of CI_RECIPES) {
    const text = readRecipe(name);
    for (const variable of ['DFW_SERVER', 'DFW_ENVIRONMENT', 'DFW_APPLICATION', 'DFW_IMAGE', 'DFW_IMAGE_DIGEST', 'DFW_COMMIT', 'DFW_REPOSITORY']) {
      assert.match(text, new RegExp(`\\b${variable}\\s*[:=]`), `${name} sets ${variable}`);
    }
    assert.match(text, /\bDFW_TOKEN\b/, `${name} says where DFW_TOKEN comes from`);
    assert.not.match(text, /dfw_[A-Za-z0-9]{8,}/, `${name} holds no token`);
  }
});

// ---------------------------------------------------------------------------------------
// GitLab CI

interface GitlabJob {
  script?: string[];
  variables?: Record<string, string>;
  needs?: string[];
  artifacts?: { when?: string; reports?: { junit?: string } };
}

recipes('GitLab CI: the dfw-check job allows a compliant deployment, fails on a deny, and always hands GitLab the JUnit report', (ctx) => {
  const pipeline = yaml.load(readRecipe('gitlab-ci.yml')) as Record<string, GitlabJob>;
  const jobs = Object.entries(pipeline).filter(([, job]) => Array.isArray(job?.script));
  const checking = jobs.filter(([, job]) => job.script!.some((line) => dfwLines(line).length > 0));
  assert.is(checking.length, 1, 'one job asks dfw');
  const [name, job] = checking[0]!;
  const [line, ...more] = job.script!.flatMap(dfwLines);
  assert.is(more.length, 0);
  const dfw = parseDfwLine(line!);
  assert.is(dfw.format, 'junit');
  assert.is(job.artifacts?.reports?.junit, dfw.output, 'GitLab reads the file the line writes');
  assert.is(job.artifacts?.when, 'always', 'the report is uploaded when the job fails too');
  assert.ok(pipeline.deploy?.needs?.includes(name), 'deploy needs the dfw job');
  assert.is(job.variables?.DFW_ENVIRONMENT, 'production');
  assertRendersTheTemplate(ctx, 'gitlab-ci.yml', job.script!.find((l) => l.startsWith('jq '))!);

  for (const c of CASES) {
    const run = runDfwLine(ctx, 'bash', dfw, c.example, { ...operatorEnv(ctx), DFW_ENVIRONMENT: job.variables!.DFW_ENVIRONMENT! });
    assert.is(run.status, c.exit, `${c.example}: ${run.stderr}`);
    assertJunit(run.output, c.allow);
  }
});

// ---------------------------------------------------------------------------------------
// GitHub Actions

interface GithubStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface GithubJob {
  needs?: string | string[];
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: GithubStep[];
}

recipes('GitHub Actions: the recipe passes dfw\'s own workflow rules, read as the GitHub collector reads it', async (ctx) => {
  // The workflow a team copies is judged by the rules that will judge theirs: pinned actions
  // (DFW-BUILD-002), read-only permissions (DFW-BUILD-001), no pull_request_target, script
  // injection or self-hosted runners (DFW-BUILD-003 to 005).
  const workflow = parseWorkflow('.github/workflows/deploy.yml', readRecipe('github-actions-workflow.yml'));
  const body = JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8')) as { evidence: Record<string, unknown> };
  body.evidence.workflows = [workflow];
  const res = await fetch(`${ctx.server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  assert.is(res.status, 200);
  const decision = (await res.json()) as { allow: boolean; deny: Record<string, Array<{ rule: string; message: string }>>; warn: Record<string, Array<{ rule: string; message: string }>> };
  const build = [...Object.values(decision.deny), ...Object.values(decision.warn)].flat().filter((v) => v.rule.startsWith('DFW-BUILD-'));
  assert.equal(build.map((v) => `${v.rule}: ${v.message}`), [], 'no build rule objects to the recipe');
  assert.is(decision.allow, true);
  assert.ok(workflow.jobs.flatMap((j) => j.steps ?? []).filter((s) => s.uses).length >= 7, 'the steps that use actions were read');
});

recipes('GitHub Actions: the gate annotates and summarises with --format github, and the SARIF step feeds upload-sarif', (ctx) => {
  const workflow = yaml.load(readRecipe('github-actions-workflow.yml')) as { permissions: Record<string, string>; jobs: Record<string, GithubJob> };
  assert.ok(Object.values(workflow.permissions).every((p) => p === 'read' || p === 'none'), 'read-only at the top (DFW-BUILD-001)');
  const checking = Object.entries(workflow.jobs).filter(([, job]) => job.steps.some((s) => s.run && dfwLines(s.run).length > 0));
  assert.is(checking.length, 1, 'one job asks dfw');
  const [name, job] = checking[0]!;
  assert.is(job.permissions?.['security-events'], 'write', 'upload-sarif needs security-events: write');
  const deployNeeds = ([] as string[]).concat(workflow.jobs.deploy?.needs ?? []);
  assert.ok(deployNeeds.includes(name), 'deploy needs the dfw job');

  const dfwSteps = job.steps.filter((s) => s.run && dfwLines(s.run).length > 0);
  const gate = dfwSteps.find((s) => parseDfwLine(dfwLines(s.run!)[0]!).format === 'github')!;
  const sarifStep = dfwSteps.find((s) => parseDfwLine(dfwLines(s.run!)[0]!).format === 'sarif')!;
  assert.ok(gate && sarifStep, 'one step with --format github, one with --format sarif');
  for (const step of [gate, sarifStep]) assert.is(step.env?.DFW_TOKEN, '${{ secrets.DFW_TOKEN }}', `${step.name}: the token comes from secrets, on this step only`);
  assert.is(job.env?.DFW_TOKEN, undefined, 'the token is not in the whole job\'s environment');
  const sarif = parseDfwLine(dfwLines(sarifStep.run!)[0]!);
  const upload = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.ok(upload, 'uploads with github/codeql-action/upload-sarif');
  assert.is(upload!.with?.sarif_file, sarif.output, 'upload-sarif reads the file the SARIF line writes');
  assert.match(upload!.if ?? '', `steps.${sarifStep.id}.outputs.exit-code == '1'`, 'a deny is uploaded too');
  assert.not.match(upload!.if ?? '', `exit-code == '2'`, 'an error is not');
  assert.ok(job.steps.indexOf(gate) < job.steps.indexOf(sarifStep) && job.steps.indexOf(sarifStep) < job.steps.indexOf(upload!));
  assert.match(sarifStep.if ?? '', '!cancelled()', 'the SARIF step runs after the gate failed on a deny');
  assertRendersTheTemplate(ctx, 'github-actions-workflow.yml', job.steps.find((s) => s.run?.startsWith('jq '))!.run!.trim());

  const env = { ...operatorEnv(ctx), DFW_ENVIRONMENT: job.env!.DFW_ENVIRONMENT! };
  for (const c of CASES) {
    const summaryFile = join(mkdtempSync(join(ctx.dir, 'gh-')), 'summary.md');
    writeFileSync(summaryFile, '');
    const gated = runDfwLine(ctx, 'bash', parseDfwLine(dfwLines(gate.run!)[0]!), c.example, { ...env, GITHUB_STEP_SUMMARY: summaryFile });
    assert.is(gated.status, c.exit, `${c.example}: ${gated.stderr}`);
    assertGithub(gated.stdout, readFileSync(summaryFile, 'utf8'), c.allow);

    const line = runDfwLine(ctx, 'bash', sarif, c.example, env);
    assert.is(line.status, c.exit, `${c.example}: ${line.stderr}`);
    assertSarif(line.output, c.allow);

    // The whole SARIF step as the runner runs it: it succeeds on allow and deny alike and
    // hands the exit code to the upload's condition.
    const outputFile = join(line.cwd, 'github-output');
    writeFileSync(outputFile, '');
    const step = runScript(ctx, 'bash', sarifStep.run!, line.cwd, { ...env, GITHUB_OUTPUT: outputFile });
    assert.is(step.status, 0, step.stderr);
    assert.is(readFileSync(outputFile, 'utf8'), `exit-code=${c.exit}\n`);
    assertSarif(readFileSync(join(line.cwd, sarif.output!), 'utf8'), c.allow);
  }
});

// ---------------------------------------------------------------------------------------
// Jenkins

recipes('Jenkins: the sh step exits 0 or 1, the report is archived with junit, and exit 1 fails the build', (ctx) => {
  const jenkinsfile = readRecipe('Jenkinsfile');
  // Each sh step's script: `sh '…'` and `sh(returnStatus: true, script: '…')`.
  const steps = [...jenkinsfile.matchAll(/\bsh\s*(?:\(([^)']*?)script:\s*)?'([^']*)'/g)].map((m) => ({ options: m[1] ?? '', script: m[2]! }));
  const checking = steps.filter((s) => dfwLines(s.script).length > 0);
  assert.is(checking.length, 1, 'one sh step asks dfw');
  const [step] = checking;
  assert.match(step!.options, 'returnStatus: true', 'the exit code is kept, so that the report is archived before the build fails');
  const dfw = parseDfwLine(dfwLines(step!.script)[0]!);
  assert.is(dfw.format, 'junit');
  assert.match(jenkinsfile, `junit testResults: '${dfw.output}'`);
  assert.match(jenkinsfile, /if \(status == 0 \|\| status == 1\) \{\s*junit /);
  assert.match(jenkinsfile, /if \(status == 1\) \{\s*error /);
  assert.match(jenkinsfile, /if \(status != 0\) \{\s*error /);
  assert.match(jenkinsfile, /DFW_TOKEN = credentials\('dfw-check-token'\)/);
  const environment = /DFW_ENVIRONMENT = '([^']+)'/.exec(jenkinsfile)?.[1];
  assert.is(environment, 'production');
  assertRendersTheTemplate(ctx, 'Jenkinsfile', steps.find((s) => s.script.startsWith('jq '))!.script);

  for (const c of CASES) {
    const run = runDfwLine(ctx, 'sh', dfw, c.example, { ...operatorEnv(ctx), DFW_ENVIRONMENT: environment! });
    assert.is(run.status, c.exit, `${c.example}: ${run.stderr}`);
    assertJunit(run.output, c.allow);
    // The junit step fails a build whose reports hold no test at all, unless told otherwise.
    if (!/<testcase\b/.test(run.output)) assert.match(jenkinsfile, `junit testResults: '${dfw.output}', allowEmptyResults: true`, `${c.example}: the report has no test`);
  }
});

// ---------------------------------------------------------------------------------------
// Argo CD

interface K8sObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Json;
}
interface Container {
  name: string;
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

/** Kubernetes' $(VAR) expansion of container args: defined names only; $$ escapes a $. */
function expandKubernetesVars(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name?: string) => (match === '$$' ? '$' : name && name in env ? env[name]! : match));
}

recipes('Argo CD: the PreSync Job runs dfw check --server; exit 1 fails the Job (and the sync) at once, exit 0 lets the sync go on', (ctx) => {
  const objects = yaml.loadAll(readRecipe('argocd-presync-job.yaml')) as K8sObject[];
  const job = objects.find((o) => o.kind === 'Job')!;
  const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
  assert.ok(job && configMap);
  for (const hook of [job, configMap]) {
    assert.is(hook.metadata.annotations?.['argocd.argoproj.io/hook'], 'PreSync', `${hook.kind} is a PreSync hook`);
  }
  const wave = (o: K8sObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  assert.ok(wave(configMap) < wave(job), 'the request exists before the Job that mounts it');

  const jobSpec = job.spec as { backoffLimit: number; podFailurePolicy: { rules: Array<{ action: string; onExitCodes?: { containerName?: string; operator: string; values: number[] } }> }; template: { spec: { restartPolicy: string; containers: Container[]; volumes: Array<{ name: string; configMap?: { name: string } }> } } };
  const pod = jobSpec.template.spec;
  assert.is(pod.restartPolicy, 'Never', 'podFailurePolicy needs restartPolicy: Never');
  assert.is(pod.containers.length, 1);
  const container = pod.containers[0]!;
  // The Job's fate for an exit code, as the Job controller decides it.
  const fate = (exit: number): string => {
    if (exit === 0) return 'complete';
    const rule = jobSpec.podFailurePolicy.rules.find(
      (r) => r.onExitCodes && (!r.onExitCodes.containerName || r.onExitCodes.containerName === container.name) && r.onExitCodes.operator === 'In' && r.onExitCodes.values.includes(exit),
    );
    return rule?.action === 'FailJob' ? 'failed at once' : `retried (backoffLimit ${jobSpec.backoffLimit})`;
  };
  assert.is(fate(1), 'failed at once');
  assert.match(fate(2), /^retried/);

  // The container's environment as the kubelet builds it, with the operator's server and Secret.
  const env: Record<string, string> = {};
  for (const e of container.env) {
    if (e.value !== undefined) env[e.name] = e.name === 'DFW_SERVER' && e.value === SERVER_PLACEHOLDER ? ctx.server.url : e.value;
    else if (e.valueFrom?.secretKeyRef) {
      assert.equal(e.valueFrom.secretKeyRef, { name: 'dfw-check-token', key: 'token' });
      env[e.name] = TOKEN;
    }
  }
  assert.is(env.DFW_TOKEN, TOKEN, 'DFW_TOKEN comes from the Secret');
  assert.not.ok(container.args.some((a) => /token/i.test(a)), 'the token is not an argument');
  const argv = container.args.map((a) => expandKubernetesVars(a, env));
  assert.is(argv[0], 'check');
  assert.is(argv[argv.indexOf('--server') + 1], ctx.server.url);
  assert.is(argv[argv.indexOf('--env') + 1], 'production');

  // The request file comes from the ConfigMap hook through the volume.
  const input = argv[argv.indexOf('--input') + 1]!;
  const mount = container.volumeMounts.find((m) => input.startsWith(`${m.mountPath}/`))!;
  assert.ok(mount, `${input} is in a mounted volume`);
  assert.is(pod.volumes.find((v) => v.name === mount.name)?.configMap?.name, configMap.metadata.name);
  const key = input.slice(mount.mountPath.length + 1);
  const shipped = parseCheckRequest(JSON.parse(configMap.data![key]!));
  assert.is(shipped.artifact.digest?.startsWith('sha256:'), true, 'the shipped request names the digest');

  for (const c of CASES) {
    const cwd = mkdtempSync(join(ctx.dir, 'argo-'));
    const requestFile = join(cwd, key);
    copyFileSync(join(ROOT, 'examples', c.example), requestFile);
    const r = spawnSync(process.execPath, [DFW, ...argv.map((a) => (a === input ? requestFile : a))], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(r.status, c.exit, `${c.example}: ${r.stderr}`);
    assertTable(r.stdout, c.allow);
    assert.is(fate(r.status!), c.allow ? 'complete' : 'failed at once');
  }
});

// ---------------------------------------------------------------------------------------
// Spinnaker: the webhook stage's request, and the precondition on its answer

// Pipeline expressions, only as much as the recipe uses (Orca's ExpressionTransform and
// kork's SpEL helpers): `parameters`, `execution`, `trigger`, map access by ['key'] or .key,
// #stage('name'), #readJson(…), string and boolean literals, and `==`. Anything else throws,
// so the recipe cannot drift out of what this test understands.
interface SpelScope {
  parameters: Record<string, string>;
  execution: Json;
  trigger: Json;
  stages: Record<string, Json>;
}

function evaluateSpel(expression: string, scope: SpelScope): unknown {
  const tokens = expression.match(/#?\w+|'[^']*'|==|[()[\].]|\S/g) ?? [];
  let at = 0;
  const take = (expected?: string): string => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) throw new Error(`expected ${expected ?? 'more'} at ${at} in ${expression}`);
    return token;
  };
  const literal = (token: string): string | boolean => {
    if (/^'.*'$/.test(token)) return token.slice(1, -1);
    if (token === 'true' || token === 'false') return token === 'true';
    throw new Error(`not a literal: ${token} in ${expression}`);
  };
  const index = (value: unknown, key: string): unknown => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`cannot index ${JSON.stringify(value)} with ${key}`);
    return (value as Json)[key] ?? null;
  };
  const access = (): unknown => {
    const head = take();
    let value: unknown;
    if (head === '#stage') {
      take('(');
      const name = String(literal(take()));
      take(')');
      value = scope.stages[name];
      if (!value) throw new Error(`no stage named ${name}`);
    } else if (head === '#readJson') {
      take('(');
      value = JSON.parse(String(access()));
      take(')');
    } else if (head === 'parameters' || head === 'execution' || head === 'trigger') {
      value = scope[head];
    } else throw new Error(`unsupported in this test: ${head} in ${expression}`);
    for (;;) {
      if (tokens[at] === '[') {
        take('[');
        value = index(value, String(literal(take())));
        take(']');
      } else if (tokens[at] === '.') {
        take('.');
        value = index(value, take());
      } else return value;
    }
  };
  let result = access();
  if (tokens[at] === '==') {
    take('==');
    result = result === literal(take());
  }
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]} in ${expression}`);
  return result;
}

/** Orca evaluates every string with ${…}: a string that is one expression keeps the value's type; a null result leaves the text. */
function renderSpel(value: unknown, scope: SpelScope): unknown {
  if (Array.isArray(value)) return value.map((v) => renderSpel(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderSpel(v, scope)]));
  if (typeof value !== 'string' || !value.includes('${')) return value;
  const whole = /^\$\{([^{}]*)\}$/.exec(value);
  if (whole) return evaluateSpel(whole[1]!, scope) ?? value;
  return value.replace(/\$\{([^{}]*)\}/g, (_, expression: string) => String(evaluateSpel(expression, scope)));
}

interface WebhookStage {
  refId: string;
  name: string;
  type: string;
  requisiteStageRefIds: string[];
  method: string;
  url: string;
  customHeaders: Record<string, string>;
  payload: Json;
  waitForCompletion: boolean;
  failFastStatusCodes?: number[];
  failPipeline: boolean;
  preconditions?: Array<{ type: string; failPipeline: boolean; context: { expression: string } }>;
  manifests?: Array<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>;
}
interface SpinnakerPipeline {
  application: string;
  parameterConfig: Array<{ name: string; required: boolean; default: string }>;
  stages: WebhookStage[];
}

/** The webhook stage's status for an HTTP answer (orca-webhook WebhookResponseProcessor, waitForCompletion false). */
function webhookStageStatus(httpStatus: number, stage: WebhookStage): 'SUCCEEDED' | 'TERMINAL' | 'RUNNING' {
  if (httpStatus >= 200 && httpStatus < 400) return 'SUCCEEDED';
  if (stage.failFastStatusCodes?.includes(httpStatus)) return 'TERMINAL';
  if (httpStatus >= 500 || httpStatus === 429) return 'RUNNING'; // retried until the task times out
  return 'TERMINAL';
}

function spinnakerParts() {
  const pipeline = JSON.parse(readRecipe('spinnaker-pipeline.json')) as SpinnakerPipeline;
  const webhook = pipeline.stages.find((s) => s.type === 'webhook')!;
  const gate = pipeline.stages.find((s) => s.type === 'checkPreconditions')!;
  const deploy = pipeline.stages.find((s) => s.type === 'deployManifest')!;
  return { pipeline, webhook, gate, deploy };
}

/** Pipeline parameters for a deployment described by an example check request. */
function parametersFor(pipeline: SpinnakerPipeline, example: Json): Record<string, string> {
  const artifact = example.artifact as { image: string; digest: string };
  const source = example.source as { repository: string; branch: string; commit: string };
  const values: Record<string, string> = {
    ...Object.fromEntries(pipeline.parameterConfig.map((p) => [p.name, p.default])),
    environment: String(example.environment),
    image: artifact.image,
    digest: artifact.digest,
    service: String(example.service),
    repository: source.repository,
    branch: source.branch,
    commit: source.commit,
    changeTicket: String(example.change_ticket),
    evidence: JSON.stringify(example.evidence),
  };
  for (const p of pipeline.parameterConfig) if (p.required) assert.ok(values[p.name], `required parameter ${p.name} has a value`);
  return values;
}

/** Runs the webhook stage as Orca would: render, substitute the operator's server and token, call. */
async function callWebhookStage(ctx: Ctx, webhook: WebhookStage, scope: SpelScope, token: string): Promise<{ status: number; body: Json }> {
  const rendered = renderSpel({ url: webhook.url, customHeaders: webhook.customHeaders, payload: webhook.payload }, scope) as Pick<WebhookStage, 'url' | 'customHeaders' | 'payload'>;
  assert.ok(rendered.url.startsWith(SERVER_PLACEHOLDER), rendered.url);
  const url = ctx.server.url + rendered.url.slice(SERVER_PLACEHOLDER.length);
  const headers = Object.fromEntries(Object.entries(rendered.customHeaders).map(([k, v]) => [k, v.replace(TOKEN_PLACEHOLDER, token)]));
  const response = await fetch(url, { method: webhook.method, headers, body: JSON.stringify(rendered.payload) });
  return { status: response.status, body: (await response.json()) as Json };
}

recipes('Spinnaker: the webhook stage asks dfw and the precondition passes on allow and fails the pipeline on deny', async (ctx) => {
  const { pipeline, webhook, gate, deploy } = spinnakerParts();
  assert.is(webhook.method, 'POST');
  assert.match(webhook.url, /\/v1\/check$/);
  assert.is(webhook.waitForCompletion, false, 'dfw answers in the response: nothing to poll');
  assert.is(webhook.failPipeline, true);
  assert.equal(gate.requisiteStageRefIds, [webhook.refId], 'the precondition runs on the webhook stage\'s answer');
  assert.equal(deploy.requisiteStageRefIds, [gate.refId], 'the deploy runs only after the precondition');
  const [precondition, ...others] = gate.preconditions!;
  assert.is(others.length, 0);
  assert.is(precondition!.type, 'expression');
  assert.is(precondition!.failPipeline, true);

  for (const c of CASES) {
    const example = readExample(c.example);
    const parameters = parametersFor(pipeline, example);
    const scope: SpelScope = { parameters, execution: { application: pipeline.application, id: '01TESTEXECUTION' }, trigger: { user: 'alice@acme.example', parameters }, stages: {} };
    const answer = await callWebhookStage(ctx, webhook, scope, TOKEN);
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.is(webhookStageStatus(answer.status, webhook), 'SUCCEEDED', 'a 200 deny is still a successful call');
    assert.is(answer.body.allow, c.allow);
    if (!c.allow) assert.match(JSON.stringify((answer.body.deny as Json).critical), 'DFW-VULN-001');
    // The stage's outputs, as CreateWebhookTask records them in its context.
    scope.stages[webhook.name] = { status: 'SUCCEEDED', context: { webhook: { statusCode: 'OK', statusCodeValue: answer.status, body: answer.body } } };
    // ExpressionPreconditionTask: the evaluated expression, read with Boolean.valueOf.
    const evaluated = renderSpel(precondition!.context.expression, scope);
    const status = String(evaluated).toLowerCase() === 'true' ? 'SUCCEEDED' : 'TERMINAL';
    assert.is(status, c.allow ? 'SUCCEEDED' : 'TERMINAL', `${c.example}: ${precondition!.context.expression} = ${String(evaluated)}`);
    // What is deployed is the digest that was checked.
    const deployed = renderSpel(deploy.manifests![0]!.spec.template.spec.containers[0]!.image, scope);
    assert.is(deployed, `${parameters.image}@${parameters.digest}`);
  }
});

recipes('Spinnaker: an answer that is not a decision fails the webhook stage, and the pipeline with it', async (ctx) => {
  const { pipeline, webhook } = spinnakerParts();
  const parameters = parametersFor(pipeline, readExample('compliant.allow.json'));
  const scope: SpelScope = { parameters, execution: { application: pipeline.application, id: '01TESTEXECUTION' }, trigger: { user: 'alice@acme.example' }, stages: {} };
  const wrongToken = await callWebhookStage(ctx, webhook, scope, 'not-a-dfw-token');
  assert.is(wrongToken.status, 401);
  assert.is(webhookStageStatus(wrongToken.status, webhook), 'TERMINAL');
  const noTicket = await callWebhookStage(ctx, webhook, { ...scope, parameters: { ...parameters, changeTicket: '' } }, TOKEN);
  assert.is(noTicket.status, 400, 'an empty change ticket is refused, which is why the parameter is required');
  assert.is(webhookStageStatus(noTicket.status, webhook), 'TERMINAL');
  assert.is(webhookStageStatus(500, webhook), 'TERMINAL', 'a failed-closed evaluation is not retried for five minutes');
});

recipes.run();
