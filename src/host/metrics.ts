// Prometheus metrics (prom-client), served at GET /metrics: what platform teams alert on —
// how many deployments were allowed and denied, by which rules, how long checks take, which
// evidence is coming from where or missing, and which bundle revision is active. Node only:
// the app sees just `render()`, so the edge runtime bundle never pulls prom-client in.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CheckOutcome, CheckService } from '../decide/index.js';
import type { MetricsSource } from '../api/routes/metrics.js';
import { firewallConfig, listFindings, type ActivePolicy } from '../engine/index.js';
import { EVIDENCE_KINDS } from '../evidence/types.js';
import type { AdmissionOutcome } from '../integrations/kubernetes/index.js';
import type { StoreCaches } from '../store/index.js';
import type { EvaluationPoolStats } from './evaluation-pool.js';

export interface Metrics extends MetricsSource {
  /** The same service, counted and timed. Wrap once, where every entry point shares it. */
  observe(checks: CheckService): CheckService;
  /** Counts an answered AdmissionReview: what the API server was told, which a check alone does not show (deadlines, unsupported kinds). */
  admitted(outcome: AdmissionOutcome): void;
}

/** Evidence kind label: one the input document defines, else "other" (inline evidence keys are caller text). */
function kindLabel(kind: string): string {
  return (EVIDENCE_KINDS as readonly string[]).includes(kind) ? kind : 'other';
}

/** Environment label: a name the bundle configures, else "other" (callers choose the name, labels must stay few). */
function environmentLabel(policy: ActivePolicy, environment: string): string {
  const bundle = policy.current()?.bundle;
  const environments = bundle && firewallConfig(bundle).environments;
  return environments && Object.hasOwn(environments, environment) ? environment : 'other';
}

/**
 * `caches`: the store's read caches, whose hits and misses are counted at each scrape;
 * `pool`: the evaluation pool's figures, read the same way.
 */
