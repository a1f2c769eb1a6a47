// The evidence store: the raw report CI pushed (for audit) and its normalized evidence, one
// row per evidence kind, so "the newest vulnerabilities for this digest" is one query
// whichever tool produced them. Identical content is stored once; history is kept.
import { createHash } from 'node:crypto';
import { EVIDENCE_KINDS, REPORT_KINDS, type EvidenceKind, type ParsedEvidence, type ReportKind } from '../evidence/types.js';
import { v7 as uuidv7 } from 'uuid';
import { StoreInputError } from './errors.js';
import { subjectKey, subjectMatch, subjectOf, validSubject } from './report-subject.js';
import type { Row, SqlDriver } from './sql/driver.js';
import type { LatestEvidence, NewReport, ReportSubject, ReportSummary, StoredReport } from './types.js';
import { isoFromColumn, requireText, toMillis } from './values.js';

const REPORT_COLUMNS = 'id, kind, subject_digest, subject_repository, subject_commit, sha256, pushed_by, received_at_ms';

const byCatalogOrder = (a: EvidenceKind, b: EvidenceKind) => EVIDENCE_KINDS.indexOf(a) - EVIDENCE_KINDS.indexOf(b);

export class EvidenceStore {
  constructor(private readonly db: SqlDriver) {}

