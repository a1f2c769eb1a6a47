// The rules[] of dfw's SARIF log: one reportingDescriptor per rule, with GitHub's security-severity.
import type { RuleEntry } from '../../engine/catalog.js';
import type { Severity } from '../../engine/types.js';
import { highestSeverity, type Finding } from './outcomes.js';

// GitHub turns the rule's `security-severity` (a CVSS-like score) into the alert severity:
// over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. It reads it only from rules
// tagged "security".
/** GitHub code scanning's hard limit on tags per rule ("SARIF results exceed limits"). */
export const MAX_TAGS = 20;

export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

interface Message {
  text: string;
  markdown?: string;
}

export interface ReportingDescriptor {
  id: string;
  name: string;
  shortDescription: Message;
  fullDescription: Message;
  help?: Message;
  properties: { 'security-severity': string; tags: string[]; severity: Severity };
}

/** reportingDescriptor.name (§3.49.7) is an identifier a person can read: "NoCriticalCVEsInTheArtifact". */
function ruleName(title: string, id: string): string {
  const words = title.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.length ? words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') : id;
}

function describeRule(rule: Pick<RuleEntry, 'id' | 'title' | 'description' | 'category' | 'remediation' | 'controls'>, severity: Severity): ReportingDescriptor {
  return {
    id: rule.id,
    name: ruleName(rule.title, rule.id),
    shortDescription: { text: rule.title || rule.id },
    fullDescription: { text: rule.description || rule.title || rule.id },
    ...(rule.remediation ? { help: { text: rule.remediation, markdown: rule.remediation } } : {}),
    properties: {
      'security-severity': SECURITY_SEVERITY[severity] ?? SECURITY_SEVERITY.critical,
      // The compliance controls the rule serves ("SOC2:CC8.1") follow, so a code-scanning
      // alert can be filtered by control (SARIF §3.8.4: tags are free-form strings). GitHub
      // rejects a SARIF file with more than 20 tags on a rule (and shows the first 10).
      tags: [...new Set([rule.category, 'security', ...(rule.controls ?? [])].filter(Boolean))].slice(0, MAX_TAGS),
      severity,
    },
  };
}

/** The catalog's rules (when the CLI has them), then any rule a violation names that it lacks. */
export function describeRules(findings: Finding[], environment: string, catalog: RuleEntry[] = []): ReportingDescriptor[] {
  const seen = new Map<string, Severity[]>();
  for (const { violation } of findings) seen.set(violation.rule, [...(seen.get(violation.rule) ?? []), violation.severity]);
  const rules = catalog.map((rule) =>
    // What this decision saw wins; else the severity the environment gives the rule.
    describeRule(rule, highestSeverity(seen.get(rule.id) ?? []) ?? rule.enforcement[environment]?.severity ?? rule.severity),
  );
  const listed = new Set(rules.map((rule) => rule.id));
  for (const { violation } of findings) {
    if (listed.has(violation.rule)) continue;
    listed.add(violation.rule);
    rules.push(describeRule({ ...violation, id: violation.rule, description: violation.title }, highestSeverity(seen.get(violation.rule) ?? []) ?? 'critical'));
  }
  return rules;
}
