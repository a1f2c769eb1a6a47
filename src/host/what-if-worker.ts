// One thread of the what-if pool (what-if-pool.ts): instantiates the candidate bundle once,
// then re-evaluates the logged inputs it is sent and answers with the verdicts only.
import { parentPort, workerData } from 'node:worker_threads';
import { replayRecord, verdictOf } from '../decide/replay.js';
import { createEvaluator, type Bundle, type EvaluatorOptions, type InputDocument } from '../engine/index.js';

export interface WhatIfJob {
  id: number;
  /** Logged inputs as the log stores them (JSON text), with the record's id and time. */
  items: Array<{ decision_id: string; input_json: string; time: string }>;
}

export type WhatIfAnswer = { id: number; verdicts: Array<ReturnType<typeof verdictOf>> } | { id: number; error: string };

const port = parentPort!;
const evaluator = await createEvaluator(workerData.bundle as Bundle, workerData.options as EvaluatorOptions);
port.on('message', (job: WhatIfJob) => {
  try {
    const verdicts = job.items.map(({ decision_id, input_json, time }) => {
      try {
        return verdictOf(replayRecord({ decision_id, time, input: JSON.parse(input_json) as InputDocument }, evaluator, input_json));
      } catch (err) {
        // The batch fails with the decision that could not be read or evaluated.
        throw new Error(`decision ${decision_id}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
    });
    port.postMessage({ id: job.id, verdicts } satisfies WhatIfAnswer);
  } catch (err) {
    port.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) } satisfies WhatIfAnswer);
  }
});
port.postMessage({ ready: true });
