// The compliance report: per control of a framework, the rules that serve it, the decisions
// they judged in a period, denials, warnings, waivers used and waivers in force, and the
// controls no rule serves (gaps). Pure: the rule catalog, the decision-log activity and the
// waivers come in as values (src/store, or a dfw server's API), so both read alike.
import type { RuleEntry } from '../engine/catalog.js';
import type { ComplianceActivity } from '../store/types.js';
import type { Waiver } from '../store/types.js';
import { serves, type Framework } from './frameworks.js';

export type ReportRule = Pick<RuleEntry, 'id' | 'title' | 'severity' | 'category' | 'controls' | 'enforcement'>;

export interface ReportCatalog {
  rules: ReportRule[];
  unknown_environment: string;
}

export type ReportWaiver = Pick<Waiver, 'id' | 'rule' | 'application' | 'environment' | 'requested_by' | 'approved_by' | 'expires_at' | 'reason'> & {
  artifact_digest?: string;
  ticket?: string;
};

export interface ControlReport {
  id: string;
  title: string;
  /** false for a control a rule names that the framework file does not list. */
  listed: boolean;
  status: 'covered' | 'gap';
  /** The rules serving it, with the tags that tie them to it ("1.1.3" under CIS 1.1). */
  rules: Array<{ id: string; title: string; severity: string; tags: string[] }>;
  /** Decisions in the period in environments where at least one of its rules is on. */
  decisions: number;
  /** Decisions one of its rules denied (blocking), warned about, or that a waiver let through. */
  denials: number;
  warnings: number;
  waived: number;
  /** Waivers in force at the end of the period for one of its rules. */
  active_waivers: ReportWaiver[];
}

export interface ComplianceReport {
  framework: { id: string; name: string; version: string; source: string; note?: string };
  period: { from: string; to: string };
  bundle?: { name: string; revision: string };
  source: string;
  summary: { controls: number; covered: number; gaps: number; rules: number; decisions: number; denied_decisions: number; waived_decisions: number; active_waivers: number };
  controls: ControlReport[];
}

export interface ReportInput {
  framework: Framework;
  catalog: ReportCatalog;
  activity: ComplianceActivity;
  waivers: ReportWaiver[];
  bundle?: { name: string; revision: string };
  /** Where the data came from, e.g. "sqlite:data/dfw.db" or "https://dfw.example". */
  source: string;
}

/** The tags of a rule for one framework, without the prefix: "CC8.1" of "SOC2:CC8.1". */
function tagsFor(rule: ReportRule, framework: string): string[] {
  const prefix = `${framework}:`;
  return (rule.controls ?? []).filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length));
}

function isOn(rule: ReportRule, environment: string, catalog: ReportCatalog): boolean {
  const enforcement = rule.enforcement[environment] ?? rule.enforcement[catalog.unknown_environment];
  return enforcement?.enforcement !== 'off';
}

/** Controls in the framework's order, then any a rule names that the framework file lacks. */
function controlList(input: ReportInput): Array<{ id: string; title: string; listed: boolean }> {
  const listed = input.framework.controls.map((c) => ({ ...c, listed: true }));
  const extra = new Set<string>();
  for (const rule of input.catalog.rules) {
    for (const tag of tagsFor(rule, input.framework.id)) if (!listed.some((c) => serves(tag, c.id))) extra.add(tag);
  }
  return [...listed, ...[...extra].sort().map((id) => ({ id, title: `(not in dfw's list of ${input.framework.id} controls)`, listed: false }))];
}

function countDecisions(outcomes: ComplianceActivity['outcomes'], rules: Set<string>, pick: 'denied' | 'warned' | 'waived'): number {
  return outcomes.filter((o) => o[pick].some((r) => rules.has(r))).length;
}

export function buildComplianceReport(input: ReportInput): ComplianceReport {
  const { framework, catalog, activity } = input;
  const controls = controlList(input).map((control): ControlReport => {
    const rules = catalog.rules
      .map((rule) => ({ rule, tags: tagsFor(rule, framework.id).filter((tag) => serves(tag, control.id)) }))
      .filter(({ tags }) => tags.length > 0);
    const ids = new Set(rules.map(({ rule }) => rule.id));
    const decisions = Object.entries(activity.decisions)
      .filter(([environment]) => rules.some(({ rule }) => isOn(rule, environment, catalog)))
      .reduce((sum, [, n]) => sum + n, 0);
    return {
      id: control.id,
      title: control.title,
      listed: control.listed,
      status: rules.length ? 'covered' : 'gap',
      rules: rules.map(({ rule, tags }) => ({ id: rule.id, title: rule.title, severity: rule.severity, tags })),
      decisions,
      denials: countDecisions(activity.outcomes, ids, 'denied'),
      warnings: countDecisions(activity.outcomes, ids, 'warned'),
      waived: countDecisions(activity.outcomes, ids, 'waived'),
      active_waivers: input.waivers.filter((w) => ids.has(w.rule)),
    };
  });
  const mapped = new Set(controls.flatMap((c) => c.rules.map((r) => r.id)));
  const listed = controls.filter((c) => c.listed);
  return {
    framework: { id: framework.id, name: framework.name, version: framework.version, source: framework.source, ...(framework.note ? { note: framework.note } : {}) },
    period: { from: activity.from, to: activity.to },
    ...(input.bundle ? { bundle: input.bundle } : {}),
    source: input.source,
    summary: {
      controls: listed.length,
      covered: listed.filter((c) => c.status === 'covered').length,
      gaps: listed.filter((c) => c.status === 'gap').length,
      rules: mapped.size,
      decisions: Object.values(activity.decisions).reduce((a, b) => a + b, 0),
      denied_decisions: countDecisions(activity.outcomes, mapped, 'denied'),
      waived_decisions: countDecisions(activity.outcomes, mapped, 'waived'),
      active_waivers: input.waivers.filter((w) => mapped.has(w.rule)).length,
    },
    controls,
  };
}
