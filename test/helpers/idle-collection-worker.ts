// A worker thread for test/idle-collection.test.ts: starts its own idle collection, as the
// server's writer and evaluation threads do, makes old garbage, lets it go, and reports
// whether its heap was collected while it was idle.
import { parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { startIdleCollection } from '../../src/store/idle-collection.js';

const gcOnGlobal = typeof (globalThis as { gc?: unknown }).gc === 'function';
const collection = startIdleCollection({ intervalMs: 100 });
let garbage: number[][] | undefined = [];
for (let i = 0; i < 64 * 128; i++) garbage.push(Array.from({ length: 1024 }, (_, j) => i + j + 0.5));
const grown = getHeapStatistics().total_heap_size;
garbage = undefined;
const waitForCollection = async () => {
  for (let waited = 0; collection.collections === 0 && waited < 3000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
};
await waitForCollection();
collection.stop();
parentPort!.postMessage({ gcOnGlobal, collections: collection.collections, shrankBytes: grown - getHeapStatistics().total_heap_size, released: garbage === undefined });
