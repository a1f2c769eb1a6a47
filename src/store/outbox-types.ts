// The notification outbox's contract: events queued in the same transaction as what caused
// them, delivered at least once by a background worker, kept as dead letters when a
// receiver keeps failing (src/store/outbox.ts, src/notify/).
import type { Instant } from './types.js';

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface NewOutboxMessage {
  /**
   * The CloudEvent id, the receiver's idempotency key. The same for every receiver of one
   * event; (event_id, receiver) is unique, so queuing an event twice queues it once.
   */
  event_id: string;
  /** The receiver's name in dfw.yaml `notifications.receivers`. */
  receiver: string;
  /** The CloudEvent type, e.g. dev.dfw.decision.denied. */
  type: string;
  /** The whole CloudEvent as it will be sent. */
  event: unknown;
}

export interface OutboxMessage {
  event_id: string;
  receiver: string;
  type: string;
  event: unknown;
  state: OutboxState;
  /** Delivery attempts started so far (a claim counts, so a crash mid-delivery counts too). */
  attempts: number;
  created_at: string;
  /** When a pending message is due (or its claim ends). */
  next_attempt_at: string;
  last_error?: string;
  delivered_at?: string;
}

export interface Outbox {
  /** Queues messages (outside a decision); returns how many were new. */
  enqueue(messages: NewOutboxMessage[]): Promise<number>;
  /**
   * Claims up to `limit` pending messages due at `now` for `leaseMs`: no other worker (in this
   * process or another replica) takes them until the lease ends, and a worker that dies
   * mid-delivery leaves them due again once it has.
   */
  claim(now: Instant, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  delivered(eventId: string, receiver: string, at: Instant): Promise<void>;
  /** A failed attempt: due again at `retryAt`, or a dead letter when `retryAt` is undefined. */
  failed(eventId: string, receiver: string, failure: { error: string; retryAt?: Instant }): Promise<void>;
  /** Newest first. */
  list(filter?: { state?: OutboxState; limit?: number }): Promise<OutboxMessage[]>;
  counts(): Promise<Record<OutboxState, number>>;
  /** Puts a dead letter back in the queue, due at `at`, its attempts counted from zero. */
  retry(eventId: string, receiver: string, at: Instant): Promise<boolean>;
}
