// The `junit` format: JUnit XML, so CI test reports (Jenkins, GitLab, Azure DevOps) list each rule as a test.
import type { RuleEntry } from '../../engine/catalog.js';
import type { Decision } from '../../engine/types.js';
import { environmentOf, highestSeverity, listFindings, type DeploymentSubject, type Finding } from './outcomes.js';
import { attributes, escapeXml } from './xml.js';

export interface JunitOptions {
  request?: DeploymentSubject;
  rules?: RuleEntry[];
}

interface RuleCase {
  id: string;
  title: string;
  category: string;
  enforcement?: string;
  controls: string[];
  findings: Finding[];
}

function describe(finding: Finding): string {
  const v = finding.violation;
  return [v.message, v.evidence && `evidence: ${v.evidence}`, v.remediation && `remediation: ${v.remediation}`].filter(Boolean).join('\n');
}

/** One <testcase>; deny is a failure, a waiver alone is a skip, a warning passes with output. */
function testcase(rule: RuleCase, environment: string): { xml: string; failed: boolean; skipped: boolean } {
  const of = (outcome: Finding['outcome']): Finding[] => rule.findings.filter((f) => f.outcome === outcome);
  const [denied, warned, waived] = [of('deny'), of('warn'), of('waived')];
  // Testcase-level <properties> (as pytest's record_property writes them, read by Jenkins'
  // JUnit plugin and others): one "control" per compliance control the rule serves.
  const children: string[] = rule.controls.length
    ? [`<properties>${rule.controls.map((value) => `<property${attributes({ name: 'control', value })}/>`).join('')}</properties>`]
    : [];
  const output: string[] = [];
  let skipped = false;
  if (denied.length) {
    const message = denied.map((f) => f.violation.message).join('; ');
    const type = highestSeverity(denied.map((f) => f.severity)) ?? 'critical';
    children.push(`<failure${attributes({ message, type })}>${escapeXml(denied.map(describe).join('\n\n'))}</failure>`);
  }
  const waiverNote = (f: Finding): string =>
    f.outcome === 'waived' ? `waived by ${f.violation.waiver_id} (approved by ${f.violation.approved_by}, expires ${f.violation.expires_at})` : '';
  if (waived.length && !denied.length && !warned.length) {
    skipped = true;
    children.push(`<skipped${attributes({ message: waived.map(waiverNote).join('; ') })}/>`);
  } else {
    output.push(...waived.map((f) => `${waiverNote(f)}: ${describe(f)}`));
  }
  output.unshift(...warned.map((f) => `warning (${f.severity}): ${describe(f)}`));
  if (!rule.findings.length && rule.enforcement === 'off') {
    skipped = true;
    children.push(`<skipped${attributes({ message: `${rule.id} is off in ${environment}` })}/>`);
  }
  if (output.length) children.push(`<system-out>${escapeXml(output.join('\n\n'))}</system-out>`);
  const open = `<testcase${attributes({ classname: rule.category || 'dfw', name: `${rule.id} ${rule.title}`.trim(), time: 0 })}`;
  const xml = children.length ? `${open}>\n      ${children.join('\n      ')}\n    </testcase>` : `${open}/>`;
  return { xml, failed: denied.length > 0, skipped };
}

export function formatJunit(decision: Decision, options: JunitOptions = {}): string {
  const environment = environmentOf(decision, options.request);
  // Catalog rules first (so the ones that passed are listed too), then any rule it lacks.
  const cases = new Map<string, RuleCase>();
  for (const rule of options.rules ?? []) {
    cases.set(rule.id, {
      id: rule.id,
      title: rule.title,
      category: rule.category,
      enforcement: rule.enforcement[environment]?.enforcement,
      controls: rule.controls ?? [],
      findings: [],
    });
  }
  for (const finding of listFindings(decision)) {
    const v = finding.violation;
    if (!cases.has(v.rule)) cases.set(v.rule, { id: v.rule, title: v.title, category: v.category, controls: v.controls ?? [], findings: [] });
    cases.get(v.rule)!.findings.push(finding);
  }
  const testcases = [...cases.values()].map((rule) => testcase(rule, environment));
  const timing = decision.timing_ms ?? {};
  const seconds = ((timing.total ?? Object.values(timing).reduce((sum, ms) => sum + ms, 0)) / 1000).toFixed(3);
  const counts = {
    tests: testcases.length,
    failures: testcases.filter((t) => t.failed).length,
    errors: 0,
    skipped: testcases.filter((t) => t.skipped).length,
    time: seconds,
  };
  const properties = {
    decision_id: decision.decision_id,
    allow: String(decision.allow),
    environment,
    application: options.request?.application,
    image: options.request?.image,
    bundle: decision.bundle ? `${decision.bundle.name}@${decision.bundle.revision}` : undefined,
    evaluated_at: decision.evaluated_at,
  };
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'dfw', ...counts })}>`,
    `  <testsuite${attributes({ name: `dfw ${environment}`, ...counts })}>`,
    '    <properties>',
    ...Object.entries(properties)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    '    </properties>',
    ...testcases.map((t) => `    ${t.xml}`),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}
