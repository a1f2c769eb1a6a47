// What-if on every core: the log is read here, in order, and the candidate bundle is
// evaluated by worker threads, each with its own instance of the policy (one Wasm instance
// runs one evaluation at a time). Results are added up in log order, so the report is the
// one the sequential whatIf gives (test/decision-log.test.ts). A bounded number of batches
// is in flight, so memory stays flat however long the log.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { whatIf, WhatIfTally, type TalliedRecord, type WhatIfProgress, type WhatIfReport } from '../decide/index.js';
import type { Evaluator, EvaluatorOptions } from '../engine/index.js';
import { fixedCodeError } from '../shared/errors.js';
import { workerEntry, type Instant, type Store } from '../store/index.js';
import type { WhatIfAnswer, WhatIfJob } from './what-if-worker.js';

const BATCH = 64;
/** Batches in flight per thread: one evaluating, one waiting, so no thread idles. */
const IN_FLIGHT = 2;

export interface WhatIfPoolOptions extends WhatIfProgress {
  /** Worker threads; default one per core. 1 evaluates on this thread, without workers. */
  threads?: number;
  /** The candidate's evaluator options (bundle.max_memory_mb), so each thread fails alike. */
  evaluator?: Pick<EvaluatorOptions, 'maxMemoryBytes'>;
}

class WhatIfWorkerError extends fixedCodeError('WhatIfWorkerError', 'what_if_failed', 'internal') {}

function startWorker(candidate: Evaluator, options: WhatIfPoolOptions['evaluator']): Promise<Worker> {
  // Only what createEvaluator reads: the archive's files stay here.
  const bundle = { ...candidate.bundle, files: new Map() };
  const { entry, eval: isScript } = workerEntry(import.meta.url, 'what-if-worker');
  const worker = new Worker(entry, { eval: isScript, workerData: { bundle, options: { ...options, entrypoint: candidate.entrypoint } } });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', (err) => void worker.terminate().finally(() => reject(err)));
  });
}

/** Every thread started, or none: those that did start are stopped when one cannot. */
async function startWorkers(count: number, candidate: Evaluator, options: WhatIfPoolOptions['evaluator']): Promise<Worker[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(candidate, options)));
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return workers;
  await Promise.all(workers.map((w) => w.terminate()));
  throw new WhatIfWorkerError(`what-if: a worker thread could not start: ${(failed.reason as Error)?.message ?? String(failed.reason)}`);
}

export async function whatIfInParallel(store: Pick<Store, 'decisionsSince' | 'decisionInputsSince'>, candidate: Evaluator, from: Instant, to: Instant = new Date(), options: WhatIfPoolOptions = {}): Promise<WhatIfReport> {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  if (threads === 1) return whatIf(store, candidate, from, to, options);
  const every = options.every ?? 500;
  const tally = new WhatIfTally({ name: candidate.bundle.name, revision: candidate.bundle.manifest.revision }, from, to);
  const workers = await startWorkers(threads, candidate, options.evaluator);

  // Batches are numbered in log order; answers may come back in any order and are added up
  // once every earlier batch has been.
  const waiting = new Map<number, { records: TalliedRecord[]; verdicts?: Parameters<WhatIfTally['add']>[1][] }>();
  let nextToAdd = 0;
  let failure: Error | undefined;
  const slots: Array<() => void> = [];
  let inFlight = 0;

  const flush = () => {
    for (let entry = waiting.get(nextToAdd); entry?.verdicts; entry = waiting.get(nextToAdd)) {
      entry.records.forEach((record, i) => {
        tally.add(record, entry!.verdicts![i] as never);
        if (options.onProgress && tally.evaluated % every === 0) options.onProgress(tally.evaluated);
      });
      waiting.delete(nextToAdd++);
    }
  };
  let finished = false;
  // Batches each thread still owes: a thread that dies owes them all at once.
  const owed = new Map<Worker, number>(workers.map((w) => [w, 0]));
  const settle = (worker: Worker, batches: number) => {
    owed.set(worker, owed.get(worker)! - batches);
    inFlight -= batches;
    for (let i = 0; i < batches; i++) slots.shift()?.();
  };
  for (const worker of workers) {
    worker.on('message', (answer: WhatIfAnswer) => {
      if ('error' in answer) failure ??= new WhatIfWorkerError(`what-if: evaluating batch ${answer.id} failed: ${answer.error}`);
      else {
        waiting.get(answer.id)!.verdicts = answer.verdicts;
        flush();
      }
      settle(worker, 1);
    });
    const lost = (why: string) => {
      failure ??= new WhatIfWorkerError(`what-if: a worker thread ${why}`);
      settle(worker, owed.get(worker)!);
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    // Only terminate() in the finally below ends a thread on purpose; any other exit, even
    // an idle one, fails the what-if instead of leaving later batches unanswered.
    worker.on('exit', (code) => {
      if (!finished) lost(`exited (code ${code})`);
    });
  }

  let batchId = 0;
  let batch: TalliedRecord[] = [];
  let items: WhatIfJob['items'] = [];
  const send = async () => {
    while (inFlight >= threads * IN_FLIGHT) await new Promise<void>((resolve) => slots.push(resolve));
    if (failure) throw failure;
    const id = batchId++;
    waiting.set(id, { records: batch });
    inFlight++;
    const worker = workers[id % threads]!;
    owed.set(worker, owed.get(worker)! + 1);
    worker.postMessage({ id, items } satisfies WhatIfJob);
    batch = [];
    items = [];
  };
  try {
    // The inputs stay JSON text here: each is parsed by the thread that evaluates it, and a
    // string crosses to it for the cost of a copy (a parsed input cost this thread a parse
    // and a structured clone, 43 % of its time).
    for await (const record of store.decisionInputsSince(from, to)) {
      // The tally keeps only what it reports; the input goes to the worker.
      batch.push({ decision_id: record.decision_id, time: record.time, application: record.application, environment: record.environment, decision: record.decision });
      items.push({ decision_id: record.decision_id, input_json: record.input_json, time: record.time });
      if (batch.length === BATCH) await send();
    }
    if (batch.length > 0) await send();
    while (inFlight > 0) await new Promise<void>((resolve) => slots.push(resolve));
    if (failure) throw failure;
    return tally.finish();
  } finally {
    finished = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
