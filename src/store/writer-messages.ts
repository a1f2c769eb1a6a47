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
