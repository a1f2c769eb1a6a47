// One thread of the evaluation pool (evaluation-pool.ts): holds a copy of each policy it is
// sent and runs prepared inputs on it, answering with the policy's JSON text. Messages are
// handled one at a time, in the order they were sent, so a job never overtakes the load of
// its policy.
import { parentPort } from 'node:worker_threads';
import { createPolicyRunner, renewPolicyMemory, type Bundle, type EvaluatorOptions, type PolicyRunner } from '../engine/index.js';
// The one module, not the store's index: a thread has no use for the drivers behind it.
import { startIdleCollection } from '../store/idle-collection.js';

export type PoolMessage =
  | { type: 'load'; policy: number; bundle: Pick<Bundle, 'wasm' | 'dataJson'>; options: Pick<EvaluatorOptions, 'entrypoint' | 'maxMemoryBytes'> }
  | { type: 'drop'; policy: number }
  | { type: 'run'; job: number; policy: number; pieces: readonly string[] };

/** `load`: the policy itself could not be loaded on this thread, so no job for it can succeed here. */
export type PoolAnswer = { job: number; answer: string } | { job: number; error: { code: string; message: string; load?: boolean } };

type LoadMessage = Extract<PoolMessage, { type: 'load' }>;

const port = parentPort!;
/** A policy's copy on this thread; `stuck` once a renewal failed: its grown instance stays. */
const runners = new Map<number, { load: LoadMessage; runner: Promise<PolicyRunner>; stuck?: boolean }>();
let queue = Promise.resolve();
// A large check leaves a policy's memory at the size it needed (evaluator.ts): a quiet thread
// renews the instance, in the message order, and its next quiet interval collects the old one.
const collection = startIdleCollection({ onIdle: () => void (queue = queue.then(renewGrownPolicies)) });

async function renewGrownPolicies(): Promise<void> {
  for (const [policy, held] of runners) {
    if (held.stuck) continue;
    let runner: PolicyRunner;
    try {
      runner = await held.runner;
    } catch {
      continue; // a policy that failed to load answers its jobs with that error
    }
    try {
      const fresh = await renewPolicyMemory(runner, held.load.bundle, held.load.options);
      if (!fresh) continue;
      runners.set(policy, { load: held.load, runner: Promise.resolve(fresh) });
      collection.collectWhenIdle();
    } catch {
      held.stuck = true;
    }
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return { code: typeof e?.code === 'string' ? e.code : 'evaluation_failed', message: typeof e?.message === 'string' ? e.message : String(err) };
}

async function handle(message: PoolMessage): Promise<void> {
  if (message.type === 'load') {
    const loading = createPolicyRunner(message.bundle, message.options);
    loading.catch(() => undefined); // reported to each job that needs it
    runners.set(message.policy, { load: message, runner: loading });
  } else if (message.type === 'drop') {
    runners.delete(message.policy);
  } else {
    let runner: PolicyRunner;
    try {
      const held = runners.get(message.policy);
      if (!held) throw new Error(`policy ${message.policy} was not loaded on this thread`);
      runner = await held.runner;
    } catch (err) {
      port.postMessage({ job: message.job, error: { ...errorOf(err), load: true } } satisfies PoolAnswer);
      return;
    }
    try {
      port.postMessage({ job: message.job, answer: runner(message.pieces) } satisfies PoolAnswer);
    } catch (err) {
      port.postMessage({ job: message.job, error: errorOf(err) } satisfies PoolAnswer);
    }
  }
}

port.on('message', (message: PoolMessage) => {
  queue = queue.then(() => handle(message));
});
