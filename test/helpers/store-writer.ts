// Child process for the SIGKILL test: records decisions in a burst (several writers at once)
// and prints each id only after recordDecision resolved, the moment a server would answer.
//   node --import tsx test/helpers/store-writer.ts '<StoreLocation JSON>' <id prefix> [thread]
// With `thread`, decisions are committed by a writer thread (dfw serve's way on SQLite).
import { withDecisionWriterThread } from '../../src/store/index.js';
import { openAt, type StoreLocation } from './store-backends.js';
import { generateDecision } from './store-records.js';

const location = JSON.parse(process.argv[2]!) as StoreLocation;
const prefix = process.argv[3] ?? 'kill';
const WRITERS = 4;
// A safety net: the parent kills this process long before.
setTimeout(() => process.exit(3), 60_000).unref();

const opened = await openAt(location);
const store = process.argv[4] === 'thread' ? await withDecisionWriterThread(opened, location.url, location.options) : opened;
process.stdout.write('ready\n');
let next = 0;
await Promise.all(
  Array.from({ length: WRITERS }, async () => {
    for (;;) {
      const { record } = generateDecision(next++, prefix);
      await store.recordDecision(record);
      // stdout to a pipe is synchronous on Linux: once written, the parent can read it.
      process.stdout.write(`${record.decision_id}\n`);
    }
  }),
);
