// What a compliance report needs from the decision log: how many decisions each environment
// had in a period, and for each decision that reported a rule, which rules denied, warned or
// were waived. Dry runs are left out: they were recorded but not enforced. Plain SQL that
// SQLite and PostgreSQL read alike; the report itself is built by src/compliance.
import type { SqlExecutor } from './sql/driver.js';
import type { ComplianceActivity, DecisionRuleOutcomes, Instant } from './types.js';
import { fromBigint, toMillis } from './values.js';

const BATCH = 1000;

function ruleIds(json: unknown): string[] {
  const parsed = JSON.parse(String(json)) as unknown;
  const violations = Array.isArray(parsed) ? parsed : Object.values((parsed ?? {}) as Record<string, unknown>).flat();
  return [...new Set(violations.map((v) => (v as { rule?: unknown } | null)?.rule).filter((r): r is string => typeof r === 'string'))];
}

export async function complianceActivity(db: SqlExecutor, from: Instant, to: Instant): Promise<ComplianceActivity> {
  const fromMs = toMillis(from, 'from');
  const toMs = toMillis(to, 'to');
  const counts = await db.all<{ environment: string; n: unknown }>(
    'SELECT environment, COUNT(*) AS n FROM decisions WHERE time_ms >= ? AND time_ms < ? AND dry_run = ? GROUP BY environment',
    [fromMs, toMs, false],
  );
  const decisions = Object.fromEntries(counts.map((row) => [row.environment, Number(row.n)]));
  const outcomes: DecisionRuleOutcomes[] = [];
  // Keyset batches over (time_ms, decision_id), as the replay stream reads them: no
  // transaction stays open while a large period is read.
  let after: { time: number; id: string } | undefined;
  for (;;) {
    const keyset = after ? 'AND (time_ms > ? OR (time_ms = ? AND decision_id > ?))' : '';
    const rows = await db.all(
      `SELECT decision_id, time_ms, environment, deny, warn, waived FROM decisions
       WHERE time_ms >= ? AND time_ms < ? AND dry_run = ? ${keyset}
         AND EXISTS (SELECT 1 FROM decision_rules r WHERE r.decision_id = decisions.decision_id)
       ORDER BY time_ms, decision_id LIMIT ?`,
      [fromMs, toMs, false, ...(after ? [after.time, after.time, after.id] : []), BATCH],
    );
    for (const row of rows) {
      outcomes.push({ environment: String(row.environment), denied: ruleIds(row.deny), warned: ruleIds(row.warn), waived: ruleIds(row.waived) });
    }
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1]!;
    after = { time: fromBigint(last.time_ms), id: String(last.decision_id) };
  }
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), decisions, outcomes };
}
