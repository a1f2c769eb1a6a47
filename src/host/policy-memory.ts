// The answering thread's policy renewed once it is quiet (Evaluator.renewPolicyMemory): a
// large check leaves the policy's Wasm memory at the size it needed, and WebAssembly memory
// never shrinks. Called at each quiet second of the thread (startIdleCollection's onIdle).
import type { ActivePolicy, Evaluator } from '../engine/index.js';
import { describeThrown } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

const toMib = (bytes: number) => Math.round(bytes / 1048576);

/**
 * The onIdle callback: renews the active evaluator's policy when it grew, then asks for a
 * collection (`collectOld`) that frees the old instance. An evaluator whose renewal failed is
 * not tried again: its grown instance stays, and the next bundle gets its own chance.
 */
export function renewQuietPolicy(policy: ActivePolicy, logger: Logger, collectOld: () => void): () => void {
  let renewing = false;
  let failed: Evaluator | undefined;
  return () => {
    const evaluator = policy.current();
    if (!evaluator || renewing || evaluator === failed) return;
    renewing = true;
    const before = evaluator.policyMemoryBytes();
    const started = performance.now();
    evaluator
      .renewPolicyMemory()
      .then(
        (renewed) => {
          // A bundle swapped in meanwhile made the old evaluator garbage already.
          if (!renewed || policy.current() !== evaluator) return;
          logger.debug('policy memory renewed', { mib_before: toMib(before), mib_after: toMib(evaluator.policyMemoryBytes()), ms: Math.round(performance.now() - started) });
          collectOld();
        },
        (err: unknown) => {
          failed = evaluator;
          logger.warn('policy memory not renewed: the grown instance stays', { error: describeThrown(err) });
        },
      )
      .finally(() => (renewing = false));
  };
}
