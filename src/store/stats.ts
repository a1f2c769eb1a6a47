// Counts over the decision log for the console's overview and rule catalog: decisions per
// day by environment and verdict, and how often each rule blocked.
import type { BySeverity } from '../engine/index.js';
import type { SqlDriver } from './sql/driver.js';
import type { DecisionStats, Instant } from './types.js';
import { fromBigint, fromBoolean, toMillis } from './values.js';

const DAY_MS = 86_400_000;

export class SqlDecisionStats implements DecisionStats {
  constructor(private readonly db: SqlDriver) {}

  async perDay(from: Instant): Promise<Array<{ day: string; environment: string; allow: boolean; count: number }>> {
    // Integer division on BIGINT in both databases: the UTC day number.
    const rows = await this.db.all(
      `SELECT time_ms / ${DAY_MS} AS day, environment, allow, COUNT(*) AS n FROM decisions
       WHERE time_ms >= ? AND dry_run = ? GROUP BY 1, 2, 3 ORDER BY 1, 2`,
      [toMillis(from, 'from'), false],
    );
    return rows.map((r) => ({
      day: new Date(fromBigint(r.day) * DAY_MS).toISOString().slice(0, 10),
      environment: r.environment as string,
      allow: fromBoolean(r.allow),
      count: fromBigint(r.n),
    }));
  }

  async denyingRules(from: Instant): Promise<Array<{ rule: string; count: number }>> {
    // decision_rules also lists warned and waived rules, so the deny lists themselves are read;
    // only denied decisions carry any.
    const rows = await this.db.all('SELECT deny FROM decisions WHERE time_ms >= ? AND allow = ? AND dry_run = ?', [toMillis(from, 'from'), false, false]);
    const counts = new Map<string, number>();
    for (const row of rows) {
      const deny = JSON.parse(row.deny as string) as BySeverity;
      const rules = new Set(Object.values(deny).flat().map((v) => v.rule));
      for (const rule of rules) counts.set(rule, (counts.get(rule) ?? 0) + 1);
    }
    return [...counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
  }
}
