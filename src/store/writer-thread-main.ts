// The decision writer's thread (writer-thread.ts): opens the SQLite file's writer and commits
// the prepared rows it is sent, in group commits. better-sqlite3 is synchronous, so BEGIN and
// COMMIT — the commit waits for its fsync — block this thread, not the one answering checks.
import { parentPort, workerData } from 'node:worker_threads';
import { openDecisionWriter } from './decision-writer.js';
import { turnBatch } from './turn-batch.js';
import { startIdleCollection } from './idle-collection.js';
import { commitRows, writerErrorOf, type FromWriterThread, type RowAck, type ToWriterThread } from './writer-messages.js';

const port = parentPort!;
startIdleCollection();
const { url } = workerData as { url: string };
const send = (message: FromWriterThread) => port.postMessage(message);

// The rows of one group commit settle together: their acknowledgements leave in one message.
const acks = turnBatch<RowAck>((batch) => send({ type: 'recorded', acks: batch }));

try {
  const writer = await openDecisionWriter(url);
  port.on('message', (message: ToWriterThread) => {
    if (message.type === 'records') {
      commitRows((pending) => writer.write(pending), message.rows, acks);
    } else {
      // Everything sent before the close is answered before the thread reports: commit what
      // is pending, send its acknowledgements, then end.
      writer.close().then(
        () => {
          acks.flush();
          send({ type: 'closed' });
        },
        (err: unknown) => {
          acks.flush();
          send({ type: 'closed', error: writerErrorOf(err) });
        },
      );
    }
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', error: writerErrorOf(err) });
}
