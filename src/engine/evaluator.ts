// The Wasm evaluator: runs the bundle's compiled policy once over the whole input and
// returns its decision. It moves data; the policy decides. Web-standard APIs only.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { v7 as uuidv7 } from 'uuid';
import { HOST_BUILTINS, type HostBuiltin } from './builtins/index.js';
import { DEFAULT_ENTRYPOINT, type Bundle } from './bundle/load.js';
import { describeThrown, EvaluationError, PolicyLoadError } from './errors.js';
import { SEVERITIES, type Decision, type InputDocument, type PolicyDecision } from './types.js';
import { textEvaluator, WASM_PAGE_BYTES } from './wasm-input.js';

export interface EvaluatorOptions {
  entrypoint?: string;
  /** Upper bound of the policy's linear memory; evaluation fails (closed) beyond it. */
  maxMemoryBytes?: number;
  /** The request time source; tests and replays inject their own. */
  clock?: () => Date;
  /** Decision ids; UUIDv7 (time-ordered) by default. */
  newDecisionId?: () => string;
}

export interface EvaluateOptions {
  /** Evaluate as of this time instead of the clock's (replay of a logged decision). */
  now?: Date;
  decisionId?: string;
  /**
   * JSON.stringify(input), when the caller has it already: the check service writes it once
   * for the policy and the decision log; what-if hands over the text the log stores. It must
   * be exactly that text.
   */
  inputJson?: string;
}

/**
 * An evaluation between its first and last step: the input written as JSON, ready for the
 * policy, which a host may run on another thread (src/host/evaluation-pool.ts).
 */
export interface PreparedEvaluation {
  /** The input's JSON text in pieces, in the order the policy's memory takes them. */
  readonly pieces: readonly string[];
  readonly now: Date;
  readonly decisionId: string | undefined;
  /** performance.now() when prepared: the decision's evaluate time covers every step. */
  readonly started: number;
}

export interface Evaluator {
  readonly bundle: Bundle;
  readonly entrypoint: string;
  /** The policy's memory limit, which a copy of it elsewhere must keep. */
  readonly maxMemoryBytes: number;
  /** The evaluator's clock: the request time when evaluate() is not given one. */
  now(): Date;
  /** prepare, run and finish on this thread. */
  evaluate(input: InputDocument, options?: EvaluateOptions): Decision;
  prepare(input: InputDocument, options?: EvaluateOptions): PreparedEvaluation;
  /** The policy's answer to a prepared input, as JSON text. */
  run(prepared: PreparedEvaluation): string;
  /** The decision from the policy's answer, wherever it ran; an unusable answer throws. */
  finish(prepared: PreparedEvaluation, answer: string): Decision;
  /** Bytes the policy's memory on this thread has grown to. */
  policyMemoryBytes(): number;
  /**
   * Replaces the policy's instance on this thread with a fresh one when evaluations grew its
   * memory by more than aboveBytes (POLICY_MEMORY_RENEWAL_BYTES by default); evaluations
   * meanwhile use the old one. True when it did. Throws PolicyLoadError if the fresh
   * instance cannot be made.
   */
  renewPolicyMemory(aboveBytes?: number): Promise<boolean>;
}

export const DEFAULT_MAX_MEMORY_BYTES = 512 * 1024 * 1024;

/**
 * A host builtin that throws would abort the whole evaluation, while OPA's interpreter
 * makes a failing builtin call undefined: turning throws into undefined keeps the two
 * identical (the differential tests depend on it).
 */
function guardBuiltin(name: string, fn: HostBuiltin): HostBuiltin {
  return (...args: unknown[]) => {
    try {
      return fn(...args);
    } catch (err) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'host builtin failed', builtin: name, error: describeThrown(err) }));
      return undefined;
    }
  };
}

const GUARDED_BUILTINS: Record<string, HostBuiltin> = Object.fromEntries(
  Object.entries(HOST_BUILTINS).map(([name, fn]) => [name, guardBuiltin(name, fn)]),
);

/** The bundle evaluating an input, as the policy sees it in input.request.bundle. */
export interface EvaluatingBundle {
  name: string;
  revision: string;
}

/**
 * JSON text of the input with request.time_ns written as an exact integer: nanoseconds
 * since the epoch exceed 2^53, and a JavaScript number would silently round them. Returned
 * as three pieces around the integer, which the policy's memory takes one after the other:
 * joining them would build a second copy of a large input. request.bundle names the bundle
 * evaluating it, set here rather than logged with the input, so a replay under another
 * revision shows the policy that revision (a verification summary vouches only under the
 * bundle that made it: lib/verification_summary.rego).
 */
function inputPieces(input: InputDocument, now: Date, bundle: EvaluatingBundle, inputJson?: string): string[] {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new EvaluationError('invalid_time', 'the request time is not a valid date');
  const timeNs = (BigInt(ms) * 1_000_000n).toString();
  const spliced = inputJson === undefined ? undefined : spliceRequestTime(input, inputJson, now, timeNs, bundle);
  if (spliced) return spliced;
  const marker = `"__dfw_time_ns_${timeNs}__"`;
  const request = { ...(input.request ?? {}), time: now.toISOString(), time_ns: marker.slice(1, -1), bundle };
  const text = replaceLoneSurrogateEscapes(JSON.stringify({ ...input, request }));
  const at = text.indexOf(marker);
  if (at < 0) throw new EvaluationError('input_unserializable', 'the input could not be written as JSON with its request time');
  return [text.slice(0, at), timeNs, text.slice(at + marker.length)];
}

