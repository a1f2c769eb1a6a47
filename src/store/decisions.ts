// The decision log: write each decision durably, find it again by id or by filter, stream
// a time range for replay and what-if, prune by age.
import { decodeCursor, encodeCursor } from './cursor.js';
import { SUMMARY_COLUMNS, decisionColumn, rulesOf, toInputRecord, toRecord, toSummary } from './decision-rows.js';
import { DuplicateDecisionError, StoreInputError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { serializeMasked } from './mask.js';
import { insertOutbox } from './outbox.js';
import type { Row, SqlDriver, SqlExecutor } from './sql/driver.js';
import type { DecisionFilter, DecisionRecord, DecisionSummary, FirstAllowed, Instant, LoggedInputRecord, NewDecisionRecord, NewOutboxMessage, Page, PageRequest } from './types.js';
import { fromBigint, isoFromColumn, optionalText, requireText, toMillis } from './values.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;
const STREAM_BATCH = 200;
const PRUNE_BATCH = 1000;

/**
 * A validated, masked and serialized decision row waiting for its batch's transaction. Plain
 * strings and numbers only, so a server process can prepare it and hand it to the one writer
 * of a SQLite file (src/host/cluster.ts) without serializing anything twice.
 */
export interface PendingDecision {
  decisionId: string;
  values: unknown[];
  rules: string[];
  /** Notifications the decision causes: queued under its savepoint, so both or neither. */
  outbox: NewOutboxMessage[];
}

/** Validates, masks and serializes a record: all the CPU work of recording, before any I/O. */
export function prepareDecision(record: NewDecisionRecord, maskPaths: readonly string[], recordedAt: Date): PendingDecision {
  if (typeof record.allow !== 'boolean') throw new StoreInputError('allow must be a boolean');
  const values = [
    requireText(record.decision_id, 'decision_id'),
    toMillis(record.time, 'time'),
    requireText(record.application, 'application'),
    optionalText(record.service, 'service'),
    requireText(record.environment, 'environment'),
    optionalText(record.artifact_digest, 'artifact_digest'),
    record.allow,
    JSON.stringify(record.deny),
    JSON.stringify(record.warn),
    JSON.stringify(record.waived),
    requireText(record.bundle?.name, 'bundle.name'),
    requireText(record.bundle?.revision, 'bundle.revision'),
    JSON.stringify(record.timing_ms ?? {}),
    requireText(record.caller, 'caller'),
    requireText(record.via, 'via'),
    record.dry_run === true,
    serializeMasked(record.input ?? null, maskPaths, record.input_json),
    decisionColumn(record),
    recordedAt.getTime(),
  ];
  if (values.some((v) => v === undefined)) throw new StoreInputError('deny, warn, waived and decision are required');
  return { decisionId: record.decision_id, values, rules: rulesOf(record), outbox: record.outbox ?? [] };
}

/** Where prepareDecision puts the columns trackDeployment and byDeployment read (SUMMARY_COLUMNS order). */
const AT = { decisionId: 0, time: 1, application: 2, environment: 4, digest: 5, allow: 6, dryRun: 15 } as const;

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Batch order for trackDeployment's upserts: by (application, environment, digest), the
 * order of the rows they lock, so concurrent batches lock alike (group-commit.ts).
 */
function byDeployment(a: PendingDecision, b: PendingDecision): number {
  const key = (p: PendingDecision) => [p.values[AT.application], p.values[AT.environment], p.values[AT.digest]].map(text);
  const [x, y] = [key(a), key(b)];
  return compareText(x[0]!, y[0]!) || compareText(x[1]!, y[1]!) || compareText(x[2]!, y[2]!);
}

/**
 * Keeps deployments (the newest allowed, enforced decision per application and environment)
 * and first_allowed (the oldest per digest and environment) true in the decision's own
 * transaction. Commits are not in request-time order (a group commit takes whatever arrived),
 * hence the comparisons on (time, id) rather than "last write wins".
 */
async function trackDeployment(tx: SqlExecutor, values: readonly unknown[]): Promise<void> {
  if (values[AT.allow] !== true || values[AT.dryRun] === true) return;
  const [decisionId, timeMs, application, environment, digest] = [values[AT.decisionId], values[AT.time], values[AT.application], values[AT.environment], values[AT.digest]];
  await tx.run(
    `INSERT INTO deployments (application, environment, decision_id, time_ms, artifact_digest) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (application, environment) DO UPDATE SET decision_id = excluded.decision_id, time_ms = excluded.time_ms, artifact_digest = excluded.artifact_digest
     WHERE excluded.time_ms > deployments.time_ms OR (excluded.time_ms = deployments.time_ms AND excluded.decision_id > deployments.decision_id)`,
    [application, environment, decisionId, timeMs, digest ?? null],
  );
  if (digest === undefined || digest === null) return;
  await tx.run(
    `INSERT INTO first_allowed (application, artifact_digest, environment, decision_id, time_ms) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (application, artifact_digest, environment) DO UPDATE SET decision_id = excluded.decision_id, time_ms = excluded.time_ms
     WHERE excluded.time_ms < first_allowed.time_ms OR (excluded.time_ms = first_allowed.time_ms AND excluded.decision_id < first_allowed.decision_id)`,
    [application, digest, environment, decisionId, timeMs],
  );
}

/**
 * The statement behind GET /v1/decisions: one page newest first, one row more than asked to
 * know whether a next page exists. Exported so that a test can EXPLAIN exactly this
 * statement on both databases (migration 4's index serves filter and order together).
 */
export function listDecisionsQuery(filter: DecisionFilter = {}, page: PageRequest = {}): { sql: string; params: unknown[]; limit: number } {
  const limit = page.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new StoreInputError(`limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.application !== undefined) add('application = ?', filter.application);
  if (filter.environment !== undefined) add('environment = ?', filter.environment);
  if (filter.allow !== undefined) add('allow = ?', filter.allow);
  if (filter.rule !== undefined) add('decision_id IN (SELECT decision_id FROM decision_rules WHERE rule = ?)', filter.rule);
  if (filter.from !== undefined) add('time_ms >= ?', toMillis(filter.from, 'from'));
  if (filter.to !== undefined) add('time_ms < ?', toMillis(filter.to, 'to'));
  if (page.cursor !== undefined) {
    const after = decodeCursor(page.cursor);
    // A row-value comparison, not (time_ms < ? OR (time_ms = ? AND …)): both databases then
    // continue the index walk from the cursor instead of merging two scans and sorting.
    add('(time_ms, decision_id) < (?, ?)', after.time, after.id);
  }
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY time_ms DESC, decision_id DESC LIMIT ?`;
  return { sql, params: [...params, limit + 1], limit };
}

export class DecisionLog {
  private readonly writes: GroupCommit<PendingDecision>;

  constructor(
    private readonly db: SqlDriver,
    private readonly maskPaths: readonly string[],
    private readonly clock: () => Date,
  ) {
    this.writes = new GroupCommit(db, (tx, pending) => this.insert(tx, pending), byDeployment);
  }

  record(record: NewDecisionRecord): Promise<void> {
    return this.submit(prepareDecision(record, this.maskPaths, this.clock()));
  }

  /** Commits a row prepared elsewhere (by prepareDecision), in the next group commit. */
  async submit(pending: PendingDecision): Promise<void> {
    await this.writes.submit(pending);
  }

  /** Waits for every decision submitted so far to be committed (before the database closes). */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  private async insert(tx: SqlExecutor, pending: PendingDecision): Promise<Error | undefined> {
    const inserted = await tx.run(
      `INSERT INTO decisions (${SUMMARY_COLUMNS}, input, decision, recorded_at_ms)
       VALUES (${pending.values.map(() => '?').join(', ')}) ON CONFLICT (decision_id) DO NOTHING`,
      pending.values,
    );
    if (inserted === 0) return new DuplicateDecisionError(pending.decisionId);
    if (pending.rules.length > 0) {
      await tx.run(
        `INSERT INTO decision_rules (decision_id, rule) VALUES ${pending.rules.map(() => '(?, ?)').join(', ')}`,
        pending.rules.flatMap((rule) => [pending.decisionId, rule]),
      );
    }
    await insertOutbox(tx, pending.outbox, this.clock().getTime());
    await trackDeployment(tx, pending.values);
    return undefined;
  }

  /** Per environment, the first allowed, enforced decision for the digest (DFW-PROMOTION-001). */
  async firstAllowed(application: string, digest: string): Promise<FirstAllowed[]> {
    const rows = await this.db.all<{ environment: string; decision_id: string; time_ms: unknown }>(
      'SELECT environment, decision_id, time_ms FROM first_allowed WHERE application = ? AND artifact_digest = ? ORDER BY environment',
      [application, digest],
    );
    return rows.map((r) => ({ environment: r.environment, decision_id: r.decision_id, time: isoFromColumn(r.time_ms) }));
  }

  async get(id: string): Promise<DecisionRecord | undefined> {
    const [row] = await this.db.all('SELECT * FROM decisions WHERE decision_id = ?', [id]);
    return row ? toRecord(row) : undefined;
  }

  async list(filter: DecisionFilter = {}, page: PageRequest = {}): Promise<Page<DecisionSummary>> {
    const { sql, params, limit } = listDecisionsQuery(filter, page);
    const rows = await this.db.all(sql, params);
    const items = rows.slice(0, limit).map(toSummary);
    if (rows.length <= limit) return { items };
    const last = rows[limit - 1]!;
    return { items, next_cursor: encodeCursor({ time: fromBigint(last.time_ms), id: last.decision_id as string }) };
  }

  async *since(from: Instant, to?: Instant): AsyncIterableIterator<DecisionRecord> {
    for await (const row of this.rowsSince(from, to)) yield toRecord(row);
  }

  async *inputsSince(from: Instant, to?: Instant): AsyncIterableIterator<LoggedInputRecord> {
    for await (const row of this.rowsSince(from, to)) yield toInputRecord(row);
  }

  /** Keyset batches, not one long-lived cursor: no transaction stays open between pulls. */
  private async *rowsSince(from: Instant, to?: Instant): AsyncIterableIterator<Row> {
    const fromMs = toMillis(from, 'from');
    const toMs = to === undefined ? Number.MAX_SAFE_INTEGER : toMillis(to, 'to');
    let after: { time: number; id: string } | undefined;
    for (;;) {
      const keyset = after ? 'AND (time_ms > ? OR (time_ms = ? AND decision_id > ?))' : '';
      const rows = await this.db.all(
        `SELECT * FROM decisions WHERE time_ms >= ? AND time_ms < ? ${keyset}
         ORDER BY time_ms, decision_id LIMIT ?`,
        [fromMs, toMs, ...(after ? [after.time, after.time, after.id] : []), STREAM_BATCH],
      );
      yield* rows;
      if (rows.length < STREAM_BATCH) return;
      const last = rows[rows.length - 1]!;
      after = { time: fromBigint(last.time_ms), id: last.decision_id as string };
    }
  }

  /** In batches, each its own transaction, so a large prune never holds the write lock long. */
  async prune(before: Instant): Promise<number> {
    const beforeMs = toMillis(before, 'before');
    let total = 0;
    for (;;) {
      // decision_rules rows go with them (ON DELETE CASCADE).
      const deleted = await this.db.transaction((tx) =>
        tx.run(
          `DELETE FROM decisions WHERE decision_id IN
             (SELECT decision_id FROM decisions WHERE time_ms < ? ORDER BY time_ms, decision_id LIMIT ?)`,
          [beforeMs, PRUNE_BATCH],
        ),
      );
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }
}
