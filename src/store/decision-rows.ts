// Decision log rows <-> records: the columns of `decisions` and how a row reads back.
import type { BySeverity, Decision, WaivedViolation } from '../engine/index.js';
import type { Row } from './sql/driver.js';
import type { DecisionRecord, DecisionSummary, LoggedInputRecord, NewDecisionRecord } from './types.js';
import { fromBoolean, isoFromColumn, setIfPresent } from './values.js';

export const SUMMARY_COLUMNS =
  'decision_id, time_ms, application, service, environment, artifact_digest, allow, deny, warn, waived, ' +
  'bundle_name, bundle_revision, timing_ms, caller, via, dry_run';

/** Every rule id the decision mentions, in deny, warn or waived. */
export function rulesOf(record: NewDecisionRecord): string[] {
  const violations = [...Object.values(record.deny ?? {}), ...Object.values(record.warn ?? {})].flat();
  return [...new Set([...violations, ...(record.waived ?? [])].map((v) => v.rule).filter((r) => typeof r === 'string'))];
}

export function toSummary(row: Row): DecisionSummary {
  const summary: DecisionSummary = {
    decision_id: row.decision_id as string,
    time: isoFromColumn(row.time_ms),
    application: row.application as string,
    environment: row.environment as string,
    allow: fromBoolean(row.allow),
    deny: JSON.parse(row.deny as string) as BySeverity,
    warn: JSON.parse(row.warn as string) as BySeverity,
    waived: JSON.parse(row.waived as string) as WaivedViolation[],
    bundle: { name: row.bundle_name as string, revision: row.bundle_revision as string },
    timing_ms: JSON.parse(row.timing_ms as string) as Record<string, number>,
    caller: row.caller as string,
    via: row.via as string,
    dry_run: fromBoolean(row.dry_run),
  };
  setIfPresent(summary, 'service', row.service);
  setIfPresent(summary, 'artifact_digest', row.artifact_digest);
  return summary;
}

/** The lists a decision document shares with the row's own columns. */
const LISTS = ['deny', 'warn', 'waived'] as const;
/** Stands in the decision column for a list kept in the column of the same name. */
const IN_COLUMN = 'column';

/**
 * The decision document as stored: its deny, warn and waived lists are the row's columns
 * (decisionRecordFrom passes the same objects), so each is written once, as IN_COLUMN, and
 * toRecord puts it back in its place. A large decision's lists are most of its row (469 KB
 * of a 5,000-finding check's deny), and every byte is copied to the writer and into SQLite.
 * A record whose lists differ from its decision's keeps the decision whole.
 */
export function decisionColumn(record: NewDecisionRecord): string {
  const decision = record.decision as unknown as Record<string, unknown>;
  if (!LISTS.every((list) => decision[list] === record[list])) return JSON.stringify(decision);
  // Overriding keys the spread copied keeps their order, so the document reads back as written.
  return JSON.stringify({ ...decision, deny: IN_COLUMN, warn: IN_COLUMN, waived: IN_COLUMN });
}

export function toRecord(row: Row): DecisionRecord {
  const { input_json, ...record } = toInputRecord(row);
  return { ...record, input: JSON.parse(input_json) };
}

/** toRecord without parsing the input: what-if parses it on the thread that evaluates it. */
export function toInputRecord(row: Row): LoggedInputRecord {
  const summary = toSummary(row);
  const decision = JSON.parse(row.decision as string) as Record<string, unknown>;
  for (const list of LISTS) if (decision[list] === IN_COLUMN) decision[list] = summary[list];
  return { ...summary, input_json: row.input as string, decision: decision as unknown as Decision };
}