/** Where the input's text opens its request object, when request is the input's first key. */
const REQUEST_OPENING = '{"request":{';

/**
 * inputPieces from the input's text already written, without writing it again: when request
 * is the first key (buildInput puts it there), already holds this request time and has no
 * time_ns or bundle of its own, the two fields go right after the request's opening brace.
 * Key order means nothing to the policy. Undefined when the text is not of that shape.
 */
function spliceRequestTime(input: InputDocument, inputJson: string, now: Date, timeNs: string, bundle: EvaluatingBundle): string[] | undefined {
  const request = input.request as Record<string, unknown> | undefined;
  if (!inputJson.startsWith(REQUEST_OPENING) || inputJson.charCodeAt(REQUEST_OPENING.length) === 0x7d /* } */) return undefined;
  if (!request || request.time !== now.toISOString() || 'time_ns' in request || 'bundle' in request) return undefined;
  return [`${REQUEST_OPENING}"time_ns":`, timeNs, replaceLoneSurrogateEscapes(`,"bundle":${JSON.stringify(bundle)},${inputJson.slice(REQUEST_OPENING.length)}`)];
}

/**
 * JSON.stringify writes a lone surrogate as a \udXXX escape, which OPA's Wasm JSON parser
 * refuses and Go's decoder reads as U+FFFD: write U+FFFD, as OPA would see it. (A run of
 * backslashes before "u" must be odd for it to be an escape, hence the lookbehind.)
 */
