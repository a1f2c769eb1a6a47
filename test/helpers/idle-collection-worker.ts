// A worker thread for test/idle-collection.test.ts: starts its own idle collection, as the
// server's writer and evaluation threads do, makes old garbage, lets it go, and reports
// whether its heap was collected while it was idle.
import { parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { startIdleCollection } from '../../src/store/idle-collection.js';
import { allocateOldGarbage, waitForCollection } from './old-garbage.js';

const gcOnGlobal = typeof (globalThis as { gc?: unknown }).gc === 'function';
const collection = startIdleCollection({ intervalMs: 100 });
// Made and let go at once: only the heap's growth remains, for the collection to find.
allocateOldGarbage(64);
const grown = getHeapStatistics().total_heap_size;
await waitForCollection(collection);
collection.stop();
parentPort!.postMessage({ gcOnGlobal, collections: collection.collections, shrankBytes: grown - getHeapStatistics().total_heap_size });
