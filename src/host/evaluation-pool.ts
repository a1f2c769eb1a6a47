// Checks evaluated on another core. `dfw serve` answers checks on one JavaScript thread; on
// a 5,000-finding check the policy takes a third of that thread's time while the second core
// idles (docs/performance-changes.md). A check whose input JSON reaches `minLength` is
// prepared here, run by a pool thread on its own copy of the same policy, and finished here.
// A smaller one goes to a pool thread only while this thread has other checks in hand
// (`busy`) and a thread holds no large check it would wait behind: alone, it runs here at
// once, where the hand-off would only add to its latency.
//
// Each check runs on the evaluator it started with, as on this thread: a thread is sent a
// policy before its first job, and drops it at its next answer once the policy is neither
// the active one nor has jobs in flight. A thread that fails fails its jobs closed (an
// EvaluationError, never an allow) and is replaced at the next check handed to the pool. A
// thread that cannot load a policy is retired, and its checks, and later checks on that
// policy, run here, where the same policy did load.
import { Worker } from 'node:worker_threads';
import { EvaluationError, type Decision, type EvaluateOptions, type Evaluator, type InputDocument } from '../engine/index.js';
import { workerEntry } from '../store/index.js';
import type { PoolAnswer, PoolMessage } from './evaluation-worker.js';

/** 64 Ki UTF-16 units of input JSON: a check this size costs the policy a few milliseconds. */
export const DEFAULT_MIN_LENGTH = 64 * 1024;

export interface EvaluationPoolOptions {
  /** Pool threads; 0 runs every evaluation on the calling thread. */
  threads: number;
  /** The evaluator new checks start on (ActivePolicy.current): its policy stays on the threads. */
  current: () => Evaluator | undefined;
  /** Inputs whose JSON is at least this long run on a pool thread. */
  minLength?: number;
  /**
   * Whether the calling thread has other checks in hand: smaller inputs then run on a pool
   * thread too. Every typical check sent to the thread, on the 2-core bench machine: 660 →
   * 770 checks/s at 16 connections, but 250 → 220 one at a time, hence only while busy.
   */
  busy?: () => boolean;
  /** Told when a thread starts and when one is lost, with why. */
  onThread?: (event: 'started' | 'lost', detail: { thread: number; reason?: string }) => void;
}

/** What the pool has done, for /metrics. */
export interface EvaluationPoolStats {
  /** Threads started and not lost. */
  running: number;
  /** Evaluations run on the calling thread and on pool threads. */
  evaluated: { here: number; thread: number };
  /** Threads that failed or exited while the pool was open, or were retired. */
  lost: number;
  /** Policies sent to threads: one per thread and active revision while nothing fails. */
  loads: number;
}

interface Job {
  policy: number;
  /** An input of minLength or more. */
  large: boolean;
  /** undefined: the thread could not take the job, evaluate it here. */
  resolve: (answer: string | undefined) => void;
  reject: (err: EvaluationError) => void;
}

interface PoolThread {
  index: number;
  worker: Worker;
  /** Policies sent to this thread: whose they are, and how many of its jobs each has in flight. */
  policies: Map<number, { evaluator: Evaluator; inFlight: number }>;
  jobs: Map<number, Job>;
}

export class EvaluationPool {
  private readonly threads: Array<PoolThread | undefined>;
  private readonly minLength: number;
  private readonly ids = new WeakMap<Evaluator, number>();
  private nextPolicy = 1;
  private nextJob = 1;
  private closed = false;
  private readonly counts = { here: 0, thread: 0, lost: 0, loads: 0 };
  /** Evaluators whose policy a thread could not load: evaluated here from then on. */
  private readonly unloadable = new WeakSet<Evaluator>();

  constructor(private readonly options: EvaluationPoolOptions) {
    this.threads = Array.from({ length: Math.max(0, Math.floor(options.threads)) });
    this.minLength = options.minLength ?? DEFAULT_MIN_LENGTH;
  }

  /** Threads the pool may start. */
  get size(): number {
    return this.threads.length;
  }

  /** Threads started so far: none until the first check handed to the pool. */
  get running(): number {
    return this.threads.filter((thread) => thread !== undefined).length;
  }

  stats(): EvaluationPoolStats {
    const { here, thread, lost, loads } = this.counts;
    return { running: this.running, evaluated: { here, thread }, lost, loads };
  }

  /** Evaluates on this thread or a pool thread, by the input's size and how busy this thread is; the same decision either way. */
  evaluate(evaluator: Evaluator, input: InputDocument, options: EvaluateOptions = {}): Decision | Promise<Decision> {
    const prepared = evaluator.prepare(input, options);
    const here = () => {
      this.counts.here++;
      return evaluator.finish(prepared, evaluator.run(prepared));
    };
    const large = prepared.pieces.reduce((n, piece) => n + piece.length, 0) >= this.minLength;
    if (this.threads.length === 0 || this.closed || this.unloadable.has(evaluator)) return here();
    if (!large && !this.options.busy?.()) return here();
    const thread = this.pick(large);
    // A small check never waits behind a large one: it takes far less than the wait.
    if (!thread) return here();
    return this.run(thread, evaluator, prepared.pieces, large).then((answer) => {
      if (answer === undefined) return here();
      this.counts.thread++;
      return evaluator.finish(prepared, answer);
    });
  }

