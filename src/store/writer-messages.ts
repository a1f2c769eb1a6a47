// What crosses between a server and the decision log's one writer (a thread, writer-thread.ts,
// or the cluster's primary process, src/host/cluster.ts): prepared rows one way, commit
// acknowledgements the other. An error crosses as its code, kind and message and becomes the
// same typed store error on the server's side, so the HTTP answer does not depend on where
// the row was committed.
import { DfwError, describeThrown, type ErrorKind } from '../shared/errors.js';
import type { PendingDecision } from './decisions.js';
import { DuplicateDecisionError, StoreError } from './errors.js';

export interface WriterError {
  code: string;
  kind: ErrorKind;
  message: string;
}

export type ToWriterThread = { type: 'record'; seq: number; pending: PendingDecision } | { type: 'close' };
export type FromWriterThread =
  | { type: 'ready' }
  | { type: 'failed'; error: WriterError }
  | { type: 'recorded'; seq: number; error?: WriterError }
  | { type: 'closed'; error?: WriterError };

export function writerErrorOf(thrown: unknown): WriterError {
  if (thrown instanceof DfwError) return { code: thrown.code, kind: thrown.kind, message: thrown.message };
  return { code: 'store_failed', kind: 'internal', message: describeThrown(thrown) };
}

/** The writer's error for `decisionId` as the store error a local commit would have thrown. */
export function storeErrorOf(error: WriterError, decisionId?: string): StoreError {
  if (error.code === 'decision_exists' && decisionId !== undefined) return new DuplicateDecisionError(decisionId);
  return new StoreError(error.code, error.message, { kind: error.kind });
}

/**
 * A long column value (the masked input, the decision) crosses to the writer as UTF-8 bytes.
 * postMessage copies a string through V8's serializer, measured at 3.6 ms per MiB (6.8 when
 * the string holds a character beyond Latin-1) on the thread that answers checks; writing
 * it into a buffer and transferring the buffer costs about 0.05 ms, and the writer, which
 * mostly waits for fsync, turns it back into text.
 */
interface Utf8Text {
  utf8: Uint8Array;
}

/** Below this many characters a string crosses as it is: the copy is cheaper than a buffer. */
const PACKED_MIN_CHARS = 16 * 1024;

function isUtf8Text(value: unknown): value is Utf8Text {
  return typeof value === 'object' && value !== null && (value as Utf8Text).utf8 instanceof Uint8Array;
}

/** `pending` with its long strings as UTF-8 bytes, and the buffers to transfer (not copy). */
export function packPending(pending: PendingDecision): { pending: PendingDecision; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const values = pending.values.map((value) => {
    if (typeof value !== 'string' || value.length < PACKED_MIN_CHARS) return value;
    // Unpooled and not zero-filled: the buffer is its own and is handed over whole.
    const bytes = Buffer.allocUnsafeSlow(value.length * 3);
    const length = bytes.write(value, 'utf8');
    transfer.push(bytes.buffer as ArrayBuffer);
    return { utf8: new Uint8Array(bytes.buffer, 0, length) } satisfies Utf8Text;
  });
  return { pending: { ...pending, values }, transfer };
}

/** `pending` with every packed value back as text; one that was never packed is returned as is. */
export function unpackPending(pending: PendingDecision): PendingDecision {
  if (!pending.values.some(isUtf8Text)) return pending;
  const values = pending.values.map((value) => (isUtf8Text(value) ? Buffer.from(value.utf8.buffer, value.utf8.byteOffset, value.utf8.byteLength).toString('utf8') : value));
  return { ...pending, values };
}