function replaceLoneSurrogateEscapes(text: string): string {
  // Nearly every input has no escape at all: indexOf is several times faster than a regular
  // expression over a large text (2.4% of a check with 5,000 findings).
  if (!text.includes('\\u') || !/\\u[dD][89a-fA-F]/.test(text)) return text;
  return text.replace(/(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g, '$1\\ufffd');
}

function toArrayBuffer(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function isBySeverity(value: unknown): boolean {
  return !!value && typeof value === 'object' && SEVERITIES.every((s) => Array.isArray((value as Record<string, unknown>)[s]));
}

/** The policy must answer with the whole decision shape; anything else is an error, never an allow. */
function readPolicyDecision(resultSet: unknown): PolicyDecision {
  const results = resultSet as Array<{ result?: unknown }> | undefined;
  if (!Array.isArray(results) || results.length === 0) {
    throw new EvaluationError('decision_undefined', 'the policy returned no decision (firewall/decision is undefined for this input)');
  }
  const d = results[0]?.result as Partial<PolicyDecision> | undefined;
  if (!d || typeof d !== 'object' || typeof d.allow !== 'boolean' || !isBySeverity(d.deny) || !isBySeverity(d.warn) || !Array.isArray(d.waived)) {
    throw new EvaluationError('decision_malformed', 'the policy returned a decision without allow, deny, warn and waived');
  }
  const blocking = SEVERITIES.reduce((n, s) => n + d.deny![s].length, 0);
  if (d.allow && blocking > 0) throw new EvaluationError('decision_inconsistent', 'the policy allowed a deployment while listing denies');
  return d as PolicyDecision;
}

/** Wraps what is not already an EvaluationError, so a failure always carries the engine's code. */
function asEvaluationError(err: unknown): EvaluationError {
  if (err instanceof EvaluationError) return err;
  return new EvaluationError('evaluation_failed', `policy evaluation failed: ${describeThrown(err)}`, { cause: err });
}

/**
 * Runs the policy on a prepared input's pieces and returns its answer as JSON text.
 * memoryBytes is the size the policy's memory has grown to, grownBytes how much of that the
 * evaluations added after the data was loaded: the largest input needed it, and WebAssembly
 * memory never shrinks (renewPolicyMemory).
 */
export type PolicyRunner = ((pieces: readonly string[]) => string) & { memoryBytes(): number; grownBytes(): number };

/**
 * Each policy's bytes compiled once, so that another instance of it (another revision's
 * evaluator aside) is only instantiated: renewPolicyMemory makes one per renewal.
 */
const compiledPolicies = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>();

function compiledPolicy(wasm: Uint8Array): Promise<WebAssembly.Module> {
  let compiled = compiledPolicies.get(wasm);
  if (!compiled) {
    compiled = WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    compiledPolicies.set(wasm, compiled);
    // A bundle whose bytes do not compile is not kept: each load reports its own failure.
    compiled.catch(() => compiledPolicies.delete(wasm));
  }
  return compiled;
}

/**
 * Instantiates the bundle's policy for its entrypoint: what a thread needs to run prepared
 * evaluations (createEvaluator uses it too). Throws PolicyLoadError.
 */
export async function createPolicyRunner(bundle: Pick<Bundle, 'wasm' | 'dataJson'>, options: Pick<EvaluatorOptions, 'entrypoint' | 'maxMemoryBytes'> = {}): Promise<PolicyRunner> {
  const entrypoint = options.entrypoint ?? DEFAULT_ENTRYPOINT;
  const maxPages = Math.max(5, Math.floor((options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES) / WASM_PAGE_BYTES));
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy = await loadPolicy(await compiledPolicy(bundle.wasm), { initial: Math.min(5, maxPages), maximum: maxPages }, GUARDED_BUILTINS);
    policy.setData(toArrayBuffer(bundle.dataJson));
  } catch (err) {
    throw new PolicyLoadError('policy_load_failed', `policy.wasm cannot be loaded: ${describeThrown(err)}`, { cause: err });
  }
  if (!Object.prototype.hasOwnProperty.call(policy.entrypoints, entrypoint)) {
    throw new PolicyLoadError('policy_no_entrypoint', `policy.wasm has no entrypoint "${entrypoint}" (it has: ${Object.keys(policy.entrypoints).join(', ')})`);
  }
  const entrypointId = policy.entrypoints[entrypoint]!;
  const evaluateText = textEvaluator(policy);
  const run = (pieces: readonly string[]): string => {
    try {
      return evaluateText(pieces, entrypointId);
    } catch (err) {
      throw asEvaluationError(err);
    }
  };
  // What the data took, so that only the evaluations' growth counts towards a renewal.
  const loadedBytes = evaluateText.memoryBytes();
  return Object.assign(run, { memoryBytes: evaluateText.memoryBytes, grownBytes: () => evaluateText.memoryBytes() - loadedBytes });
}

/**
 * Above this growth since the data was loaded, an idle thread replaces its instance of the
 * policy with a fresh one. A typical check leaves the policy's memory at about 1 MiB; one of
 * 5,000 findings grows it to 14 MiB, and an input near bundle.max_memory_mb would keep that
 * much for the life of the process.
 */
export const POLICY_MEMORY_RENEWAL_BYTES = 8 * 1024 * 1024;

/**
 * A fresh instance of the runner's policy when its evaluations grew its memory by more than
 * `aboveBytes`, else undefined: the caller swaps it in between two evaluations, and the old
 * instance's memory goes with its last reference. The policy's compiled module is reused.
 */
export async function renewPolicyMemory(runner: PolicyRunner, bundle: Pick<Bundle, 'wasm' | 'dataJson'>, options: Pick<EvaluatorOptions, 'entrypoint' | 'maxMemoryBytes'>, aboveBytes = POLICY_MEMORY_RENEWAL_BYTES): Promise<PolicyRunner | undefined> {
  if (runner.grownBytes() <= aboveBytes) return undefined;
  return createPolicyRunner(bundle, options);
}

/** Instantiates the bundle's policy. Throws PolicyLoadError. */
export async function createEvaluator(bundle: Bundle, options: EvaluatorOptions = {}): Promise<Evaluator> {
  const entrypoint = options.entrypoint ?? DEFAULT_ENTRYPOINT;
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const clock = options.clock ?? (() => new Date());
  const newDecisionId = options.newDecisionId ?? (() => uuidv7());
  let runPolicy = await createPolicyRunner(bundle, { entrypoint, maxMemoryBytes });
  const evaluating: EvaluatingBundle = { name: bundle.name, revision: bundle.manifest.revision };

  const evaluator: Evaluator = {
    bundle,
    entrypoint,
    maxMemoryBytes,
    now: clock,
    evaluate(input, evalOptions = {}) {
      const prepared = evaluator.prepare(input, evalOptions);
      return evaluator.finish(prepared, evaluator.run(prepared));
    },
    prepare(input, evalOptions = {}) {
      const started = performance.now();
      const now = evalOptions.now ?? clock();
      let pieces: string[];
      try {
        pieces = inputPieces(input, now, evaluating, evalOptions.inputJson);
      } catch (err) {
        throw asEvaluationError(err);
      }
      return { pieces, now, decisionId: evalOptions.decisionId, started };
    },
    run: (prepared) => runPolicy(prepared.pieces),
    policyMemoryBytes: () => runPolicy.memoryBytes(),
    async renewPolicyMemory(aboveBytes) {
      const fresh = await renewPolicyMemory(runPolicy, bundle, { entrypoint, maxMemoryBytes }, aboveBytes);
      if (fresh) runPolicy = fresh;
      return fresh !== undefined;
    },
    finish(prepared, answer) {
      let resultSet: unknown;
      try {
        resultSet = JSON.parse(answer);
      } catch (err) {
        throw asEvaluationError(err);
      }
      const decision = readPolicyDecision(resultSet);
      const evaluateMs = performance.now() - prepared.started;
      return {
        decision_id: prepared.decisionId ?? newDecisionId(),
        ...decision,
        bundle: { ...evaluating },
        evaluated_at: prepared.now.toISOString(),
        timing_ms: { evaluate: Math.round(evaluateMs * 1000) / 1000 },
      };
    },
  };
  return evaluator;
}
