// Waiver requests (schema version 8): asked for by an authenticated identity, approved by
// another one. Approval moves the request from pending to approved and inserts the waiver
// in one transaction, so a request becomes at most one waiver even when two admins approve
// at once.
import { v7 as uuidv7 } from 'uuid';
import { WaiverRequestDecidedError, WaiverRequestNotFoundError } from './errors.js';
import type { Row, SqlDriver, SqlExecutor } from './sql/driver.js';
import type { Instant, NewWaiverRequest, Waiver, WaiverRequest, WaiverRequests, WaiverRequestState } from './types.js';
import { insertWaiver, waiverTermsOf } from './waivers.js';
import { isoFromColumn, optionalText, requireText, setIfPresent, toMillis } from './values.js';

function toRequest(row: Row): WaiverRequest {
  const request: WaiverRequest = { ...waiverTermsOf(row), state: row.state as WaiverRequestState };
  setIfPresent(request, 'decided_by', row.decided_by);
  if (row.decided_at_ms !== null && row.decided_at_ms !== undefined) request.decided_at = isoFromColumn(row.decided_at_ms);
  setIfPresent(request, 'waiver_id', row.waiver_id);
  return request;
}

const NEWEST_FIRST = 'ORDER BY created_at_ms DESC, id DESC';

export class SqlWaiverRequests implements WaiverRequests {
  constructor(
    private readonly db: SqlDriver,
    private readonly clock: () => Date,
  ) {}

  async create(input: NewWaiverRequest): Promise<WaiverRequest> {
    const row = {
      id: uuidv7(),
      rule: requireText(input.rule, 'rule'),
      application: requireText(input.application, 'application'),
      environment: requireText(input.environment, 'environment'),
      artifact_digest: optionalText(input.artifact_digest, 'artifact_digest'),
      reason: requireText(input.reason, 'reason'),
      ticket: optionalText(input.ticket, 'ticket'),
      requested_by: requireText(input.requested_by, 'requested_by'),
      expires_at_ms: toMillis(input.expires_at, 'expires_at'),
      created_at_ms: this.clock().getTime(),
      state: 'pending',
    };
    const columns = Object.keys(row);
    await this.db.run(`INSERT INTO waiver_requests (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(row));
    return toRequest(row);
  }

  async get(id: string): Promise<WaiverRequest | undefined> {
    const [row] = await this.db.all('SELECT * FROM waiver_requests WHERE id = ?', [id]);
    return row ? toRequest(row) : undefined;
  }

  async list(options: { state?: WaiverRequestState } = {}): Promise<WaiverRequest[]> {
    const rows = options.state
      ? await this.db.all(`SELECT * FROM waiver_requests WHERE state = ? ${NEWEST_FIRST}`, [options.state])
      : await this.db.all(`SELECT * FROM waiver_requests ${NEWEST_FIRST}`);
    return rows.map(toRequest);
  }

  async approve(id: string, approval: { approved_by: string; at: Instant }): Promise<{ request: WaiverRequest; waiver: Waiver }> {
    const approvedBy = requireText(approval.approved_by, 'approved_by');
    const at = toMillis(approval.at, 'at');
    return this.db.transaction(async (tx) => {
      const pending = await this.decide(tx, id, 'approved', approvedBy, at);
      const waiver = await insertWaiver(
        tx,
        {
          rule: pending.rule,
          application: pending.application,
          environment: pending.environment,
          ...(pending.artifact_digest !== undefined ? { artifact_digest: pending.artifact_digest } : {}),
          reason: pending.reason,
          ...(pending.ticket !== undefined ? { ticket: pending.ticket } : {}),
          requested_by: pending.requested_by,
          approved_by: approvedBy,
          expires_at: pending.expires_at,
        },
        at,
      );
      await tx.run('UPDATE waiver_requests SET waiver_id = ? WHERE id = ?', [waiver.id, id]);
      return { request: { ...pending, state: 'approved', decided_by: approvedBy, decided_at: new Date(at).toISOString(), waiver_id: waiver.id }, waiver };
    });
  }

  async reject(id: string, rejection: { rejected_by: string; at: Instant }): Promise<WaiverRequest> {
    const rejectedBy = requireText(rejection.rejected_by, 'rejected_by');
    const at = toMillis(rejection.at, 'at');
    return this.db.transaction(async (tx) => {
      const pending = await this.decide(tx, id, 'rejected', rejectedBy, at);
      return { ...pending, state: 'rejected', decided_by: rejectedBy, decided_at: new Date(at).toISOString() };
    });
  }

  /** Moves a pending request to `state`; the condition on state makes a concurrent second decision change nothing. */
  private async decide(tx: SqlExecutor, id: string, state: WaiverRequestState, by: string, at: number): Promise<WaiverRequest> {
    const changed = await tx.run("UPDATE waiver_requests SET state = ?, decided_by = ?, decided_at_ms = ? WHERE id = ? AND state = 'pending'", [state, by, at, id]);
    const [row] = await tx.all('SELECT * FROM waiver_requests WHERE id = ?', [id]);
    if (!row) throw new WaiverRequestNotFoundError(id);
    const request = toRequest(row);
    if (changed === 0) throw new WaiverRequestDecidedError(id, request.state, request.decided_by ?? 'someone');
    return { ...request, state: 'pending' };
  }
}
