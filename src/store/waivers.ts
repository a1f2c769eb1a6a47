// Time-bound waivers: created with an approver and an expiry, revoked but never deleted, so
// the history shows who allowed what and until when. Expiry is judged again by the policy
// against the request time (DESIGN.md: decisions are pure functions of input and bundle).
import { v7 as uuidv7 } from 'uuid';
import { WaiverAlreadyRevokedError, WaiverNotFoundError } from './errors.js';
import type { Row, SqlDriver, SqlExecutor } from './sql/driver.js';
import type { Instant, InputWaiver, NewWaiver, Waiver, WaiverListOptions } from './types.js';
import { isoFromColumn, optionalText, requireText, setIfPresent, toMillis } from './values.js';

/** The columns a waiver and a waiver request share, read the same way for both. */
export type WaiverTerms = Pick<Waiver, 'id' | 'rule' | 'application' | 'environment' | 'reason' | 'requested_by' | 'expires_at' | 'created_at' | 'artifact_digest' | 'ticket'>;

export function waiverTermsOf(row: Row): WaiverTerms {
  const terms: WaiverTerms = {
    id: row.id as string,
    rule: row.rule as string,
    application: row.application as string,
    environment: row.environment as string,
    reason: row.reason as string,
    requested_by: row.requested_by as string,
    expires_at: isoFromColumn(row.expires_at_ms),
    created_at: isoFromColumn(row.created_at_ms),
  };
  setIfPresent(terms, 'artifact_digest', row.artifact_digest);
  setIfPresent(terms, 'ticket', row.ticket);
  return terms;
}

function toWaiver(row: Row): Waiver {
  const waiver: Waiver = { ...waiverTermsOf(row), approved_by: row.approved_by as string };
  if (row.revoked_at_ms !== null && row.revoked_at_ms !== undefined) waiver.revoked_at = isoFromColumn(row.revoked_at_ms);
  setIfPresent(waiver, 'revoked_by', row.revoked_by);
  return waiver;
}

/** The `input.waivers` entry of a waiver (docs/input.schema.json $defs/waiver). */
export function toInputWaiver(waiver: Waiver): InputWaiver {
  const { created_at: _created, revoked_at: _revokedAt, revoked_by: _revokedBy, ...entry } = waiver;
  return entry;
}

/**
 * Inserts a waiver through `db` (a transaction's executor when the caller holds one). The
 * insert bumps the application's cache generation (a trigger of migration 12), so no
 * process serves its cached waivers once it is committed.
 */
export async function insertWaiver(db: SqlExecutor, input: NewWaiver, createdAt: number): Promise<Waiver> {
  const row = {
    id: uuidv7(),
    rule: requireText(input.rule, 'rule'),
    application: requireText(input.application, 'application'),
    environment: requireText(input.environment, 'environment'),
    artifact_digest: optionalText(input.artifact_digest, 'artifact_digest'),
    reason: requireText(input.reason, 'reason'),
    ticket: optionalText(input.ticket, 'ticket'),
    requested_by: requireText(input.requested_by, 'requested_by'),
    approved_by: requireText(input.approved_by, 'approved_by'),
    expires_at_ms: toMillis(input.expires_at, 'expires_at'),
    created_at_ms: createdAt,
  };
  const columns = Object.keys(row);
  await db.run(`INSERT INTO waivers (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(row));
  return toWaiver(row);
}

const NEWEST_FIRST = 'ORDER BY created_at_ms DESC, id DESC';

export class WaiverStore {
  constructor(
    private readonly db: SqlDriver,
    private readonly clock: () => Date,
  ) {}

  async create(input: NewWaiver): Promise<Waiver> {
    return insertWaiver(this.db, input, this.clock().getTime());
  }

  async get(id: string): Promise<Waiver | undefined> {
    const [row] = await this.db.all('SELECT * FROM waivers WHERE id = ?', [id]);
    return row ? toWaiver(row) : undefined;
  }

  async list(options: WaiverListOptions = {}): Promise<Waiver[]> {
    if (options.activeAt !== undefined) {
      const at = toMillis(options.activeAt, 'activeAt');
      const rows = await this.db.all(
        `SELECT * FROM waivers WHERE created_at_ms <= ? AND expires_at_ms > ?
           AND (revoked_at_ms IS NULL OR revoked_at_ms > ?) ${NEWEST_FIRST}`,
        [at, at, at],
      );
      return rows.map(toWaiver);
    }
    const where = options.includeRevoked ? '' : 'WHERE revoked_at_ms IS NULL';
    return (await this.db.all(`SELECT * FROM waivers ${where} ${NEWEST_FIRST}`)).map(toWaiver);
  }

  async revoke(id: string, revocation: { revoked_by: string; at: Instant }): Promise<Waiver> {
    const revokedBy = requireText(revocation.revoked_by, 'revoked_by');
    const at = toMillis(revocation.at, 'at');
    return this.db.transaction(async (tx) => {
      // The condition on revoked_at_ms makes a concurrent second revoke change nothing.
      const changed = await tx.run('UPDATE waivers SET revoked_at_ms = ?, revoked_by = ? WHERE id = ? AND revoked_at_ms IS NULL', [
        at,
        revokedBy,
        id,
      ]);
      const [row] = await tx.all('SELECT * FROM waivers WHERE id = ?', [id]);
      if (!row) throw new WaiverNotFoundError(id);
      const waiver = toWaiver(row);
      if (changed === 0) throw new WaiverAlreadyRevokedError(id, waiver.revoked_at!, waiver.revoked_by!);
      return waiver;
    });
  }

  async active(at: Instant, filter: { application?: string; environment?: string } = {}): Promise<Waiver[]> {
    const where = ['revoked_at_ms IS NULL', 'expires_at_ms > ?'];
    const params: unknown[] = [toMillis(at, 'at')];
    if (filter.application !== undefined) {
      where.push('application = ?');
      params.push(filter.application);
    }
    if (filter.environment !== undefined) {
      where.push("(environment = ? OR environment = '*')");
      params.push(filter.environment);
    }
    return (await this.db.all(`SELECT * FROM waivers WHERE ${where.join(' AND ')} ${NEWEST_FIRST}`, params)).map(toWaiver);
  }
}
