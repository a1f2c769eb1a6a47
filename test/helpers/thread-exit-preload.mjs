// Preloaded into a real `dfw serve` (NODE_OPTIONS=--import) by test/thread-failures.test.ts:
// the worker thread that is sent the Nth item of a type stops right after it, as a thread
// that crashes on its own would, with the message in flight. The process under test is
// otherwise untouched; which thread stops is told by what it is sent: `records` goes to the
// decision log's writer thread, `run` to an evaluation thread.
//   DFW_TEST_THREAD_EXIT_ON     the message type (records, run)
//   DFW_TEST_THREAD_EXIT_AFTER  N, counted over the process (default 1); a `records` message
//                               counts each row it carries
import { isMainThread, Worker } from 'node:worker_threads';

const type = process.env.DFW_TEST_THREAD_EXIT_ON;
const after = Number(process.env.DFW_TEST_THREAD_EXIT_AFTER ?? '1');
if (type && isMainThread) {
  const post = Worker.prototype.postMessage;
  let sent = 0;
  Worker.prototype.postMessage = function (message, transfer) {
    const result = post.call(this, message, transfer);
    if (message?.type !== type || sent >= after) return result;
    sent += Array.isArray(message.rows) ? message.rows.length : 1;
    if (sent >= after) {
      process.stderr.write(`${JSON.stringify({ msg: 'test: stopping the thread', type, after })}\n`);
      void this.terminate();
    }
    return result;
  };
}
