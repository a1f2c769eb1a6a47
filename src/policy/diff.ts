// `dfw policy diff <old> <new>`: what changes for deployments between two bundles — rules
// added and removed, and per rule a changed severity or a changed enforcement (deny, warn,
// off) in any environment — read from each bundle's own rule catalog.
import { readFileSync } from 'node:fs';
import { loadBundle, ruleCatalog, type RuleEntry } from '../engine/index.js';
import { PolicyProjectError } from './errors.js';

export interface RuleChange {
  rule: string;
  title: string;
  changes: string[];
}

export interface PolicyDiff {
  old: { file: string; revision: string };
  new: { file: string; revision: string };
  added: Array<Pick<RuleEntry, 'id' | 'title' | 'severity'>>;
  removed: Array<Pick<RuleEntry, 'id' | 'title' | 'severity'>>;
  changed: RuleChange[];
}

async function catalogOf(file: string): Promise<{ revision: string; rules: Map<string, RuleEntry> }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new PolicyProjectError(`bundle ${file} cannot be read: ${(err as Error).message}`);
  }
  try {
    const bundle = await loadBundle(bytes);
    return { revision: bundle.manifest.revision, rules: new Map(ruleCatalog(bundle).rules.map((r) => [r.id, r])) };
  } catch (err) {
    throw new PolicyProjectError(`${file} is not a bundle dfw can load: ${(err as Error).message}`);
  }
}

function describeIn(x: RuleEntry['enforcement'][string] | undefined): string {
  return x ? (x.enforcement === 'off' ? 'off' : `${x.enforcement} (${x.severity})`) : 'absent';
}

function ruleChanges(before: RuleEntry, after: RuleEntry): string[] {
  const changes: string[] = [];
  if (before.severity !== after.severity) changes.push(`severity ${before.severity} -> ${after.severity}`);
  for (const env of [...new Set([...Object.keys(before.enforcement), ...Object.keys(after.enforcement)])].sort()) {
    const a = describeIn(before.enforcement[env]);
    const b = describeIn(after.enforcement[env]);
    if (a !== b) changes.push(`${env}: ${a} -> ${b}`);
  }
  if (before.title !== after.title) changes.push(`title "${before.title}" -> "${after.title}"`);
  return changes;
}

export async function diffBundles(oldFile: string, newFile: string): Promise<PolicyDiff> {
  const [before, after] = [await catalogOf(oldFile), await catalogOf(newFile)];
  const brief = (r: RuleEntry) => ({ id: r.id, title: r.title, severity: r.severity });
  const changed: RuleChange[] = [];
  for (const [id, rule] of after.rules) {
    const was = before.rules.get(id);
    if (!was) continue;
    const changes = ruleChanges(was, rule);
    if (changes.length) changed.push({ rule: id, title: rule.title, changes });
  }
  return {
    old: { file: oldFile, revision: before.revision },
    new: { file: newFile, revision: after.revision },
    added: [...after.rules.values()].filter((r) => !before.rules.has(r.id)).map(brief),
    removed: [...before.rules.values()].filter((r) => !after.rules.has(r.id)).map(brief),
    changed,
  };
}

export function formatDiff(d: PolicyDiff): string {
  const lines = [`${d.old.file} (revision ${d.old.revision}) -> ${d.new.file} (revision ${d.new.revision})`];
  if (!d.added.length && !d.removed.length && !d.changed.length) return `${lines[0]}\nno rule added, removed or changed in severity or enforcement\n`;
  for (const r of d.added) lines.push(`+ ${r.id}  ${r.severity}  ${r.title}`);
  for (const r of d.removed) lines.push(`- ${r.id}  ${r.severity}  ${r.title}`);
  for (const c of d.changed) lines.push(`~ ${c.rule}  ${c.title}`, ...c.changes.map((x) => `    ${x}`));
  lines.push('', `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`);
  return `${lines.join('\n')}\n`;
}
