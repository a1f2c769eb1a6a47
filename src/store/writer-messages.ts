// What crosses between a server and the decision log's one writer (a thread, writer-thread.ts,
// or the cluster's primary process, src/host/cluster.ts): prepared rows one way, commit
// acknowledgements the other. An error crosses as its code, kind and message and becomes the
// same typed store error on the server's side, so the HTTP answer does not depend on where
// the row was committed.
import { DfwError, describeThrown, type ErrorKind } from '../shared/errors.js';
import type { PendingDecision } from './decisions.js';
import { DuplicateDecisionError, StoreError } from './errors.js';
import { turnBatch, type TurnBatch } from './turn-batch.js';

export interface WriterError {
  code: string;
  kind: ErrorKind;
  message: string;
}

/** A row and the number its acknowledgement comes back under. */
export interface SentRow {
  seq: number;
  pending: PendingDecision;
}

/** The acknowledgement of row `seq`: committed, or the error that kept it out of the log. */
export interface RowAck {
  seq: number;
  error?: WriterError;
}

/** Rows and acknowledgements cross in batches, one message per event-loop turn (turn-batch.ts), rows at most ROWS_PER_MESSAGE to one. */
export type ToWriterThread = { type: 'records'; rows: SentRow[] } | { type: 'close' };
export type FromWriterThread =
  | { type: 'ready' }
  | { type: 'failed'; error: WriterError }
  | { type: 'recorded'; acks: RowAck[] }
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
 * Rows sent to the writer and not yet acknowledged, by sequence number: kept by the server
 * side of a writer thread and by each cluster worker, so that every row is settled exactly
 * once, by its acknowledgement or by the writer going away (fail closed).
 */
export class PendingAcks {
  private seq = 0;
  private readonly waiting = new Map<number, { decisionId: string; resolve: () => void; reject: (err: Error) => void }>();

  /** A number for the row, and the promise its acknowledgement settles. */
  add(decisionId: string): { seq: number; acknowledged: Promise<void> } {
    const seq = ++this.seq;
    const acknowledged = new Promise<void>((resolve, reject) => this.waiting.set(seq, { decisionId, resolve, reject }));
    return { seq, acknowledged };
  }

  /** The writer's answer for row `seq`; an answer for a row no longer waiting is ignored. */
  settle(seq: number, error?: WriterError): void {
    const row = this.waiting.get(seq);
    if (!row) return;
    this.waiting.delete(seq);
    if (error) row.reject(storeErrorOf(error, row.decisionId));
    else row.resolve();
  }

  /** Fails row `seq` with `err` (it never reached the writer). */
  fail(seq: number, err: Error): void {
    this.waiting.get(seq)?.reject(err);
    this.waiting.delete(seq);
  }

  /** The writer's answers for a batch of rows. */
  settleAll(acks: readonly RowAck[]): void {
    for (const ack of acks) this.settle(ack.seq, ack.error);
  }

  /** Fails every row still waiting with `err`: the writer is gone. */
  failAll(err: Error): void {
    for (const row of this.waiting.values()) row.reject(err);
    this.waiting.clear();
  }
}

/** The server's side of the crossing: rows sent in batches, each answered by its acknowledgement. */
export interface RowSender {
  /** Resolves once the row is committed; rejects with its error, or `unsent`'s if the batch could not be sent. */
  send(pending: PendingDecision): Promise<void>;
  /** Sends the rows still queued now: before a message that must come after them (a close). */
  flush(): void;
}

/**
 * Rows in one message at most. Checks that arrive together are checked back to back in one
 * turn; with every row held to the turn's end, the writer idled while the thread checked and
 * the thread idled while the writer committed the whole burst. Sent eight at a time, the
 * first rows commit while the thread checks the rest: 16 connections answered about 12 %
 * more checks, the server thread busy 0.91 of the time instead of 0.80. Four at a time cost
 * more per check in messages and commits than it gained (performance-changes.md, tenth round).
 */
export const ROWS_PER_MESSAGE = 8;

/** Rows go out through `post` once per turn or per ROWS_PER_MESSAGE rows; a batch `post` cannot send fails its rows with `unsent(err)`. */
export function rowSender(acks: PendingAcks, post: (rows: SentRow[]) => void, unsent: (err: unknown) => Error): RowSender {
  const rows = turnBatch<SentRow>((batch) => {
    try {
      post(batch);
    } catch (err) {
      const failure = unsent(err);
      for (const { seq } of batch) acks.fail(seq, failure);
    }
  }, ROWS_PER_MESSAGE);
  return {
    send(pending) {
      const { seq, acknowledged } = acks.add(pending.decisionId);
      rows.add({ seq, pending });
      return acknowledged;
    },
    flush: rows.flush,
  };
}

/** The writer's side: commits each row and queues its acknowledgement, which leave once per turn. */
export function commitRows(write: (pending: PendingDecision) => Promise<void>, rows: readonly SentRow[], acks: TurnBatch<RowAck>): void {
  for (const { seq, pending } of rows) {
    write(pending).then(
      () => acks.add({ seq }),
      (err: unknown) => acks.add({ seq, error: writerErrorOf(err) }),
    );
  }
}
