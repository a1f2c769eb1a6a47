// The SQLite decision log's writer on a thread of its own. better-sqlite3 is synchronous: a
// group commit run on the thread that answers checks blocks it for the whole BEGIN … COMMIT,
// fsync included (synchronous=FULL), so no request is parsed or evaluated meanwhile and no
// acknowledgement goes out. On a thread, the commit waits alone; the server thread keeps
// preparing rows (validate, mask, serialize: remote-writer.ts) and answers each check when
// its row's commit is acknowledged, so "recorded before answered" holds as before.
import { Worker } from 'node:worker_threads';
import type { DecisionWriter } from './decision-writer.js';
import { StoreError, wrapStoreError } from './errors.js';
import { withRemoteDecisionWriter } from './remote-writer.js';
import type { OpenStoreOptions, Store } from './types.js';
import { workerEntry } from './worker-entry.js';
import { PendingAcks, rowSender, storeErrorOf, type FromWriterThread, type ToWriterThread, type WriterError } from './writer-messages.js';

export interface WriterThreadOptions {
  /** Called once if the thread stops on its own: from then on every write fails (fail closed). */
  onStopped?: (reason: string) => void;
}

export async function openDecisionWriterThread(url: string, options: WriterThreadOptions = {}): Promise<DecisionWriter> {
  const { entry, eval: isScript } = workerEntry(import.meta.url, 'writer-thread-main');
  const worker = new Worker(entry, { eval: isScript, workerData: { url } });
  const acks = new PendingAcks();
  let stopped: string | undefined;
  let closing: Promise<void> | undefined;
  let onClosed: ((error?: WriterError) => void) | undefined;
  let started = false;

  const stop = (reason: string) => {
    if (stopped !== undefined) return;
    stopped = reason;
    acks.failAll(new StoreError('store_failed', `the decision writer thread stopped before committing: ${reason}`));
    // A close waiting for the thread's answer gets this one instead of waiting forever.
    onClosed?.({ code: 'store_failed', kind: 'internal', message: `the decision writer thread stopped while closing: ${reason}` });
    if (started && !closing) options.onStopped?.(reason);
  };

  await new Promise<void>((resolve, reject) => {
    const failStart = (reason: string) => {
      stop(reason);
      void worker.terminate();
      reject(new StoreError('store_failed', `the decision writer thread could not start: ${reason}`));
    };
    worker.on('message', (message: FromWriterThread) => {
      if (message.type === 'ready') {
        started = true;
        resolve();
      } else if (message.type === 'failed') failStart(message.error.message);
      else if (message.type === 'recorded') acks.settleAll(message.acks);
      else onClosed?.(message.error);
    });
    worker.on('error', (err) => (started ? stop(err.message) : failStart(err.message)));
    worker.on('exit', (code) => (started ? stop(`the thread exited (code ${code})`) : failStart(`the thread exited (code ${code})`)));
  });

  const post = (message: ToWriterThread) => worker.postMessage(message);
  const rows = rowSender(acks, (batch) => post({ type: 'records', rows: batch }), (err) => wrapStoreError(err, 'recording a decision: the row could not be sent to the writer thread'));
  return {
    write(pending) {
      if (stopped !== undefined) return Promise.reject(new StoreError('store_failed', `the decision writer thread has stopped: ${stopped}`));
      if (closing) return Promise.reject(new StoreError('store_closed', 'recording a decision: the store is closed', { kind: 'unavailable' }));
      return rows.send(pending);
    },
    close() {
      closing ??= (async () => {
        try {
          if (stopped === undefined) {
            // The thread answers every record sent before the close, commits, then reports.
            const error = await new Promise<WriterError | undefined>((resolve) => {
              onClosed = resolve;
              rows.flush();
              post({ type: 'close' });
            });
            if (error) throw storeErrorOf(error);
          }
        } finally {
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
}

/**
 * `store` with its decisions committed by a writer thread on the same SQLite file. The store
 * keeps its own connection for reads and for every other write (waivers, evidence, outbox
 * deliveries), which WAL lets run beside the writer's.
 */
export async function withDecisionWriterThread(store: Store, url: string, options: OpenStoreOptions & Pick<WriterThreadOptions, 'onStopped'>): Promise<Store> {
  const writer = await openDecisionWriterThread(url, options.onStopped ? { onStopped: options.onStopped } : {});
  const remote = withRemoteDecisionWriter(store, options, (pending) => writer.write(pending));
  return {
    ...remote,
    async close() {
      // Decisions already sent are acknowledged first (remote.close waits), then the thread ends.
      try {
        await remote.close();
      } finally {
        await writer.close();
      }
    },
  };
}
