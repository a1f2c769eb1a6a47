// `dfw policy diff <old> <new>`: what changes for deployments between two bundles — rules
// added and removed, per rule a changed severity or enforcement (deny, warn, off) in any
// environment, read from each bundle's own rule catalog; and the enforcement data itself
// (enforcement-diff.ts): blocking severities, rule overrides, unknown_environment and the
// trust policy, which can let deployments through without any rule changing. Every change
// that lets more through is marked as weakening.
import { readFileSync } from 'node:fs';
import { loadBundle, ruleCatalog, SEVERITIES, type RuleEntry } from '../engine/index.js';
import { compareEnforcement, type EnforcementChange, type EnforcementConfig } from './enforcement-diff.js';
import { PolicyProjectError } from './errors.js';

export interface RuleChange {
  rule: string;
  title: string;
  changes: string[];
  /** Those of `changes` that let more through: off or warn where it denied, a lower severity. */
  weakening: string[];
}

export interface PolicyDiff {
  old: { file: string; revision: string };
  new: { file: string; revision: string };
  added: Array<Pick<RuleEntry, 'id' | 'title' | 'severity'>>;
  removed: Array<Pick<RuleEntry, 'id' | 'title' | 'severity'>>;
  changed: RuleChange[];
  /** Changes of data.firewall.config beyond what the rules' rows show. */
  enforcement: EnforcementChange[];
  /** How many changes (removed rules, rule changes, enforcement changes) weaken enforcement. */
  weakening: number;
}

interface Side {
  revision: string;
  rules: Map<string, RuleEntry>;
  config: EnforcementConfig;
}

async function catalogOf(file: string): Promise<Side> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new PolicyProjectError(`bundle ${file} cannot be read: ${(err as Error).message}`);
  }
  try {
    const bundle = await loadBundle(bytes);
    const config = ((bundle.data.firewall as Record<string, unknown> | undefined)?.config ?? {}) as EnforcementConfig;
    return { revision: bundle.manifest.revision, rules: new Map(ruleCatalog(bundle).rules.map((r) => [r.id, r])), config };
  } catch (err) {
    throw new PolicyProjectError(`${file} is not a bundle dfw can load: ${(err as Error).message}`);
  }
}

function describeIn(x: RuleEntry['enforcement'][string] | undefined): string {
  return x ? (x.enforcement === 'off' ? 'off' : `${x.enforcement} (${x.severity})`) : 'absent';
}

const ENFORCEMENT_RANK = { off: 0, warn: 1, deny: 2 } as const;

/** Lets more through in that environment: off or warn where it denied, or a lower severity. */
function weakensIn(before: RuleEntry['enforcement'][string] | undefined, after: RuleEntry['enforcement'][string] | undefined): boolean {
  if (!before || !after) return false; // an environment added or removed: judged in the enforcement section
  return ENFORCEMENT_RANK[after.enforcement] < ENFORCEMENT_RANK[before.enforcement] || SEVERITIES.indexOf(after.severity) > SEVERITIES.indexOf(before.severity);
}

function ruleChanges(before: RuleEntry, after: RuleEntry): { changes: string[]; weakening: string[] } {
  const changes: string[] = [];
  const weakening: string[] = [];
  const add = (change: string, weakens: boolean) => {
    changes.push(change);
    if (weakens) weakening.push(change);
  };
  if (before.severity !== after.severity) add(`severity ${before.severity} -> ${after.severity}`, SEVERITIES.indexOf(after.severity) > SEVERITIES.indexOf(before.severity));
  for (const env of [...new Set([...Object.keys(before.enforcement), ...Object.keys(after.enforcement)])].sort()) {
    const a = describeIn(before.enforcement[env]);
    const b = describeIn(after.enforcement[env]);
    if (a !== b) add(`${env}: ${a} -> ${b}`, weakensIn(before.enforcement[env], after.enforcement[env]));
  }
  if (before.title !== after.title) add(`title "${before.title}" -> "${after.title}"`, false);
  return { changes, weakening };
}

export async function diffBundles(oldFile: string, newFile: string): Promise<PolicyDiff> {
  const [before, after] = [await catalogOf(oldFile), await catalogOf(newFile)];
  const brief = (r: RuleEntry) => ({ id: r.id, title: r.title, severity: r.severity });
  const changed: RuleChange[] = [];
  for (const [id, rule] of after.rules) {
    const was = before.rules.get(id);
    if (!was) continue;
    const { changes, weakening } = ruleChanges(was, rule);
    if (changes.length) changed.push({ rule: id, title: rule.title, changes, weakening });
  }
  const removed = [...before.rules.values()].filter((r) => !after.rules.has(r.id)).map(brief);
  // Overrides are judged against the rule as the new bundle has it (else the old one's).
  const rules = [...new Map([...before.rules, ...after.rules]).values()].map((r) => ({ id: r.id, severity: r.severity }));
  const enforcement = compareEnforcement(before.config, after.config, rules);
  return {
    old: { file: oldFile, revision: before.revision },
    new: { file: newFile, revision: after.revision },
    added: [...after.rules.values()].filter((r) => !before.rules.has(r.id)).map(brief),
    removed,
    changed,
    enforcement,
    weakening: removed.length + changed.reduce((n, c) => n + c.weakening.length, 0) + enforcement.filter((c) => c.weakens).length,
  };
}

/** Nothing a deployment could notice differs. */
export function isSameDiff(d: PolicyDiff): boolean {
  return !d.added.length && !d.removed.length && !d.changed.length && !d.enforcement.length;
}

const WEAKENS = '    [weakens]';

export function formatDiff(d: PolicyDiff): string {
  const lines = [`${d.old.file} (revision ${d.old.revision}) -> ${d.new.file} (revision ${d.new.revision})`];
  if (isSameDiff(d)) return `${lines[0]}\nno rule added, removed or changed, and no enforcement changed (blocking, overrides, unknown_environment, trust)\n`;
  for (const r of d.added) lines.push(`+ ${r.id}  ${r.severity}  ${r.title}`);
  for (const r of d.removed) lines.push(`- ${r.id}  ${r.severity}  ${r.title}${WEAKENS}: no longer evaluated`);
  for (const c of d.changed) lines.push(`~ ${c.rule}  ${c.title}`, ...c.changes.map((x) => `    ${x}${c.weakening.includes(x) ? WEAKENS : ''}`));
  if (d.enforcement.length) {
    lines.push('', 'enforcement (data.firewall.config):');
    for (const c of d.enforcement) lines.push(`  ${c.key}: ${c.change}${c.weakens ? WEAKENS : ''}`);
  }
  lines.push('', `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.enforcement.length} enforcement change${d.enforcement.length === 1 ? '' : 's'}`);
  lines.push(d.weakening ? `${d.weakening} change${d.weakening === 1 ? '' : 's'} WEAKEN enforcement: deployments refused before could pass` : 'nothing weakens enforcement');
  return `${lines.join('\n')}\n`;
}
