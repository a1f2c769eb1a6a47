// One deployment check: request -> input document (collectors, active waivers) ->
// evaluation -> decision log -> decision. The HTTP route, the CLI and the integrations all
// go through here, so they decide alike. The decision is recorded before it is returned:
// if it cannot be recorded, the answer is an error, never an allow that left no trace.
import { v7 as uuidv7 } from 'uuid';
import { buildInput, type CheckRequest, type Via } from '../collect/check-request.js';
import { CollectorRunner } from '../collect/run-collectors.js';
import type { ActivePolicy, Decision, EvaluateOptions, Evaluator, InputDocument, VerifiedSummary } from '../engine/index.js';
// Only the pure parts of the store: the edge runtime imports this file and has no database.
import { decisionRecordFrom } from './decision-record.js';
import type { Store } from '../store/types.js';
import { toInputWaiver } from '../store/waivers.js';
import { CheckAbortedError, DecisionLogError, NoBundleError } from './errors.js';
import { requestWarnings, type WarnedDecision } from './request-warnings.js';

export interface CheckContext {
  via: Via;
  /** The authenticated caller's name. */
  caller?: string;
  /** Evaluated and recorded, but not enforced (Kubernetes dryRun). */
  dryRun?: boolean;
  /**
   * Aborted when the caller has stopped waiting (an admission past its deadline, already
   * denied): the check stops at the next step and, above all, records nothing, so the log
   * never holds a decision that nobody was told.
   */
  signal?: AbortSignal;
  /**
   * A dfw verification summary the admission webhook verified for the image
   * (admit_on_summary): given to the policy as input.verification_summary, the one way it
   * gets there — a check request's own fields land under input.request.extra.
   */
  verificationSummary?: VerifiedSummary;
}

export interface CheckOutcome {
  decision: Decision;
  input: InputDocument;
}

export interface CheckService {
  check(request: CheckRequest, context: CheckContext): Promise<CheckOutcome>;
}

export interface CheckServiceOptions {
  /** Fills evidence the request did not carry. */
  collectors?: CollectorRunner;
  /** Active waivers come from here, and every decision is recorded here. */
  store?: Pick<Store, 'activeWaivers' | 'recordDecision'>;
  /** The request time; the evaluator's clock by default. */
  clock?: () => Date;
  /** environments.strict: refuse unconfigured environments and unknown fields instead of warning. */
  strict?: boolean;
  /**
   * Where the policy runs: on this thread by default; `dfw serve` runs large inputs, and any
   * input while other checks wait, on another core (src/host/evaluation-pool.ts).
   */
  evaluate?: (evaluator: Evaluator, input: InputDocument, options: EvaluateOptions) => Decision | Promise<Decision>;
}

const onThisThread = (evaluator: Evaluator, input: InputDocument, options: EvaluateOptions): Decision => evaluator.evaluate(input, options);

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * The input's JSON text, or undefined when it cannot be written: the evaluator then tries
 * itself and fails with its own error (evaluation_failed), as it did before the text was shared.
 */
function writtenInput(input: InputDocument): string | undefined {
  try {
    return JSON.stringify(input);
  } catch {
    return undefined;
  }
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CheckAbortedError(signal.reason);
}

export function createCheckService(policy: ActivePolicy, options: CheckServiceOptions = {}): CheckService {
  // With no collectors the runner still records inline evidence as such.
  const collectors = options.collectors ?? new CollectorRunner([]);
  const evaluate = options.evaluate ?? onThisThread;
  return {
    async check(request, context) {
      const evaluator = policy.current();
      if (!evaluator) throw new NoBundleError(policy.status().last_error ?? undefined);
      const id = uuidv7();
      const now = options.clock ? options.clock() : evaluator.now();
      const started = performance.now();
      const input = buildInput(request, { id, via: context.via });
      // The logged input carries the request time, so a replay decides as of the same moment.
      (input.request as Record<string, unknown>).time = now.toISOString();
      if (context.verificationSummary) input.verification_summary = { ...context.verificationSummary };
      if (options.store) {
        const waivers = await options.store.activeWaivers(now, { application: request.application, environment: request.environment });
        input.waivers = waivers.map(toInputWaiver);
      }
      stopIfAborted(context.signal);
      const collection = await collectors.collect(request, input, context.signal);
      stopIfAborted(context.signal);
      const collectMs = performance.now() - started;

      // Written once, for the policy and for the decision log (which keeps it when nothing
      // in it is masked): the input does not change from here on.
      const inputJson = writtenInput(input);
      const decision = await evaluate(evaluator, input, { decisionId: id, now, inputJson });
      // After the evaluation, before the record: a strict refusal leaves no trace in the log.
      const warnings = requestWarnings(evaluator, input, options.strict === true);
      decision.timing_ms = {
        collect: round(collectMs),
        ...Object.fromEntries(Object.entries(collection.timings).map(([name, ms]) => [`collect_${name}`, ms])),
        ...decision.timing_ms,
      };
      decision.evidence_sources = collection.sources as Record<string, string>;
      if (warnings.length) (decision as WarnedDecision).warnings = warnings;

      // The last point before the record is written.
      stopIfAborted(context.signal);
      if (options.store) {
        try {
          const recorded = { caller: context.caller ?? 'anonymous', via: context.via, dry_run: context.dryRun === true, ...(inputJson !== undefined ? { input_json: inputJson } : {}) };
          await options.store.recordDecision(decisionRecordFrom(decision, input, recorded));
        } catch (err) {
          throw new DecisionLogError(err);
        }
      }
      return { decision, input };
    },
  };
}
