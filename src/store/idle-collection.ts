// A full garbage collection once a thread goes quiet after its heap grew. Under a burst of
// large checks, every 629 KB input is copied several times (body, parsed value, its JSON, the
// row) and 16 of them live for 600 ms at once: they outlive the young generation, so V8 grows
// the old one, and once the load stops nothing allocates, so nothing collects it. The process
// then holds hundreds of MiB of garbage until the next load (performance-changes.md, eleventh
// round). Collecting when the thread is idle gives it back without costing a check its time:
// the collection runs only after this thread's event loop was nearly idle for a whole
// interval (a check that arrives meanwhile, or that waits on this thread, waits for it).
// Every thread of a server runs one: the server thread, the decision writer's thread, the
// evaluation threads, and a cluster's primary.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';

export interface IdleCollectionOptions {
  /** How often the thread looks at its event loop and its heap. */
  intervalMs?: number;
  /** The event loop counts as idle below this share of busy time over one interval. */
  idleBelow?: number;
  /** Collect only once the heap has grown this much since the last collection (or the start). */
  growthBytes?: number;
  /** Told of each collection: the heap's size before and after, in bytes, and how long it took. */
  onCollected?: (collected: { heapBefore: number; heapAfter: number; ms: number }) => void;
  /**
   * Called at each interval the event loop was idle, before the heap is looked at: other work
   * that should wait for a quiet thread (the policy's memory renewed, evaluator.ts).
   */
  onIdle?: () => void;
}

export interface IdleCollection {
  /** Collections run so far. */
  readonly collections: number;
  /** The next idle interval collects whether or not the heap grew: memory outside it was let go. */
  collectWhenIdle(): void;
  stop(): void;
}

const DEFAULTS = { intervalMs: 1000, idleBelow: 0.02, growthBytes: 16 * 1024 * 1024 };

let collectGarbage: (() => void) | undefined;

/**
 * V8's own `gc()`, as `node --expose-gc` gives it. The flag makes V8 install the function in
 * every context created after it is set, so one fresh context hands it over without the
 * process having to be started with the flag (bin/dfw.js, `npm install -g` and worker threads
 * alike); jest's leak detector gets it the same way. Worker threads started after the flag
 * find the function on their own global, so the server and a cluster's primary call this
 * first, before they start any thread: the process-wide flag is then written once, by one
 * thread, before any other runs.
 */
export function exposeFullCollection(): () => void {
  if (!collectGarbage) {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') collectGarbage = exposed as () => void;
    else {
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
    }
  }
  return collectGarbage;
}

/** Starts watching this thread (server thread or worker thread alike); the timer never keeps it alive. */
export function startIdleCollection(options: IdleCollectionOptions = {}): IdleCollection {
  const { intervalMs, idleBelow, growthBytes, onCollected, onIdle } = { ...DEFAULTS, ...options };
  const collect = exposeFullCollection();
  let baseline = getHeapStatistics().total_heap_size;
  let previous = performance.eventLoopUtilization();
  let collections = 0;
  let requested = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, previous).utilization;
    previous = now;
    const heap = getHeapStatistics().total_heap_size;
    // A heap below its baseline (V8 shrank it on its own) becomes the new one.
    if (heap < baseline) baseline = heap;
    if (busy >= idleBelow) return;
    try {
      onIdle?.();
    } catch {
      // Idle work is best effort; the collection below still runs.
    }
    if (!requested && heap - baseline < growthBytes) return;
    requested = false;
    const started = performance.now();
    collect();
    collections++;
    baseline = getHeapStatistics().total_heap_size;
    onCollected?.({ heapBefore: heap, heapAfter: baseline, ms: performance.now() - started });
  }, intervalMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    collectWhenIdle: () => {
      requested = true;
    },
    stop: () => clearInterval(timer),
  };
}
