// Audit records on SQL, and the query that finds what is deployed: the newest allowed,
// enforced decision of each application and environment.
import { v7 as uuidv7 } from 'uuid';
import type { BySeverity, WaivedViolation } from '../engine/index.js';
import { toRecord } from './decision-rows.js';
import { insertOutbox } from './outbox.js';
import type { Row, SqlDriver } from './sql/driver.js';
import type { AuditLog, AuditRecord, AuditStatus, AuditTrigger, DecisionRecord, Instant, NewAuditRecord, NewOutboxMessage } from './types.js';
import { isoFromColumn, optionalText, requireText, setIfPresent, toMillis } from './values.js';

function toAudit(row: Row): AuditRecord {
  const record: AuditRecord = {
    id: row.id as string,
    time: isoFromColumn(row.time_ms),
    decision_id: row.decision_id as string,
    application: row.application as string,
    environment: row.environment as string,
    status: row.status as AuditStatus,
    trigger: row.trigger_kind as AuditTrigger,
    bundle: { name: row.bundle_name as string, revision: row.bundle_revision as string },
    deny: JSON.parse(row.deny as string) as BySeverity,
    warn: JSON.parse(row.warn as string) as BySeverity,
    waived: JSON.parse(row.waived as string) as WaivedViolation[],
  };
  setIfPresent(record, 'service', row.service);
  setIfPresent(record, 'artifact_digest', row.artifact_digest);
  return record;
}

/** Newer than `a` for the same application and environment: (time, id) is a total order. */
const NEWER = (t: string, a: string) =>
  `${t}.application = ${a}.application AND ${t}.environment = ${a}.environment AND (${t}.time_ms > ${a}.time_ms OR (${t}.time_ms = ${a}.time_ms AND ${t}.%ID% > ${a}.%ID%))`;

export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly db: SqlDriver,
    private readonly clock: () => Date,
  ) {}

  /** Migration 11's deployments table names them; the decisions carry their inputs. */
  async deployments(filter: { artifact_digest?: string; application?: string } = {}): Promise<DecisionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.artifact_digest !== undefined) {
      where.push('p.artifact_digest = ?');
      params.push(filter.artifact_digest);
    }
    if (filter.application !== undefined) {
      where.push('p.application = ?');
      params.push(filter.application);
    }
    const rows = await this.db.all(
      `SELECT d.* FROM deployments p JOIN decisions d ON d.decision_id = p.decision_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.application, p.environment`,
      params,
    );
    return rows.map(toRecord);
  }

  async record(input: NewAuditRecord, outbox: NewOutboxMessage[] = []): Promise<AuditRecord> {
    const row = {
      id: uuidv7(),
      time_ms: toMillis(input.time, 'time'),
      decision_id: requireText(input.decision_id, 'decision_id'),
      application: requireText(input.application, 'application'),
      environment: requireText(input.environment, 'environment'),
      service: optionalText(input.service, 'service'),
      artifact_digest: optionalText(input.artifact_digest, 'artifact_digest'),
      status: requireText(input.status, 'status'),
      trigger_kind: requireText(input.trigger, 'trigger'),
      bundle_name: requireText(input.bundle.name, 'bundle.name'),
      bundle_revision: requireText(input.bundle.revision, 'bundle.revision'),
      deny: JSON.stringify(input.deny),
      warn: JSON.stringify(input.warn),
      waived: JSON.stringify(input.waived),
    };
    const columns = Object.keys(row);
    await this.db.transaction(async (tx) => {
      await tx.run(`INSERT INTO audit_records (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(row));
      await insertOutbox(tx, outbox, this.clock().getTime());
    });
    return toAudit(row);
  }

  /** What needs a look comes first: drifted, and error (could not be evaluated: not compliant either). */
  async latest(): Promise<AuditRecord[]> {
    const rows = await this.db.all(
      `SELECT a.* FROM audit_records a WHERE NOT EXISTS (SELECT 1 FROM audit_records n WHERE ${NEWER('n', 'a').replaceAll('%ID%', 'id')})
       ORDER BY CASE WHEN a.status = 'compliant' THEN 1 ELSE 0 END, a.application, a.environment`,
    );
    return rows.map(toAudit);
  }

  prune(before: Instant): Promise<number> {
    return this.db.run('DELETE FROM audit_records WHERE time_ms < ?', [toMillis(before, 'before')]);
  }

  async list(filter: { application?: string; environment?: string; trigger?: AuditTrigger; limit?: number } = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, column] of [['application', 'application'], ['environment', 'environment'], ['trigger', 'trigger_kind']] as const) {
      if (filter[key] === undefined) continue;
      where.push(`${column} = ?`);
      params.push(filter[key]);
    }
    const rows = await this.db.all(
      `SELECT * FROM audit_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ms DESC, id DESC LIMIT ?`,
      [...params, Math.min(Math.max(1, filter.limit ?? 100), 1000)],
    );
    return rows.map(toAudit);
  }
}
