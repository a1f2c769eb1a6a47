// Garbage that reaches V8's old generation, and a wait for an idle collection, for
// test/idle-collection.test.ts and the worker thread it starts.
import type { IdleCollection } from '../../src/store/idle-collection.js';

/** About `mib` MiB of distinct arrays, kept until the caller lets go: they reach the old generation. */
export function allocateOldGarbage(mib: number): number[][] {
  const kept: number[][] = [];
  // 128 arrays of 1,024 doubles (8 KiB each) to the MiB.
  for (let i = 0; i < mib * 128; i++) kept.push(Array.from({ length: 1024 }, (_, j) => i + j + 0.5));
  return kept;
}

/** Until the first collection, at most `limitMs`. */
export async function waitForCollection(collection: IdleCollection, limitMs = 3000): Promise<void> {
  for (let waited = 0; collection.collections === 0 && waited < limitMs; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}
