// The differential test: OPA's own interpreter on the Rego sources is the oracle, and dfw's
// Wasm evaluator on the bundle built from them must return the same decision for the same
// input and request time (DESIGN.md: "Decisions are pure functions of (input, bundle)").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import { createEvaluator, loadBundle, SEVERITIES, type Evaluator, type InputDocument, type PolicyDecision } from '../src/engine/index.js';
import { buildOptimizedBundle, readExamples } from './helpers/bundle.js';
import { EVIDENCE_KINDS, generatedCase, RULE_IDS } from './helpers/input-generator.js';
import { opaPath, ROOT } from './helpers/opa.js';
import { EvaluationPool } from '../src/host/evaluation-pool.js';
import { trustPolicySource } from './helpers/supply-chain.js';

const SEED = readInteger('DFW_DIFF_SEED', 20261128);
const GENERATED = readInteger('DFW_DIFF_RUNS', 400);
/** The first this many generated inputs are decided again with VERIFIED_TRUST. */
const VERIFIED = Math.ceil(GENERATED / 2);
/** "Production" is listed nowhere: enforced as production, with production's freezes and promotion. */
const EXAMPLE_ENVIRONMENTS = ['production', 'staging', 'development', 'Production'] as const;
/** Every policy file (not the Rego tests) must be this well exercised by the corpus. */
const MIN_LINE_COVERAGE = 90;
/** Mismatches shown in full; the rest are listed by case name. */
const SHOWN_IN_FULL = 5;
const VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';
/**
 * The trust settings of the second pass over the generated inputs, where environments
 * require evidence verified and the rules judge signed attestations' evidence instead of
 * the collected one (rego/firewall/lib/verified_evidence.rego): the Wasm side gets them in
 * its bundle's data, OPA with `with data.firewall.config.trust…`.
 */
const VERIFIED_TRUST = {
  environments: {
    production: { min_build_level: 3, verified_evidence: ['provenance', 'vulnerabilities', 'container_scan', 'sbom'] },
    staging: { min_build_level: 2, verified_evidence: ['vulnerabilities'] },
    development: { min_build_level: 0, verified_evidence: [] },
  },
  evidence_predicates: {
    vulnerabilities: [VULN_PREDICATE],
    container_scan: [VULN_PREDICATE],
    provenance: ['https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v1'],
    sbom: ['https://cyclonedx.org/bom', 'https://spdx.dev/Document'],
  },
};

interface Case {
  name: string;
  input: InputDocument;
  now: Date;
  /** The JSON text OPA reads; the evaluator writes its own from `input` and `now`. */
  inputText: string;
}

/** What each side answered: the decision's compared parts, or why there was none. */
type Outcome = { decision: PolicyDecision } | { none: string };

interface Comparison {
  testCase: Case;
  opa: Outcome;
  wasm: Outcome;
}

function readInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not ${JSON.stringify(text)}`);
  return value;
}

interface Context {
  examples: Comparison[];
  generated: Comparison[];
  /** The generated inputs again, with VERIFIED_TRUST. */
  verified: Comparison[];
  /** The production examples with a verification summary (summaryCases). */
  summaries: Comparison[];
  coverage: Record<string, { coverage?: number; not_covered?: Array<{ start: { row: number } }> }>;
  evaluator: Evaluator;
}

/** The bundles the cases are evaluated with, as input.request.bundle names them. */
const BUNDLE = { name: 'firewall', revision: 'difftest' };
const VERIFIED_BUNDLE = { name: 'firewall', revision: 'difftest-verified' };

/**
 * The input as JSON text for OPA, with what the evaluator sets (src/engine/evaluator.ts,
 * inputPieces): request.time from `now`, request.bundle, and request.time_ns spliced in as
 * an exact integer, because nanoseconds since the epoch exceed 2^53 and JSON.stringify
 * cannot write a BigInt. Nothing else is rewritten: OPA reads the text as a caller would send
 * it (lone surrogates included), whatever the evaluator does to it.
 */
function inputText(input: InputDocument, now: Date, bundle = BUNDLE): string {
  const timeNs = (BigInt(now.getTime()) * 1_000_000n).toString();
  const marker = `__difftest_time_ns_${timeNs}__`;
  const request = { ...(input.request ?? {}), time: now.toISOString(), time_ns: marker, bundle };
  const text = JSON.stringify({ ...input, request }).replace(`"${marker}"`, timeNs);
  if (!text.includes(`"time_ns":${timeNs}`)) throw new Error('request.time_ns was not spliced into the input');
  return text;
}

/**
 * The production example inputs again, as the admission webhook hands them over with a
 * verification summary (input.verification_summary): one the policy lets vouch (made an
 * hour before under the evaluating bundle), one made under another revision, one too old.
 */
function summaryCases(examples: Case[]): Case[] {
  const variants = [
    { label: 'a vouching summary', revision: BUNDLE.revision, hoursBefore: 1 },
    { label: 'a summary from another bundle', revision: 'difftest-older', hoursBefore: 1 },
    { label: 'a summary too old', revision: BUNDLE.revision, hoursBefore: 24 * 8 },
  ];
  return examples
    .filter((c) => c.input.request?.environment === 'production')
    .flatMap((c) =>
      variants.map(({ label, revision, hoursBefore }) => {
        const summary = {
          verified: true,
          decision_id: '0193f7a2-0000-7000-8000-0000000000ad',
          environment: 'production',
          time_verified: new Date(c.now.getTime() - hoursBefore * 3_600_000).toISOString(),
          bundle: { name: BUNDLE.name, revision },
          location: 'registry.example.com/payments/api:sha256-4f1c.att layer 0',
        };
        const input = { ...structuredClone(c.input), verification_summary: summary };
        return { name: `${c.name} with ${label}`, input, now: c.now, inputText: inputText(input, c.now) };
      }),
    );
}

async function exampleCases(): Promise<Case[]> {
  const cases: Case[] = [];
  let i = 0;
  for (const [file, body] of readExamples()) {
    for (const environment of EXAMPLE_ENVIRONMENTS) {
      const request = parseCheckRequest(structuredClone({ ...body, environment }));
      // As dfw serve builds it: the examples' inline signatures verified (test/helpers/example-input.ts).
      const input = await verifiedInput(request, { id: `difftest-${file}-${environment}`, via: 'cli' });
      // A different request time per case, on and off whole seconds.
      const now = new Date(Date.UTC(2026, 10, 28, 14) + i * 37_001);
      i += 1;
      cases.push({ name: `${file} in ${environment}`, input, now, inputText: inputText(input, now) });
    }
  }
  return cases;
}

function generatedCases(): Case[] {
  return fc.sample(generatedCase, { seed: SEED, numRuns: GENERATED }).map(({ input, now }, i) => ({
    name: `generated #${i} (seed ${SEED})`,
    input,
    now,
    inputText: inputText(input, now),
  }));
}

// One opa process for every case: the inputs become data.difftest.cases and a wrapper
// module evaluates the entrypoint with each of them as input (and the verified cases with
// the trust settings of data.difftest.trust). Keys are indexes, so a case whose decision is
// undefined is missing rather than shifting the others.
const WRAPPER = `package difftest

results := {i: d |
\tsome i, c in data.difftest.cases
\td := data.firewall.decision with input as c
}

verified_results := {i: d |
\tsome i, c in data.difftest.verified_cases
\td := data.firewall.decision with input as c
\t\twith data.firewall.config.trust.environments as data.difftest.trust.environments
\t\twith data.firewall.config.trust.evidence_predicates as data.difftest.trust.evidence_predicates
}
`;

type OpaCoverage = Context['coverage'];

