// In-process figures: evaluate() back to back after a warm-up, and what POST /v1/check does
// around it: turning the body into the input document, masking the input for the log.
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import type { Evaluator } from '../src/engine/index.js';
import { DEFAULT_MASK_PATHS, serializeMasked } from '../src/store/mask.js';
import { BENCH_DECISION_ID, BENCH_TIME, type BenchInput } from './inputs.js';
import { summarize, type LatencySummary } from './stats.js';

export interface LoopOptions {
  warmupMs: number;
  durationMs: number;
  /** Bounds each loop whatever the clock says. */
  maxIterations: number;
}

/** Times fn back to back: a warm-up (discarded), then one sample per call. */
export function timeLoop(fn: () => void, options: LoopOptions): LatencySummary {
  warmUp(fn, options);
  const { samples, elapsedMs } = sampleLoop(fn, options);
  return summarize(samples, elapsedMs);
}

function warmUp(fn: () => void, options: LoopOptions): void {
  const start = performance.now();
  for (let i = 0; i < options.maxIterations && performance.now() - start < options.warmupMs; i++) fn();
}

/** One sample per call of fn, for options.durationMs, without warm-up. */
function sampleLoop(fn: () => void, options: Pick<LoopOptions, 'durationMs' | 'maxIterations'>): { samples: number[]; elapsedMs: number } {
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < options.maxIterations && performance.now() - start < options.durationMs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return { samples, elapsedMs: performance.now() - start };
}

/** The decision in a form two evaluators can be compared by: allow and the count per severity. */
export interface DecisionLike {
  allow: boolean;
  deny: Record<string, unknown[]>;
  warn: Record<string, unknown[]>;
  waived: unknown[];
}

export function decisionShape(d: DecisionLike): string {
  const counts = (by: Record<string, unknown[]>) => ['critical', 'high', 'medium', 'low'].map((s) => by[s]?.length ?? 0).join('/');
  return `allow=${d.allow} deny=${counts(d.deny)} warn=${counts(d.warn)} waived=${d.waived.length}`;
}

export interface EvaluateFigures {
  input: string;
  inputBytes: number;
  decision: string;
  evaluate: LatencySummary;
  prepare: LatencySummary;
  /** The input masked with the default paths and serialized in one pass: what the decision log does to every input. */
  mask: LatencySummary;
}

/**
 * evaluate() and the reference in alternating slices (`rounds` of each, evaluate() first,
 * after one warm-up): the machine runs at two speeds a few seconds apart
 * (docs/performance-changes.md, fifth round), and measured one after the other the two sides
 * could each fall into a different one. `reference` runs one slice of the other side.
 */
export function benchEvaluate<R>(evaluator: Evaluator, bench: BenchInput, options: LoopOptions, rounds: number, reference: () => R): EvaluateFigures & { reference: R[] } {
  const decision = evaluator.evaluate(bench.input, { now: BENCH_TIME });
  const evaluateOnce = () => void evaluator.evaluate(bench.input, { now: BENCH_TIME });
  warmUp(evaluateOnce, options);
  const samples: number[] = [];
  const referenceRuns: R[] = [];
  let elapsedMs = 0;
  for (let round = 0; round < rounds; round++) {
    const slice = sampleLoop(evaluateOnce, { ...options, durationMs: options.durationMs / rounds });
    samples.push(...slice.samples);
    elapsedMs += slice.elapsedMs;
    referenceRuns.push(reference());
  }
  const evaluate = summarize(samples, elapsedMs);
  const prepare = timeLoop(
    () => void buildInput(parseCheckRequest(JSON.parse(bench.requestJson)), { id: BENCH_DECISION_ID, via: 'api' }),
    options,
  );
  const mask = timeLoop(() => void serializeMasked(bench.input, DEFAULT_MASK_PATHS), options);
  return { input: bench.name, inputBytes: Buffer.byteLength(bench.inputJson), decision: decisionShape(decision), evaluate, prepare, mask, reference: referenceRuns };
}
