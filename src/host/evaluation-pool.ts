// Large checks evaluated on another core. `dfw serve` answers checks on one JavaScript
// thread; on a 5,000-finding check the policy takes a third of that thread's time while the
// second core idles (docs/performance-changes.md). A check whose input JSON reaches
// `minLength` is prepared here, run by a pool thread on its own copy of the same policy,
// and finished here; a smaller one runs here at once, where a hand-off would cost more
// than it saves.
//
// Each check runs on the evaluator it started with, as on this thread: a thread is sent a
// policy before its first job, and keeps it while jobs for it are in flight. A thread that
// fails fails its jobs closed (an EvaluationError, never an allow) and is replaced at the
// next large check.
import { Worker } from 'node:worker_threads';
import { EvaluationError, type Decision, type EvaluateOptions, type Evaluator, type InputDocument } from '../engine/index.js';
import { workerEntry } from '../store/index.js';
import type { PoolAnswer, PoolMessage } from './evaluation-worker.js';

/** 64 Ki UTF-16 units of input JSON: a check this size costs the policy a few milliseconds. */
export const DEFAULT_MIN_LENGTH = 64 * 1024;

export interface EvaluationPoolOptions {
  /** Pool threads; 0 runs every evaluation on the calling thread. */
  threads: number;
  /** Inputs whose JSON is at least this long run on a pool thread. */
  minLength?: number;
}

interface Job {
  policy: number;
  resolve: (answer: string) => void;
  reject: (err: EvaluationError) => void;
}

interface PoolThread {
  worker: Worker;
  /** Policies sent to this thread, with how many of its jobs each has in flight. */
  policies: Map<number, number>;
  jobs: Map<number, Job>;
}

export class EvaluationPool {
  private readonly threads: Array<PoolThread | undefined>;
  private readonly minLength: number;
  private readonly ids = new WeakMap<Evaluator, number>();
  private nextPolicy = 1;
  private newestPolicy = 0;
  private nextJob = 1;
  private closed = false;

  constructor(options: EvaluationPoolOptions) {
    this.threads = Array.from({ length: Math.max(0, Math.floor(options.threads)) });
    this.minLength = options.minLength ?? DEFAULT_MIN_LENGTH;
  }

  /** Threads the pool may start. */
  get size(): number {
    return this.threads.length;
  }

  /** Threads started so far: none until the first large check. */
  get running(): number {
    return this.threads.filter((thread) => thread !== undefined).length;
  }

  /** Evaluates on this thread or a pool thread, by the input's size; the same decision either way. */
  evaluate(evaluator: Evaluator, input: InputDocument, options: EvaluateOptions = {}): Decision | Promise<Decision> {
    const prepared = evaluator.prepare(input, options);
    if (this.threads.length === 0 || this.closed || prepared.length < this.minLength) return evaluator.finish(prepared, evaluator.run(prepared));
    return this.run(evaluator, prepared.pieces).then((answer) => evaluator.finish(prepared, answer));
  }

  /** Stops the threads; evaluations still in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread?.worker.terminate()));
  }

  private run(evaluator: Evaluator, pieces: readonly string[]): Promise<string> {
    const policy = this.policyId(evaluator);
    const thread = this.pick();
    if (!thread.policies.has(policy)) {
      const bundle = { wasm: evaluator.bundle.wasm, dataJson: evaluator.bundle.dataJson };
      this.post(thread, { type: 'load', policy, bundle, options: { entrypoint: evaluator.entrypoint, maxMemoryBytes: evaluator.maxMemoryBytes } });
      thread.policies.set(policy, 0);
    }
    const job = this.nextJob++;
    thread.policies.set(policy, thread.policies.get(policy)! + 1);
    return new Promise<string>((resolve, reject) => {
      thread.jobs.set(job, { policy, resolve, reject });
      this.post(thread, { type: 'run', job, policy, pieces });
    });
  }

  private policyId(evaluator: Evaluator): number {
    let id = this.ids.get(evaluator);
    if (id === undefined) {
      id = this.nextPolicy++;
      this.ids.set(evaluator, id);
    }
    // A newer evaluator retires the older policies as soon as their jobs are done.
    if (id > this.newestPolicy) {
      this.newestPolicy = id;
      for (const thread of this.threads) if (thread) this.dropIdle(thread);
    }
    return id;
  }

  /** An idle thread if one is started, else a new one while the pool has room, else the least busy. */
  private pick(): PoolThread {
    let best: PoolThread | undefined;
    for (const thread of this.threads) if (thread && (!best || thread.jobs.size < best.jobs.size)) best = thread;
    if (best?.jobs.size === 0) return best;
    const free = this.threads.indexOf(undefined);
    if (free >= 0) return (this.threads[free] = this.start(free));
    return best!;
  }

  private start(at: number): PoolThread {
    const { entry, eval: isScript } = workerEntry(import.meta.url, 'evaluation-worker');
    const worker = new Worker(entry, { eval: isScript });
    // Jobs are promises some request awaits; an idle pool thread keeps nothing alive.
    worker.unref();
    const thread: PoolThread = { worker, policies: new Map(), jobs: new Map() };
    worker.on('message', (message: PoolAnswer) => this.answer(thread, message));
    const lost = (why: string) => {
      if (this.threads[at] === thread) this.threads[at] = undefined;
      const jobs = [...thread.jobs.values()];
      thread.jobs.clear();
      for (const job of jobs) job.reject(new EvaluationError('evaluation_failed', `policy evaluation failed: the evaluation thread ${why}`));
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => lost(`exited (code ${code})`));
    return thread;
  }

  private answer(thread: PoolThread, message: PoolAnswer): void {
    const job = thread.jobs.get(message.job);
    if (!job) return;
    thread.jobs.delete(message.job);
    thread.policies.set(job.policy, thread.policies.get(job.policy)! - 1);
    this.dropIdle(thread);
    if ('answer' in message) job.resolve(message.answer);
    else job.reject(new EvaluationError(message.error.code, message.error.message));
  }

  /** Older policies with no job in flight leave the thread. */
  private dropIdle(thread: PoolThread): void {
    for (const [policy, inFlight] of thread.policies) {
      if (policy === this.newestPolicy || inFlight > 0) continue;
      thread.policies.delete(policy);
      this.post(thread, { type: 'drop', policy });
    }
  }

  private post(thread: PoolThread, message: PoolMessage): void {
    thread.worker.postMessage(message);
  }
}
