// The notification outbox on SQL: one row per (event, receiver). Rows are written in the
// transaction of whatever caused them (a decision, an audit record), so a notification is
// queued exactly when its cause is durable; a background worker claims due rows with a
// lease, delivers them, and marks them delivered, due again (backoff) or dead.
import type { Row, SqlDriver, SqlExecutor } from './sql/driver.js';
import type { Instant, NewOutboxMessage, Outbox, OutboxMessage, OutboxState } from './types.js';
import { fromBigint, isoFromColumn, requireText, toMillis } from './values.js';

const COLUMNS = 'event_id, receiver, type, event, state, attempts, created_at_ms, next_attempt_at_ms';
const STATES: readonly OutboxState[] = ['pending', 'delivered', 'dead'];

/** A URL in text: scheme, any user:password@, host, then path, query and fragment. */
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*@)?([^\s/?#'"<>]*)([^\s'"<>]*)/gi;

/**
 * Text with every URL cut to its scheme and host. last_error is shown on the console's
 * Notifications page to viewers, and a receiver's URL may hold its secret in user:password
 * or in its path (a Slack webhook's); the sender already leaves them out (src/notify), this
 * holds for what it missed and for rows written before it did.
 */
export function withoutUrlSecrets(text: string): string {
  return text.replace(URL_IN_TEXT, (_url, scheme: string, _userinfo, host: string, rest: string) => `${scheme}${host}${rest && rest !== '/' ? '/…' : rest}`);
}

function toMessage(row: Row): OutboxMessage {
  const message: OutboxMessage = {
    event_id: row.event_id as string,
    receiver: row.receiver as string,
    type: row.type as string,
    event: JSON.parse(row.event as string),
    state: row.state as OutboxState,
    attempts: fromBigint(row.attempts),
    created_at: isoFromColumn(row.created_at_ms),
    next_attempt_at: isoFromColumn(row.next_attempt_at_ms),
  };
  if (typeof row.last_error === 'string') message.last_error = withoutUrlSecrets(row.last_error);
  if (row.delivered_at_ms !== null && row.delivered_at_ms !== undefined) message.delivered_at = isoFromColumn(row.delivered_at_ms);
  return message;
}

/**
 * Inserts messages inside an open transaction (the decision's savepoint, the audit
 * record's transaction). ON CONFLICT DO NOTHING: an event queued again is not sent twice.
 */
export async function insertOutbox(tx: SqlExecutor, messages: readonly NewOutboxMessage[], nowMs: number): Promise<number> {
  let added = 0;
  for (const m of messages) {
    added += await tx.run(
      `INSERT INTO outbox (${COLUMNS}) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (event_id, receiver) DO NOTHING`,
      [requireText(m.event_id, 'event_id'), requireText(m.receiver, 'receiver'), requireText(m.type, 'type'), JSON.stringify(m.event), nowMs, nowMs],
    );
  }
  return added;
}

export class SqlOutbox implements Outbox {
  constructor(
    private readonly db: SqlDriver,
    private readonly clock: () => Date,
  ) {}

  enqueue(messages: NewOutboxMessage[]): Promise<number> {
    if (messages.length === 0) return Promise.resolve(0);
    return this.db.transaction((tx) => insertOutbox(tx, messages, this.clock().getTime()));
  }

  async claim(now: Instant, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const nowMs = toMillis(now, 'now');
    // A read first: an idle outbox is polled often, and a write transaction each time would
    // take SQLite's write lock from the decision log for nothing.
    const [due] = await this.db.all(`SELECT 1 AS due FROM outbox WHERE state = 'pending' AND next_attempt_at_ms <= ? LIMIT 1`, [nowMs]);
    if (!due) return [];
    return this.db.transaction(async (tx) => {
      const due = await tx.all(
        `SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at_ms <= ? ORDER BY next_attempt_at_ms, event_id LIMIT ?`,
        [nowMs, limit],
      );
      const claimed: OutboxMessage[] = [];
      for (const row of due) {
        // The condition on next_attempt_at_ms: a replica that claimed it meanwhile wins, this one skips it.
        const changed = await tx.run(
          `UPDATE outbox SET next_attempt_at_ms = ?, attempts = attempts + 1
           WHERE event_id = ? AND receiver = ? AND state = 'pending' AND next_attempt_at_ms = ?`,
          [nowMs + leaseMs, row.event_id, row.receiver, row.next_attempt_at_ms],
        );
        if (changed === 1) claimed.push(toMessage({ ...row, attempts: fromBigint(row.attempts) + 1, next_attempt_at_ms: nowMs + leaseMs }));
      }
      return claimed;
    });
  }

  async delivered(eventId: string, receiver: string, at: Instant): Promise<void> {
    await this.db.run(`UPDATE outbox SET state = 'delivered', delivered_at_ms = ?, last_error = NULL WHERE event_id = ? AND receiver = ?`, [
      toMillis(at, 'at'),
      eventId,
      receiver,
    ]);
  }

  async failed(eventId: string, receiver: string, failure: { error: string; retryAt?: Instant }): Promise<void> {
    const error = withoutUrlSecrets(failure.error).slice(0, 2000);
    if (failure.retryAt === undefined) {
      await this.db.run(`UPDATE outbox SET state = 'dead', last_error = ? WHERE event_id = ? AND receiver = ?`, [error, eventId, receiver]);
    } else {
      await this.db.run(`UPDATE outbox SET next_attempt_at_ms = ?, last_error = ? WHERE event_id = ? AND receiver = ?`, [
        toMillis(failure.retryAt, 'retryAt'),
        error,
        eventId,
        receiver,
      ]);
    }
  }

  async list(filter: { state?: OutboxState; limit?: number } = {}): Promise<OutboxMessage[]> {
    const limit = Math.min(Math.max(1, filter.limit ?? 100), 1000);
    const rows = filter.state
      ? await this.db.all('SELECT * FROM outbox WHERE state = ? ORDER BY created_at_ms DESC, event_id DESC LIMIT ?', [filter.state, limit])
      : await this.db.all('SELECT * FROM outbox ORDER BY created_at_ms DESC, event_id DESC LIMIT ?', [limit]);
    return rows.map(toMessage);
  }

  async counts(): Promise<Record<OutboxState, number>> {
    const rows = await this.db.all('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state');
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
    for (const row of rows) counts[row.state as OutboxState] = fromBigint(row.n);
    return counts;
  }

  prune(before: Instant): Promise<number> {
    return this.db.run(`DELETE FROM outbox WHERE state <> 'pending' AND created_at_ms < ?`, [toMillis(before, 'before')]);
  }

  async retry(eventId: string, receiver: string, at: Instant): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ? WHERE event_id = ? AND receiver = ? AND state = 'dead'`,
      [toMillis(at, 'at'), eventId, receiver],
    );
    return changed === 1;
  }
}
