// Decision-log activity from decision summaries (the items of GET /v1/decisions), for a
// report made against a dfw server: the same shape src/store/compliance.ts reads with SQL.
import type { BySeverity, WaivedViolation } from '../engine/types.js';
import type { ComplianceActivity } from '../store/types.js';

export interface DecisionSummaryLike {
  environment: string;
  dry_run?: boolean;
  deny: BySeverity;
  warn: BySeverity;
  waived: WaivedViolation[];
}

function ruleIds(violations: Array<{ rule?: unknown }>): string[] {
  return [...new Set(violations.map((v) => v.rule).filter((r): r is string => typeof r === 'string'))];
}

/** Folds summaries of decisions with from <= time < to into counts and per-decision rule outcomes. */
export function activityFromDecisions(from: Date, to: Date, summaries: Iterable<DecisionSummaryLike>): ComplianceActivity {
  const decisions: Record<string, number> = {};
  const outcomes: ComplianceActivity['outcomes'] = [];
  for (const d of summaries) {
    if (d.dry_run) continue;
    decisions[d.environment] = (decisions[d.environment] ?? 0) + 1;
    const outcome = {
      environment: d.environment,
      denied: ruleIds(Object.values(d.deny ?? {}).flat()),
      warned: ruleIds(Object.values(d.warn ?? {}).flat()),
      waived: ruleIds(d.waived ?? []),
    };
    if (outcome.denied.length || outcome.warned.length || outcome.waived.length) outcomes.push(outcome);
  }
  return { from: from.toISOString(), to: to.toISOString(), decisions, outcomes };
}
