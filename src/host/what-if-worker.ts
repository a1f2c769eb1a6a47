// One thread of the what-if pool (what-if-pool.ts): instantiates the candidate bundle once,
// then re-evaluates the logged inputs it is sent and answers with the verdicts only.
import { parentPort, workerData } from 'node:worker_threads';
import { verdictOf } from '../decide/replay.js';
import { createEvaluator, type Bundle, type EvaluatorOptions, type InputDocument } from '../engine/index.js';

export interface WhatIfJob {
  id: number;
  /** Logged inputs with the request time each is evaluated at. */
  items: Array<{ input: InputDocument; time: string }>;
}

export type WhatIfAnswer = { id: number; verdicts: Array<ReturnType<typeof verdictOf>> } | { id: number; error: string };

const port = parentPort!;
const evaluator = await createEvaluator(workerData.bundle as Bundle, workerData.options as EvaluatorOptions);
port.on('message', (job: WhatIfJob) => {
  try {
    const verdicts = job.items.map((item) => verdictOf(evaluator.evaluate(item.input, { now: new Date(item.time) })));
    port.postMessage({ id: job.id, verdicts } satisfies WhatIfAnswer);
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) } satisfies WhatIfAnswer);
  }
});
port.postMessage({ ready: true });