  /** Stops the threads; evaluations still in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread?.worker.terminate()));
  }

  private run(thread: PoolThread, evaluator: Evaluator, pieces: readonly string[], large: boolean): Promise<string | undefined> {
    const policy = this.policyId(evaluator);
    if (!thread.policies.has(policy)) {
      const bundle = { wasm: evaluator.bundle.wasm, dataJson: evaluator.bundle.dataJson };
      thread.worker.postMessage({ type: 'load', policy, bundle, options: { entrypoint: evaluator.entrypoint, maxMemoryBytes: evaluator.maxMemoryBytes } } satisfies PoolMessage);
      thread.policies.set(policy, { evaluator, inFlight: 0 });
      this.counts.loads++;
    }
    const job = this.nextJob++;
    return new Promise<string | undefined>((resolve, reject) => {
      thread.worker.postMessage({ type: 'run', job, policy, pieces } satisfies PoolMessage);
      // Counted once sent: a job that never left holds nothing on the thread.
      if (thread.jobs.size === 0) thread.worker.ref();
      thread.jobs.set(job, { policy, large, resolve, reject });
      thread.policies.get(policy)!.inFlight++;
    });
  }

  private policyId(evaluator: Evaluator): number {
    let id = this.ids.get(evaluator);
    if (id === undefined) {
      id = this.nextPolicy++;
      this.ids.set(evaluator, id);
    }
    return id;
  }

  /** The active evaluator's policy, which the threads keep between checks. */
  private currentPolicy(): number | undefined {
    const current = this.options.current();
    return current ? this.ids.get(current) : undefined;
  }

  /**
   * An idle thread if one is started, else a new one while the pool has room, else the least
   * busy; for a small check only among threads holding no large one, else none.
   */
  private pick(large: boolean): PoolThread | undefined {
    let best: PoolThread | undefined;
    for (const thread of this.threads) {
      if (!thread || (!large && holdsLarge(thread))) continue;
      if (!best || thread.jobs.size < best.jobs.size) best = thread;
    }
    if (best?.jobs.size === 0) return best;
    const free = this.threads.indexOf(undefined);
    if (free >= 0) return (this.threads[free] = this.start(free));
    return best;
  }

  private start(index: number): PoolThread {
    const { entry, eval: isScript } = workerEntry(import.meta.url, 'evaluation-worker');
    const worker = new Worker(entry, { eval: isScript });
    const thread: PoolThread = { index, worker, policies: new Map(), jobs: new Map() };
    worker.on('message', (message: PoolAnswer) => this.answer(thread, message));
    const lost = (reason: string) =>
      this.retire(thread, reason, (job) => job.reject(new EvaluationError('evaluation_failed', `policy evaluation failed: the evaluation thread ${reason}`)));
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => lost(`exited (code ${code})`));
    // Referenced only while a job is in flight (run and answer): an idle thread keeps no
    // process alive. After the listeners, which reference the port again.
    worker.unref();
    this.options.onThread?.('started', { thread: index });
    return thread;
  }

  private answer(thread: PoolThread, message: PoolAnswer): void {
    const job = thread.jobs.get(message.job);
    if (!job) return;
    thread.jobs.delete(message.job);
    // Not while closing: terminate() holds a reference until the thread has stopped, which an
    // answer arriving meanwhile must not drop.
    if (thread.jobs.size === 0 && !this.closed) thread.worker.unref();
    const sent = thread.policies.get(job.policy)!;
    sent.inFlight--;
    this.dropIdle(thread);
    if ('answer' in message) return job.resolve(message.answer);
    if (!message.error.load) return job.reject(new EvaluationError(message.error.code, message.error.message));
    // The policy loaded on this thread of the process, not on that one: its checks run
    // here, and the thread, which may be in any state, makes room for a fresh one.
    this.unloadable.add(sent.evaluator);
    job.resolve(undefined);
    this.retire(thread, `could not load a policy: ${message.error.message}`, (other) => other.resolve(undefined));
    void thread.worker.terminate();
  }

  /** Frees the thread's slot at once and settles its jobs; once per thread. */
  private retire(thread: PoolThread, reason: string, settle: (job: Job) => void): void {
    if (this.threads[thread.index] !== thread) return;
    this.threads[thread.index] = undefined;
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    jobs.forEach(settle);
    if (this.closed) return;
    this.counts.lost++;
    this.options.onThread?.('lost', { thread: thread.index, reason });
  }

  /** Policies neither active nor with a job in flight leave the thread. */
  private dropIdle(thread: PoolThread): void {
    const current = this.currentPolicy();
    for (const [policy, { inFlight }] of thread.policies) {
      if (policy === current || inFlight > 0) continue;
      thread.policies.delete(policy);
      thread.worker.postMessage({ type: 'drop', policy } satisfies PoolMessage);
    }
  }
}

/** Whether a large check is among the thread's jobs, without copying them. */
function holdsLarge(thread: PoolThread): boolean {
  for (const job of thread.jobs.values()) if (job.large) return true;
  return false;
}