function evaluateWithOpa(cases: Case[], verifiedCases: Case[]): { outcomes: Outcome[]; verifiedOutcomes: Outcome[]; coverage: OpaCoverage } {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-difftest-'));
  try {
    const casesFile = join(dir, 'cases.json');
    const wrapperFile = join(dir, 'wrapper.rego');
    const list = (texts: string[]) => `[\n${texts.join(',\n')}\n]`;
    const verifiedTexts = verifiedCases.map((c) => inputText(c.input, c.now, VERIFIED_BUNDLE));
    writeFileSync(casesFile, `{"difftest":{"trust":${JSON.stringify(VERIFIED_TRUST)},"cases":${list(cases.map((c) => c.inputText))},"verified_cases":${list(verifiedTexts)}}}\n`);
    writeFileSync(wrapperFile, WRAPPER);
    // Run from the project root with the relative path "rego": given an absolute path, OPA
    // v1.22.3 files the coverage of each module under two names (with and without the
    // leading "/"), covered lines under one and uncovered lines under the other.
    const stdout = execFileSync(opaPath(), ['eval', '--format', 'json', '--coverage', '-d', 'rego', '-d', wrapperFile, '-d', casesFile, 'data.difftest'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
    });
    const out = JSON.parse(stdout) as { result?: Array<{ expressions: Array<{ value: Record<string, unknown> }> }>; coverage?: { files?: OpaCoverage } };
    const value = (out.result?.[0]?.expressions[0]?.value ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const outcomesOf = (results: Record<string, unknown> = {}, count: number) =>
      Array.from({ length: count }, (_, i): Outcome => {
        const d = results[String(i)];
        return d === undefined ? { none: 'data.firewall.decision is undefined' } : { decision: pickDecision(d as PolicyDecision) };
      });
    return { outcomes: outcomesOf(value.results, cases.length), verifiedOutcomes: outcomesOf(value.verified_results, verifiedCases.length), coverage: out.coverage?.files ?? {} };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function evaluateWithWasm(evaluator: Evaluator, testCase: Case): Outcome {
  try {
    return { decision: pickDecision(evaluator.evaluate(testCase.input, { now: testCase.now, decisionId: 'difftest' })) };
  } catch (err) {
    return { none: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** The parts of a decision the policy computes; the evaluator's own fields are not compared. */
function pickDecision(d: PolicyDecision): PolicyDecision {
  return { allow: d.allow, environment: d.environment, deny: d.deny, warn: d.warn, waived: d.waived };
}

/** Stable JSON (sorted keys) so that the same entry from both sides prints and matches the same. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function agree(c: Comparison): boolean {
  if ('none' in c.opa || 'none' in c.wasm) {
    // Both without a decision is agreement only when OPA's is undefined and dfw says so.
    return 'none' in c.opa && 'none' in c.wasm && c.wasm.none.includes('decision_undefined');
  }
  return isDeepStrictEqual(c.opa.decision, c.wasm.decision);
}

/** The entries of `a` that `b` does not have (by value). */
function missingFrom(a: unknown[], b: unknown[]): unknown[] {
  const keys = new Set(b.map(stable));
  return a.filter((v) => !keys.has(stable(v)));
}

function ruleOf(v: unknown): string {
  return String((v as { rule?: unknown } | null)?.rule);
}

/** A readable account of one disagreement: where, which rules, both sides, and the input. */
function describeMismatch(c: Comparison): string {
  const details: string[] = [];
  const involved = new Set<string>();
  if ('none' in c.opa || 'none' in c.wasm) {
    details.push(`  OPA:  ${'none' in c.opa ? c.opa.none : stable(c.opa.decision)}`);
    details.push(`  Wasm: ${'none' in c.wasm ? c.wasm.none : stable(c.wasm.decision)}`);
  } else {
    const opa = c.opa.decision;
    const wasm = c.wasm.decision;
    if (opa.allow !== wasm.allow) details.push(`  allow: OPA ${opa.allow}, Wasm ${wasm.allow}`);
    if (opa.environment !== wasm.environment) details.push(`  environment: OPA ${JSON.stringify(opa.environment)}, Wasm ${JSON.stringify(wasm.environment)}`);
    const parts: Array<[string, unknown[], unknown[]]> = [
      ...(['deny', 'warn'] as const).flatMap((kind) => SEVERITIES.map((s): [string, unknown[], unknown[]] => [`${kind}.${s}`, opa[kind][s], wasm[kind][s]])),
      ['waived', opa.waived, wasm.waived],
    ];
    for (const [label, o, w] of parts) {
      if (isDeepStrictEqual(o, w)) continue;
      details.push(`  ${label}:`);
      const onlyOpa = missingFrom(o, w);
      const onlyWasm = missingFrom(w, o);
      for (const v of onlyOpa) details.push(`    only OPA:  ${stable(v)}`);
      for (const v of onlyWasm) details.push(`    only Wasm: ${stable(v)}`);
      const differing = [...onlyOpa, ...onlyWasm];
      if (differing.length === 0) {
        // Same entries, so the order (or the number of repeats) differs.
        const order = (vs: unknown[]) => vs.map((v) => `${ruleOf(v)}: ${(v as { message?: unknown }).message}`).join(' | ');
        details.push(`    same entries, different order:\n      OPA:  ${order(o)}\n      Wasm: ${order(w)}`);
      }
      for (const v of differing.length ? differing : [...o, ...w]) involved.add(ruleOf(v));
    }
  }
  return [
    `${c.testCase.name}, request time ${c.testCase.now.toISOString()}:`,
    `  rules involved: ${[...involved].sort().join(', ') || '(none: the decision as a whole differs)'}`,
    ...details,
    `  input: ${c.testCase.inputText}`,
  ].join('\n');
}

/**
 * Fails with the disagreements: the first few in full on stderr (uvu would print a long
 * assertion message twice, once more inside the stack), then every case by name.
 */
function assertAllAgree(comparisons: Comparison[], what: string): void {
  const mismatches = comparisons.filter((c) => !agree(c));
  if (mismatches.length === 0) return;
  const headline = `${mismatches.length} of ${comparisons.length} ${what} decide differently in OPA and in the Wasm evaluator`;
  console.error(`\n${headline}; the first ${Math.min(SHOWN_IN_FULL, mismatches.length)} in full:\n\n${mismatches.slice(0, SHOWN_IN_FULL).map(describeMismatch).join('\n\n')}\n`);
  assert.unreachable(`${headline}: ${mismatches.map((c) => c.testCase.name).join(', ')}`);
}

function decisionsOf(comparisons: Comparison[]): PolicyDecision[] {
  return comparisons.flatMap((c) => ('decision' in c.opa ? [c.opa.decision] : []));
}

const Differential = suite<Context>('differential: the Wasm evaluator decides as OPA does');

Differential.before(async (context) => {
  const started = Date.now();
  // The bundle as `make bundle` ships it: the policy optimized by wasm-opt.
  const bundle = await loadBundle(readFileSync(await buildOptimizedBundle({ revision: 'difftest' })));
  const evaluator = await createEvaluator(bundle, {
    clock: () => {
      throw new Error('every differential case passes its own request time');
    },
  });
  const verifiedEvaluator = await createEvaluator(await loadBundle(readFileSync(await buildOptimizedBundle({ revision: 'difftest-verified', source: trustPolicySource(VERIFIED_TRUST) }))), {
    clock: () => {
      throw new Error('every differential case passes its own request time');
    },
  });
  const examples = await exampleCases();
  const generated = generatedCases();
  const summaries = summaryCases(examples);
  const all = [...examples, ...generated, ...summaries];
  const { outcomes, verifiedOutcomes, coverage } = evaluateWithOpa(all, generated.slice(0, VERIFIED));
  const comparisons = all.map((testCase, i): Comparison => ({ testCase, opa: outcomes[i]!, wasm: evaluateWithWasm(evaluator, testCase) }));
  context.examples = comparisons.slice(0, examples.length);
  context.generated = comparisons.slice(examples.length, examples.length + generated.length);
  context.summaries = comparisons.slice(examples.length + generated.length);
  context.verified = generated.slice(0, VERIFIED).map((testCase, i): Comparison => ({ testCase: { ...testCase, name: `${testCase.name} with evidence verified` }, opa: verifiedOutcomes[i]!, wasm: evaluateWithWasm(verifiedEvaluator, testCase) }));
  context.coverage = coverage;
  context.evaluator = evaluator;
  console.log(
    `differential: ${comparisons.length + context.verified.length} cases compared (${examples.length} from examples/, ${generated.length} generated with seed ${SEED}, ${VERIFIED} of them again where environments require evidence verified, ${summaries.length} examples with a verification summary; ` +
      `DFW_DIFF_SEED and DFW_DIFF_RUNS change them) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});

Differential('decides every example request as OPA does, in production, staging, development and an unlisted environment', (context) => {
  assert.is(context.examples.length, readExamples().size * EXAMPLE_ENVIRONMENTS.length);
  assertAllAgree(context.examples, 'example requests');
});

Differential('decides the production examples with a verification summary as OPA does', (context) => {
  assert.is(context.summaries.length, readExamples().size * 3);
  assertAllAgree(context.summaries, 'example requests with a verification summary');
  // So that agreement means something: a vouching summary lets some denied examples through
  // (the pipeline rules no longer judge), and the other two variants decide as without one.
  const allows = (c: Comparison) => 'decision' in c.opa && c.opa.decision.allow;
  const production = context.examples.filter((c) => c.testCase.input.request?.environment === 'production');
  const [vouching, otherBundle, tooOld] = [0, 1, 2].map((k) => context.summaries.filter((_, i) => i % 3 === k));
  assert.ok(vouching.filter(allows).length > production.filter(allows).length, 'a vouching summary should let some denied examples through');
  assert.equal(otherBundle.map(allows), production.map(allows));
  assert.equal(tooOld.map(allows), production.map(allows));
});

Differential(`decides ${GENERATED} generated inputs as OPA does (seed ${SEED})`, (context) => {
  assert.is(context.generated.length, GENERATED);
  assertAllAgree(context.generated, 'generated inputs');
});

Differential(`decides ${VERIFIED} of the generated inputs as OPA does where environments require evidence verified`, (context) => {
  assert.is(context.verified.length, VERIFIED);
  assertAllAgree(context.verified, 'generated inputs with evidence verified');
  // So that agreement means something: requiring evidence verified changes what the content
  // rules judge in some inputs, both ways (a signed scan's findings appear, the collected
  // report's disappear).
  const judged = (c: Comparison, rule: string): Set<string> => {
    if (!('decision' in c.opa)) return new Set();
    const d = c.opa.decision;
    return new Set(SEVERITIES.flatMap((s) => [...d.deny[s], ...d.warn[s]]).filter((v) => v.rule === rule && !v.message.startsWith('cannot verify')).map((v) => v.message));
  };
  for (const rule of ['DFW-VULN-001', 'DFW-CONTAINER-001']) {
    let gained = 0;
    let lost = 0;
    context.verified.forEach((c, i) => {
      const before = judged(context.generated[i]!, rule);
      const after = judged(c, rule);
      if ([...after].some((m) => !before.has(m))) gained += 1;
      if ([...before].some((m) => !after.has(m))) lost += 1;
    });
    assert.ok(gained > 0 && lost > 0, `${rule}: requiring evidence verified should change some findings both ways (gained in ${gained} inputs, lost in ${lost})`);
  }
});

// `dfw serve` runs large inputs on pool threads (src/host/evaluation-pool.ts): with no size
// threshold, every case goes there, and must come back as the same decision (or the same
// failure) as on this thread, which agrees with OPA above.
Differential('decides every example and generated input on the evaluation pool\'s threads as on its own thread', async (context) => {
  const pool = new EvaluationPool({ threads: 2, minLength: 0, current: () => context.evaluator });
  try {
    const comparisons = [...context.examples, ...context.generated];
    const pooled = await Promise.all(
      comparisons.map(async ({ testCase }): Promise<Outcome> => {
        try {
          return { decision: pickDecision(await pool.evaluate(context.evaluator, testCase.input, { now: testCase.now, decisionId: 'difftest' })) };
        } catch (err) {
          return { none: `${(err as Error).name}: ${(err as Error).message}` };
        }
      }),
    );
    const differ = comparisons.filter((c, i) => stable(c.wasm) !== stable(pooled[i])).map((c) => c.testCase.name);
    assert.equal(differ, [], 'decided differently on a pool thread');
    assert.ok(pooled.filter((o) => 'decision' in o).length > comparisons.length / 2, 'most cases reach a decision');
  } finally {
    await pool.close();
  }
});

// The check service writes the input's JSON once and hands the text to the evaluator, which
// then splices the request time and bundle in rather than writing the input again
// (evaluator.ts, spliceRequestTime): every case must decide as without the text, which
// agrees with OPA above. The check service has set request.time by then; so does this.
Differential('decides every example and generated input alike from the input text the check service wrote', async (context) => {
  const comparisons = [...context.examples, ...context.generated, ...context.summaries];
  let spliced = 0;
  const fromText = comparisons.map(({ testCase }): Outcome => {
    const input = structuredClone(testCase.input);
    input.request = { ...(input.request ?? {}), time: testCase.now.toISOString() };
    const options = { now: testCase.now, decisionId: 'difftest', inputJson: JSON.stringify(input) };
    if (context.evaluator.prepare(input, options).pieces[0] === '{"request":{"time_ns":') spliced += 1;
    try {
      return { decision: pickDecision(context.evaluator.evaluate(input, options)) };
    } catch (err) {
      return { none: `${(err as Error).name}: ${(err as Error).message}` };
    }
  });
  const differ = comparisons.filter((c, i) => stable(c.wasm) !== stable(fromText[i])).map((c) => c.testCase.name);
  assert.equal(differ, [], 'decided differently from the written text');
  assert.ok(spliced >= context.examples.length + context.summaries.length, `the text was spliced for ${spliced} of ${comparisons.length} cases; every example is built with request first`);
});

// So that agreement on the examples means something: in production each allow file is
// allowed and each deny file reports its own rule (as a deny or, for medium rules, a warning).
Differential('in production the example allow files are allowed and each deny file reports its own rule', (context) => {
  for (const c of context.examples.filter((e) => e.testCase.name.endsWith(' in production'))) {
    assert.ok('decision' in c.opa, `${c.testCase.name}: OPA returned no decision`);
    const d = (c.opa as { decision: PolicyDecision }).decision;
    const file = c.testCase.name.split(' ')[0]!;
    if (file.endsWith('.allow.json')) assert.ok(d.allow, `${file} should be allowed: ${stable(d.deny)}`);
    const rule = /^(dfw-[a-z]+-\d{3})-.*\.deny\.json$/.exec(file)?.[1]?.toUpperCase();
    if (rule) {
      const reported = SEVERITIES.flatMap((s) => [...d.deny[s], ...d.warn[s]]).map((v) => v.rule);
      assert.ok(reported.includes(rule), `${file} should report ${rule}, reports ${reported.join(', ') || 'nothing'}`);
    }
  }
});

// An environment the bundle does not list is enforced as production: every example is
// decided there as in production (the same rules deny and warn), freezes and promotion included.
Differential('in an unlisted environment ("Production") every example is decided as in production', (context) => {
  const outcome = (d: PolicyDecision) => ({
    allow: d.allow,
    ...Object.fromEntries(SEVERITIES.flatMap((s) => [[`deny.${s}`, d.deny[s].map((v) => v.rule)], [`warn.${s}`, d.warn[s].map((v) => v.rule)]])),
  });
  const decided = (suffix: string) =>
    new Map(context.examples.filter((c) => c.testCase.name.endsWith(suffix)).map((c) => [c.testCase.name.slice(0, -suffix.length), (c.opa as { decision: PolicyDecision }).decision]));
  const production = decided(' in production');
  const unlisted = decided(' in Production');
  assert.is(unlisted.size, production.size);
  for (const [file, d] of unlisted) assert.equal(outcome(d), outcome(production.get(file)!), file);
});

Differential('the generated inputs reach every rule (reported, waived and clean), allow and deny, and every environment', (context) => {
  const decisions = decisionsOf(context.generated);
  assert.is(decisions.length, context.generated.length, 'OPA decided every generated input');
  const count = (pred: (d: PolicyDecision) => boolean) => decisions.filter(pred).length;
  const reports = (d: PolicyDecision, rule: string, kind: 'deny' | 'warn') => SEVERITIES.some((s) => d[kind][s].some((v) => v.rule === rule));
  const summary: string[] = [];
  for (const rule of RULE_IDS) {
    const denied = count((d) => reports(d, rule, 'deny'));
    const warned = count((d) => reports(d, rule, 'warn'));
    const waived = count((d) => d.waived.some((v) => v.rule === rule));
    const clean = count((d) => !reports(d, rule, 'deny') && !reports(d, rule, 'warn') && !d.waived.some((v) => v.rule === rule));
    summary.push(`${rule.padEnd(17)} denied ${String(denied).padStart(3)}, warned ${String(warned).padStart(3)}, waived ${String(waived).padStart(3)}, clean ${String(clean).padStart(3)}`);
    // Whether a rule can warn at all is bundle data (DFW-CHANGE-001 is off wherever it would).
    assert.ok(denied + warned > 0 && waived > 0 && clean > 0, `${rule} is not reached in every way: denied ${denied}, warned ${warned}, waived ${waived}, clean ${clean}`);
  }
  assert.ok(count((d) => SEVERITIES.some((s) => d.warn[s].length > 0)) > 0, 'no generated input has warnings');
  const allowed = count((d) => d.allow);
  assert.ok(allowed > 0 && allowed < decisions.length, `allowed ${allowed} of ${decisions.length}`);
  for (const environment of ['production', 'staging', 'development', 'qa', '']) {
    assert.ok(count((d) => d.environment === environment) > 0, `no generated input in environment ${JSON.stringify(environment)}`);
  }
  const inputs = context.generated.map((c) => c.testCase.input);
  for (const kind of EVIDENCE_KINDS) {
    const states = new Set(inputs.map((input) => {
      const evidence = input.evidence as Record<string, unknown> | undefined;
      if (!evidence || typeof evidence !== 'object' || !(kind in evidence)) return 'absent';
      const value = evidence[kind];
      return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    }));
    assert.ok(states.has('absent') && states.has('null') && states.size >= 4, `evidence.${kind} is not varied enough: ${[...states].join(', ')}`);
  }
  console.log(`differential: ${allowed} of ${decisions.length} generated inputs allowed\n  ${summary.join('\n  ')}`);
});

Differential(`OPA's coverage of the policy by the whole corpus is at least ${MIN_LINE_COVERAGE}% per file`, (context) => {
  const rows = Object.entries(context.coverage)
    .filter(([file]) => file.startsWith('rego/') && !file.endsWith('_test.rego'))
    .map(([file, f]) => ({ file, coverage: f.coverage ?? 0, uncovered: [...new Set((f.not_covered ?? []).map((r) => r.start.row))] }));
  assert.ok(rows.length >= RULE_IDS.length + 2, `coverage lists ${rows.length} policy files`);
  console.log(`differential: line coverage of the policy by the corpus\n  ${rows.map((r) => `${r.coverage.toFixed(1).padStart(5)}%  ${r.file}${r.uncovered.length ? ` (not covered: lines ${r.uncovered.join(', ')})` : ''}`).join('\n  ')}`);
  const low = rows.filter((r) => r.coverage < MIN_LINE_COVERAGE);
  assert.ok(low.length === 0, `the corpus leaves these files under ${MIN_LINE_COVERAGE}%: ${low.map((r) => `${r.file} ${r.coverage.toFixed(1)}% (lines ${r.uncovered.join(', ')})`).join('; ')}`);
});

Differential.run();
