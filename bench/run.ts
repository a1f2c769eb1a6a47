// Runs dfw's benchmarks beside OPA's on the same policy and inputs, and writes the figures
// to docs/performance.md. `make bench`; `node --import tsx bench/run.ts --help` for flags.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvaluator, loadBundle, type VerificationConfig } from '../src/engine/index.js';
import { benchBundleLoad } from './bundle-load.js';
import { log, PUBLIC_KEY, showCommand, SIGNING_KEY, type BenchContext } from './context.js';
import { benchEvaluate, decisionShape } from './evaluate.js';
import { HELP, parseFlags, REPORT, SECTIONS, UsageError } from './flags.js';
import { compareHttp } from './http-compare.js';
import { BENCH_TIME, loadBenchInputs, ROOT, type BenchInput } from './inputs.js';
import { describeMachine, probeCoreSpeeds } from './machine.js';
import { buildBundles, OPA, opaBenchFigures, opaBenchRuns, opaDecision, POLICY_ARGS, QUERY } from './opa.js';
import { measureBackground, sampleBackgroundCores } from './cpu.js';
import { profileDfw } from './profile-run.js';
import { benchScale } from './scale.js';
import { QuietPolicy } from './quiet.js';
import { renderReport } from './report.js';
import type { BenchResults } from './results.js';

/** The inputs as files in $BENCH_TMP, for opa and for anyone repeating a command by hand. */
function writeInputFiles(tmp: string, inputs: BenchInput[]): void {
  for (const bench of inputs) {
    writeFileSync(join(tmp, `${bench.name}.input.json`), bench.inputJson);
    writeFileSync(join(tmp, `${bench.name}.request.json`), bench.requestJson);
    writeFileSync(join(tmp, `${bench.name}.opa-body.json`), `{"input":${bench.inputJson}}`);
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  if (!flags) {
    process.stdout.write(HELP);
    return 0;
  }
  const began = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'dfw-bench-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const quiet = new QuietPolicy(flags.patienceSec, log);
  const context: BenchContext = {
    flags,
    tmp,
    quiet,
    bundles: { signedWasm: join(tmp, 'firewall.signed.tar.gz'), unsignedWasm: join(tmp, 'firewall.unsigned.tar.gz'), signedRego: join(tmp, 'firewall-rego.signed.tar.gz') },
  };
  const opaCommand = (args: string[]) => showCommand(context, [OPA, ...args]);

  const waitStarted = performance.now();
  const startCores = quiet.enabled ? await quiet.waitForQuiet(60) : await sampleBackgroundCores();
  const results: BenchResults = {
    date: new Date(),
    machine: describeMachine(OPA),
    argv: process.argv.slice(2),
    flags: { ...flags.load, evalSeconds: flags.evalSeconds, opaCount: flags.opaCount, bundleIterations: flags.bundleIterations },
    commands: { build: [], evaluate: [], http: [] },
    inputs: [],
    evaluate: [],
    background: { startCores, waitedSec: (performance.now() - waitStarted) / 1000, endCores: Number.NaN, retries: 0 },
  };

  const all = await loadBenchInputs();
  const inputs: BenchInput[] = flags.large ? [all.typical, all.large] : [all.typical];
  writeInputFiles(tmp, inputs);
  results.coreSpeeds = { start: probeCoreSpeeds(all.typical.requestJson) };
  results.inputs = inputs.map((b) => ({ name: b.name, description: b.description, requestBytes: Buffer.byteLength(b.requestJson), inputBytes: Buffer.byteLength(b.inputJson) }));

  log('building the bundles; signed ones with the test-only key');
  const { signedWasm, unsignedWasm, signedRego } = context.bundles;
  results.commands.build = [...buildBundles(SIGNING_KEY, signedWasm, signedRego), ...buildBundles(undefined, unsignedWasm)].map((argv) => showCommand(context, argv));

  const publicKey = readFileSync(join(ROOT, PUBLIC_KEY), 'utf8');
  const verification: VerificationConfig = { keys: { default: { key: publicKey, algorithm: 'RS256' } } };
  const evaluator = await createEvaluator(await loadBundle(readFileSync(signedWasm), { verification }));
  const expected = new Map(inputs.map((b) => [b.name, decisionShape(evaluator.evaluate(b.input, { now: BENCH_TIME }))]));

  if (flags.sections.has('evaluate')) {
    const loop = { warmupMs: 1000, durationMs: flags.evalSeconds * 1000, maxIterations: 1_000_000 };
    for (const bench of inputs) {
      const inputFile = join(tmp, `${bench.name}.input.json`);
      log(`evaluate(): ${bench.name} input, ${flags.evalSeconds} s, in ${flags.opaCount} slice(s) alternating with ${flags.opaCount} opa bench run(s)`);
      const both = await quiet.measure(`evaluate() and opa bench ${bench.name}`, () =>
        measureBackground(() => benchEvaluate(evaluator, bench, loop, flags.opaCount, () => opaBenchRuns(inputFile, 1))),
        (m) => m.otherCores,
      );
      const { reference, ...figures } = both.result;
      const dfw = { result: figures, otherCores: both.otherCores };
      const opa = { result: opaBenchFigures(reference.flat()), otherCores: both.otherCores };
      const opaShape = decisionShape(opaDecision(inputFile));
      results.evaluate.push({ dfw: dfw.result, opa: opa.result, opaDecision: opaShape, otherCores: { dfw: dfw.otherCores, opa: opa.otherCores } });
      results.commands.evaluate.push(
        // flags.opaCount times, between the slices of evaluate()
        opaCommand(['bench', '--format', 'json', '--count', '1', ...POLICY_ARGS, '--input', inputFile, QUERY]),
        opaCommand(['eval', '--format', 'json', ...POLICY_ARGS, '--input', inputFile, QUERY]),
      );
    }
  }

  if (flags.sections.has('bundle')) {
    log(`loadBundle/createEvaluator: ${flags.bundleIterations} iterations`);
    results.bundle = await benchBundleLoad(readFileSync(signedWasm), readFileSync(unsignedWasm), publicKey, flags.bundleIterations);
  }
  if (flags.sections.has('http')) results.http = await compareHttp(context, inputs, expected, results.commands.http);
  if (flags.sections.has('profile')) results.profile = await profileDfw(context, inputs, results.commands.http);
  if (flags.sections.has('scale')) {
    results.scale = { ...(await benchScale(context, evaluator, all.typical)), measuredAt: results.date.toISOString() };
    if (flags.saveScale) writeFileSync(flags.saveScale, JSON.stringify(results.scale, null, 2));
  } else if (flags.reuseScale) {
    results.scale = JSON.parse(readFileSync(flags.reuseScale, 'utf8')) as BenchResults['scale'];
  }

  results.background.endCores = await sampleBackgroundCores();
  results.coreSpeeds = { ...results.coreSpeeds, end: probeCoreSpeeds(all.typical.requestJson) };
  results.background.retries = quiet.retries;
  results.totalSeconds = (performance.now() - began) / 1000;
  const markdown = renderReport(results);
  if (flags.write) {
    writeFileSync(join(ROOT, REPORT), markdown);
    log(`wrote ${REPORT} (${results.totalSeconds.toFixed(0)} s)`);
  } else {
    process.stdout.write(markdown);
    const why = flags.sections.size === SECTIONS.length ? '--no-write' : 'a subset ran; --write to write it anyway';
    log(`${REPORT} not written (${why})`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`bench: ${err.message} (--help lists the flags)\n`);
    else process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
