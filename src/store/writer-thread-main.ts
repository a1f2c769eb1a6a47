// The decision writer's thread (writer-thread.ts): opens the SQLite file's writer and commits
// the prepared rows it is sent, in group commits. better-sqlite3 is synchronous, so BEGIN and
// COMMIT — the commit waits for its fsync — block this thread, not the one answering checks.
import { parentPort, workerData } from 'node:worker_threads';
import { openDecisionWriter } from './decision-writer.js';
import { writerErrorOf, type ToWriterThread, type FromWriterThread } from './writer-messages.js';

const port = parentPort!;
const { url } = workerData as { url: string };
const send = (message: FromWriterThread) => port.postMessage(message);

try {
  const writer = await openDecisionWriter(url);
  port.on('message', (message: ToWriterThread) => {
    if (message.type === 'record') {
      writer.write(message.pending).then(
        () => send({ type: 'recorded', seq: message.seq }),
        (err: unknown) => send({ type: 'recorded', seq: message.seq, error: writerErrorOf(err) }),
      );
    } else {
      // Everything sent before the close was answered above; commit what is pending, then end.
      writer.close().then(
        () => send({ type: 'closed' }),
        (err: unknown) => send({ type: 'closed', error: writerErrorOf(err) }),
      );
    }
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', error: writerErrorOf(err) });
}