export function createMetrics(policy: ActivePolicy, caches?: StoreCaches, pool?: { stats(): EvaluationPoolStats }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter({ name, help, labelNames, registers: [registry] });

  const decisions = counter('dfw_decisions_total', 'Decisions answered (and recorded), by entry point, environment and verdict.', ['via', 'environment', 'allow', 'dry_run']);
  const violations = counter('dfw_violations_total', 'Rule violations in answered decisions: deny (blocking), warn, or waived.', ['rule', 'severity', 'outcome', 'environment']);
  const evidence = counter('dfw_evidence_total', 'Where each evidence kind of a decision came from: inline, the store, or a collector.', ['kind', 'source']);
  const unavailable = counter('dfw_evidence_unavailable_total', 'Evidence kinds a collector could not get for a decision (input.unavailable): the rules then deny for missing evidence.', ['kind']);
  const admissions = counter(
    'dfw_admissions_total',
    'AdmissionReviews answered: result decided (policy verdict for every image), skipped (nothing to evaluate) or failed_closed (denied without a full decision).',
    ['allowed', 'result', 'dry_run'],
  );
  const clientAborts = counter('dfw_client_aborts_total', 'Requests whose client closed the connection before the body arrived (a client event, logged at debug).', []);
  const errors = counter('dfw_check_errors_total', 'Checks answered with an error instead of a decision (never an allow), by error code.', ['via', 'code']);
  const duration = new Histogram({
    name: 'dfw_check_duration_seconds',
    help: 'Whole check: collectors, evaluation and the decision log write.',
    labelNames: ['via'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const evaluation = new Histogram({
    name: 'dfw_evaluation_duration_seconds',
    help: 'Policy evaluation alone (the Wasm bundle).',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });
  new Gauge({
    name: 'dfw_bundle_info',
    help: 'The active policy bundle (value 1), by name and revision; absent while none is loaded.',
    labelNames: ['name', 'revision'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const status = policy.status();
      if (status.revision !== null) this.set({ name: status.bundle ?? '', revision: status.revision }, 1);
    },
  });
  new Gauge({
    name: 'dfw_bundle_ready',
    help: '1 when a verified bundle is loaded (what /readyz says), else 0.',
    registers: [registry],
    collect() {
      this.set(policy.status().revision === null ? 0 : 1);
    },
  });
  new Gauge({
    name: 'dfw_policy_memory_bytes',
    help: "The active policy's Wasm memory on the thread that answers: it grows to what the largest input needed, and a quiet thread renews it once above 8 MiB.",
    registers: [registry],
    collect() {
      this.set(policy.current()?.policyMemoryBytes() ?? 0);
    },
  });

  if (caches) {
    new Counter({
      name: 'dfw_store_cache_reads_total',
      help: "Reads of a check's active waivers and pushed evidence in this process: hit (memory, generation unchanged) or miss (the database).",
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const stats = caches.stats();
        for (const cache of ['waivers', 'evidence'] as const) {
          this.inc({ cache, result: 'hit' }, stats[cache].hits);
          this.inc({ cache, result: 'miss' }, stats[cache].misses);
        }
      },
    });
    new Gauge({
      name: 'dfw_store_cache_entries',
      help: 'Deployment keys (waivers) and subjects (evidence) held in this process\'s store cache.',
      labelNames: ['cache'] as const,
      registers: [registry],
      collect() {
        const stats = caches.stats();
        for (const cache of ['waivers', 'evidence'] as const) this.set({ cache }, stats[cache].entries);
      },
    });
  }

  if (pool) {
    new Counter({
      name: 'dfw_evaluations_total',
      help: 'Policy evaluations by where they ran: server_thread (the thread that answers) or evaluation_thread (large checks, and any check while others are in hand; server.evaluation_threads).',
      labelNames: ['thread'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const { evaluated } = pool.stats();
        this.inc({ thread: 'server_thread' }, evaluated.here);
        this.inc({ thread: 'evaluation_thread' }, evaluated.thread);
      },
    });
    new Gauge({
      name: 'dfw_evaluation_threads',
      help: 'Evaluation threads running (started at the first check handed to one: a large check, or any while others are in hand).',
      registers: [registry],
      collect() {
        this.set(pool.stats().running);
      },
    });
    new Counter({
      name: 'dfw_evaluation_threads_lost_total',
      help: 'Evaluation threads that failed or exited; their checks failed closed and the next check handed to the pool starts another.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pool.stats().lost);
      },
    });
  }

  function count({ decision, input }: CheckOutcome, via: string, dryRun: boolean): void {
    const environment = environmentLabel(policy, decision.environment);
    decisions.inc({ via, environment, allow: String(decision.allow), dry_run: String(dryRun) });
    for (const { outcome, severity, violation } of listFindings(decision)) violations.inc({ rule: violation.rule, severity, outcome, environment });
    for (const [kind, source] of Object.entries(decision.evidence_sources ?? {})) evidence.inc({ kind: kindLabel(kind), source });
    for (const kind of Object.keys(input.unavailable ?? {})) unavailable.inc({ kind: kindLabel(kind) });
    if (typeof decision.timing_ms?.evaluate === 'number') evaluation.observe(decision.timing_ms.evaluate / 1000);
  }

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    clientAborted: () => clientAborts.inc(),
    admitted(outcome) {
      const result = outcome.failedClosed ? 'failed_closed' : outcome.skipped ? 'skipped' : 'decided';
      admissions.inc({ allowed: String(outcome.review.response.allowed), result, dry_run: String(outcome.dryRun) });
    },
    observe: (checks) => ({
      async check(request, context) {
        const stop = duration.startTimer({ via: context.via });
        try {
          const outcome = await checks.check(request, context);
          count(outcome, context.via, context.dryRun === true);
          return outcome;
        } catch (err) {
          // ApiError, StoreError and the engine's errors carry a code; anything else is internal.
          const code = (err as { code?: unknown } | null | undefined)?.code;
          errors.inc({ via: context.via, code: typeof code === 'string' ? code : 'internal' });
          throw err;
        } finally {
          stop();
        }
      },
    }),
  };
}