  async put(report: NewReport): Promise<{ id: string; created: boolean }> {
    if (!REPORT_KINDS.includes(report.kind)) throw new StoreInputError(`unknown report kind: ${String(report.kind)}`);
    const subject = validSubject(report.subject);
    if (typeof report.raw !== 'string') throw new StoreInputError('raw must be the report text');
    if (typeof report.normalized !== 'object' || report.normalized === null || Array.isArray(report.normalized)) {
      throw new StoreInputError('normalized must be an object of evidence by kind');
    }
    const items = Object.entries(report.normalized).filter(([, value]) => value !== undefined);
    const unknown = items.map(([kind]) => kind).filter((kind) => !EVIDENCE_KINDS.includes(kind as EvidenceKind));
    if (unknown.length) throw new StoreInputError(`normalized has unknown evidence kinds: ${unknown.join(', ')}`);

    const key = subjectKey(subject);
    const sha256 = createHash('sha256').update(report.raw, 'utf8').digest('hex');
    const row = {
      id: uuidv7(),
      kind: report.kind,
      subject_digest: subject.digest ?? null,
      subject_repository: subject.repository ?? null,
      subject_commit: subject.commit ?? null,
      subject_key: key,
      sha256,
      raw: report.raw,
      pushed_by: requireText(report.pushed_by, 'pushed_by'),
      received_at_ms: toMillis(report.received_at, 'received_at'),
    };
    const columns = Object.keys(row);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.run(
        `INSERT INTO evidence_reports (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
         ON CONFLICT (kind, subject_key, sha256) DO NOTHING`,
        Object.values(row),
      );
      if (inserted === 0) {
        // Stored before: the first copy keeps its received_at, so re-pushing an old report
        // does not make it the newest again.
        const [existing] = await tx.all<{ id: string }>(
          'SELECT id FROM evidence_reports WHERE kind = ? AND subject_key = ? AND sha256 = ?',
          [report.kind, key, sha256],
        );
        return { id: existing!.id, created: false };
      }
      for (const [kind, value] of items) {
        // Serialized here, inside the transaction: a value that cannot be written rolls back
        // the report row too. Each insert bumps the subject's cache generations (a trigger of
        // migration 12), committed with the report.
        await tx.run('INSERT INTO evidence_items (report_id, evidence_kind, body) VALUES (?, ?, ?)', [row.id, kind, JSON.stringify(value)]);
      }
      return { id: row.id, created: true };
    });
  }

  async get(id: string): Promise<StoredReport | undefined> {
    const [row] = await this.db.all(`SELECT ${REPORT_COLUMNS}, raw FROM evidence_reports WHERE id = ?`, [id]);
    if (!row) return undefined;
    const items = await this.db.all<{ evidence_kind: EvidenceKind; body: string }>(
      'SELECT evidence_kind, body FROM evidence_items WHERE report_id = ?',
      [id],
    );
    const normalized: Record<string, unknown> = {};
    for (const item of items.sort((a, b) => byCatalogOrder(a.evidence_kind, b.evidence_kind))) {
      normalized[item.evidence_kind] = JSON.parse(item.body);
    }
    return { ...this.summary(row, Object.keys(normalized) as EvidenceKind[]), raw: row.raw as string, normalized: normalized as ParsedEvidence };
  }

  async list(subject: ReportSubject): Promise<ReportSummary[]> {
    const match = subjectMatch(subject);
    if (!match) return [];
    const rows = await this.db.all(
      `SELECT ${REPORT_COLUMNS} FROM evidence_reports WHERE ${match.clause} ORDER BY received_at_ms DESC, id DESC`,
      match.params,
    );
    if (rows.length === 0) return [];
    const kinds = new Map<string, EvidenceKind[]>();
    const ids = rows.map((r) => r.id as string);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const items = await this.db.all<{ report_id: string; evidence_kind: EvidenceKind }>(
        `SELECT report_id, evidence_kind FROM evidence_items WHERE report_id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const item of items) kinds.set(item.report_id, [...(kinds.get(item.report_id) ?? []), item.evidence_kind]);
    }
    return rows.map((row) => this.summary(row, (kinds.get(row.id as string) ?? []).sort(byCatalogOrder)));
  }

  async latest(subject: ReportSubject): Promise<LatestEvidence> {
    return (await this.latestSized(subject)).latest;
  }

  /** `latest`, and the bytes of stored JSON it was parsed from (what a cache of it weighs). */
  async latestSized(subject: ReportSubject): Promise<{ latest: LatestEvidence; bytes: number }> {
    const match = subjectMatch(subject);
    if (!match) return { latest: {}, bytes: 0 };
    // Newest per evidence kind first (without bodies), then only the winning bodies: the
    // history of a subject may hold many large SBOMs.
    const winners = await this.db.all(
      `SELECT evidence_kind, report_id, kind, subject_digest, subject_repository, subject_commit, received_at_ms FROM (
         SELECT i.evidence_kind, r.id AS report_id, r.kind, r.subject_digest, r.subject_repository, r.subject_commit,
                r.received_at_ms,
                ROW_NUMBER() OVER (PARTITION BY i.evidence_kind ORDER BY r.received_at_ms DESC, r.id DESC) AS newest
         FROM evidence_items i JOIN evidence_reports r ON r.id = i.report_id
         WHERE ${match.clause}
       ) ranked WHERE newest = 1`,
      match.params,
    );
    const latest: Record<string, unknown> = {};
    let bytes = 0;
    for (const winner of winners.sort((a, b) => byCatalogOrder(a.evidence_kind as EvidenceKind, b.evidence_kind as EvidenceKind))) {
      const [item] = await this.db.all<{ body: string }>('SELECT body FROM evidence_items WHERE report_id = ? AND evidence_kind = ?', [
        winner.report_id,
        winner.evidence_kind,
      ]);
      if (!item) continue; // reports are never deleted, but do not invent evidence if one were
      bytes += item.body.length;
      latest[winner.evidence_kind as string] = {
        value: JSON.parse(item.body),
        report_id: winner.report_id as string,
        report_kind: winner.kind as ReportKind,
        subject: subjectOf(winner),
        received_at: isoFromColumn(winner.received_at_ms),
      };
    }
    return { latest: latest as LatestEvidence, bytes };
  }

  private summary(row: Row, evidenceKinds: EvidenceKind[]): ReportSummary {
    return {
      id: row.id as string,
      kind: row.kind as ReportKind,
      subject: subjectOf(row),
      sha256: row.sha256 as string,
      pushed_by: row.pushed_by as string,
      received_at: isoFromColumn(row.received_at_ms),
      evidence_kinds: evidenceKinds,
    };
  }
}
