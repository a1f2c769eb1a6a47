// Replay and what-if: re-evaluate logged inputs. Decisions are pure functions of (input,
// bundle) and the logged input carries its request time, so a replay with the same bundle
// must give the same decision, and a candidate bundle shows exactly what would change.
import { SEVERITIES, type Decision, type Evaluator, type InputDocument, type PolicyDecision } from '../engine/index.js';
import type { DecisionRecord, Instant, Store } from '../store/types.js';

/** The parts of a decision that replay compares: what the policy decided. */
export function verdictOf(d: PolicyDecision): Pick<PolicyDecision, 'allow' | 'environment' | 'deny' | 'warn' | 'waived'> {
  return { allow: d.allow, environment: d.environment, deny: d.deny, warn: d.warn, waived: d.waived };
}

export function sameVerdict(a: PolicyDecision, b: PolicyDecision): boolean {
  return JSON.stringify(verdictOf(a)) === JSON.stringify(verdictOf(b));
}

/** The time a logged decision is replayed at: its input's request time, else the record's. */
export function replayTime(record: Pick<DecisionRecord, 'input' | 'time'>): string {
  return ((record.input as InputDocument | undefined)?.request?.time as string | undefined) ?? record.time;
}

/**
 * Evaluates a logged record's input as of its own request time, under the logged decision id.
 * `inputJson` is the input's text as the log stores it (always JSON.stringify's), which the
 * evaluator then takes as is rather than writing the input again.
 */
export function replayRecord(record: Pick<DecisionRecord, 'decision_id' | 'input' | 'time'>, evaluator: Evaluator, inputJson?: string): Decision {
  return evaluator.evaluate(record.input as InputDocument, { now: new Date(replayTime(record)), decisionId: record.decision_id, ...(inputJson === undefined ? {} : { inputJson }) });
}

export interface ReplayResult {
  decision_id: string;
  identical: boolean;
  logged: PolicyDecision;
  replayed: Decision;
}

export async function replayDecision(store: Pick<Store, 'getDecision'>, id: string, evaluator: Evaluator): Promise<ReplayResult | undefined> {
  const record = await store.getDecision(id);
  if (!record) return undefined;
  const replayed = replayRecord(record, evaluator);
  return { decision_id: id, identical: sameVerdict(record.decision, replayed), logged: record.decision, replayed };
}

const blockingRules = (d: PolicyDecision) => new Set(SEVERITIES.flatMap((s) => d.deny[s].map((v) => v.rule)));

export interface ChangedDecision {
  decision_id: string;
  time: string;
  application: string;
  environment: string;
  change: 'allow_to_deny' | 'deny_to_allow' | 'still_allowed' | 'still_denied';
  /** Rules that block with the candidate but did not before. */
  newly_blocking: string[];
  /** Rules that blocked before but no longer do. */
  no_longer_blocking: string[];
}

export interface WhatIfReport {
  candidate: { name: string; revision: string };
  from: string;
  to: string;
  evaluated: number;
  unchanged: number;
  allow_to_deny: number;
  deny_to_allow: number;
  /** Decisions whose verdict differs in any way (allow, or which rules block/warn/are waived). */
  changed: ChangedDecision[];
  by_rule: Array<{ rule: string; newly_blocking: number; no_longer_blocking: number; applications: string[] }>;
  by_application: Array<{ application: string; allow_to_deny: number; deny_to_allow: number; changed: number }>;
}

export interface WhatIfProgress {
  /** Hears the number of decisions evaluated so far: a week of a busy log is many thousands. */
  onProgress?: (evaluated: number) => void;
  /** Every this many decisions; default 500. */
  every?: number;
}

/** A logged decision as the what-if tally needs it: who, when, and what was decided then. */
export type TalliedRecord = Pick<DecisionRecord, 'decision_id' | 'time' | 'application' | 'environment' | 'decision'>;

/**
 * Adds up a what-if, one logged decision and its re-evaluation at a time, in log order. Shared
 * by the sequential whatIf below and the host's worker pool (src/host/what-if-pool.ts), so
 * both report alike.
 */
export class WhatIfTally {
  private readonly report: WhatIfReport;
  private readonly rules = new Map<string, { newly_blocking: number; no_longer_blocking: number; applications: Set<string> }>();
  private readonly apps = new Map<string, { allow_to_deny: number; deny_to_allow: number; changed: number }>();

  constructor(candidate: { name: string; revision: string }, from: Instant, to: Instant) {
    this.report = {
      candidate,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      evaluated: 0,
      unchanged: 0,
      allow_to_deny: 0,
      deny_to_allow: 0,
      changed: [],
      by_rule: [],
      by_application: [],
    };
  }

  get evaluated(): number {
    return this.report.evaluated;
  }

  add(record: TalliedRecord, replayed: PolicyDecision): void {
    const report = this.report;
    report.evaluated++;
    if (sameVerdict(record.decision, replayed)) {
      report.unchanged++;
      return;
    }
    const before = blockingRules(record.decision);
    const after = blockingRules(replayed);
    const change = record.decision.allow === replayed.allow ? (replayed.allow ? 'still_allowed' : 'still_denied') : replayed.allow ? 'deny_to_allow' : 'allow_to_deny';
    const entry: ChangedDecision = {
      decision_id: record.decision_id,
      time: record.time,
      application: record.application,
      environment: record.environment,
      change,
      newly_blocking: [...after].filter((r) => !before.has(r)).sort(),
      no_longer_blocking: [...before].filter((r) => !after.has(r)).sort(),
    };
    report.changed.push(entry);
    if (change === 'allow_to_deny') report.allow_to_deny++;
    if (change === 'deny_to_allow') report.deny_to_allow++;
    const app = this.apps.get(record.application) ?? { allow_to_deny: 0, deny_to_allow: 0, changed: 0 };
    app.changed++;
    if (change === 'allow_to_deny') app.allow_to_deny++;
    if (change === 'deny_to_allow') app.deny_to_allow++;
    this.apps.set(record.application, app);
    for (const [list, key] of [[entry.newly_blocking, 'newly_blocking'], [entry.no_longer_blocking, 'no_longer_blocking']] as const) {
      for (const rule of list) {
        const r = this.rules.get(rule) ?? { newly_blocking: 0, no_longer_blocking: 0, applications: new Set<string>() };
        r[key]++;
        r.applications.add(record.application);
        this.rules.set(rule, r);
      }
    }
  }

  finish(): WhatIfReport {
    const report = this.report;
    report.by_rule = [...this.rules].map(([rule, r]) => ({ rule, newly_blocking: r.newly_blocking, no_longer_blocking: r.no_longer_blocking, applications: [...r.applications].sort() })).sort((a, b) => a.rule.localeCompare(b.rule));
    report.by_application = [...this.apps].map(([application, a]) => ({ application, ...a })).sort((a, b) => a.application.localeCompare(b.application));
    return report;
  }
}

/** Evaluates `candidate` over every decision logged in [from, to) and reports what changes. */
export async function whatIf(
  store: Pick<Store, 'decisionsSince'>,
  candidate: Evaluator,
  from: Instant,
  to: Instant = new Date(),
  { onProgress, every = 500 }: WhatIfProgress = {},
): Promise<WhatIfReport> {
  const tally = new WhatIfTally({ name: candidate.bundle.name, revision: candidate.bundle.manifest.revision }, from, to);
  for await (const record of store.decisionsSince(from, to)) {
    tally.add(record, replayRecord(record, candidate));
    if (onProgress && tally.evaluated % every === 0) onProgress(tally.evaluated);
  }
  return tally.finish();
}
