// Decision log rows <-> records: the columns of `decisions` and how a row reads back.
import type { BySeverity, Decision, WaivedViolation } from '../engine/index.js';
import type { Row } from './sql/driver.js';
import type { DecisionRecord, DecisionSummary, NewDecisionRecord } from './types.js';
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

export function toRecord(row: Row): DecisionRecord {
  return { ...toSummary(row), input: JSON.parse(row.input as string), decision: JSON.parse(row.decision as string) as Decision };
}
