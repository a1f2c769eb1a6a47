// The `table` format: the decision for a person at a terminal, with ANSI colour only when asked.
import { SEVERITIES, type Decision, type Severity } from '../../engine/types.js';
import {
  countFindings,
  environmentOf,
  listFindings,
  plural,
  replaceControls,
  type DeploymentSubject,
  type Finding,
} from './outcomes.js';

export interface TableOptions {
  color?: boolean;
  request?: DeploymentSubject;
}

// SGR parameters (ECMA-48 §8.3.117); every span ends with a full reset so nothing leaks.
const SGR = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36' } as const;
type Style = keyof typeof SGR;

const SEVERITY_STYLE: Record<Severity, Style[]> = {
  critical: ['bold', 'magenta'],
  high: ['bold', 'red'],
  medium: ['yellow'],
  low: ['blue'],
};

/** Control characters replaced, and \r\n read as one line break. */
function clean(text: string): string {
  return replaceControls(text.replace(/\r\n?/g, '\n'));
}

function indent(text: string, prefix: string): string {
  return clean(text)
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : prefix + line))
    .join('\n');
}

export function formatTable(decision: Decision, options: TableOptions = {}): string {
  const paint = (text: string, ...styles: Style[]): string =>
    options.color && styles.length ? `\u001b[${styles.map((s) => SGR[s]).join(';')}m${text}\u001b[0m` : text;

  const findings = listFindings(decision);
  const counts = countFindings(findings);
  const application = options.request?.application;
  const lines: string[] = [];

  const verdict = decision.allow ? paint('ALLOW', 'bold', 'green') : paint('DENY', 'bold', 'red');
  const environment = clean(environmentOf(decision, options.request));
  lines.push(`${verdict}  deployment ${application ? `of ${clean(application)} ` : ''}to ${environment}`);
  const bundle = decision.bundle ? `bundle ${clean(decision.bundle.name)} revision ${clean(decision.bundle.revision || '(none)')}` : 'bundle unknown';
  lines.push(paint(`  ${bundle} · decision ${clean(decision.decision_id)} · evaluated ${clean(decision.evaluated_at)}`, 'dim'));

  const describe = (finding: Finding, showSeverity: boolean): void => {
    const v = finding.violation;
    const severity = showSeverity ? ` ${paint(`(${clean(v.severity)})`, ...(SEVERITY_STYLE[v.severity] ?? []))}` : '';
    lines.push(`    ${paint(clean(v.rule), 'bold')}  ${clean(v.title)}${severity}`);
    lines.push(indent(v.message, '      '));
    if (v.evidence) lines.push(paint(indent(`evidence: ${v.evidence}`, '      '), 'dim'));
    if (finding.outcome === 'waived') {
      const w = finding.violation;
      lines.push(paint(indent(`waiver ${w.waiver_id} approved by ${w.approved_by}, expires ${w.expires_at}`, '      '), 'cyan'));
    }
    if (v.remediation) {
      lines.push(`      remediation:`);
      lines.push(indent(v.remediation, '        '));
    }
  };

  // Blocking and warning violations are listed under their severity, most severe first.
  for (const [outcome, heading] of [['deny', 'Blocking'], ['warn', 'Warnings']] as const) {
    if (counts[outcome] === 0) continue;
    lines.push('', paint(`${heading} (${counts[outcome]})`, 'bold', outcome === 'deny' ? 'red' : 'yellow'));
    for (const severity of SEVERITIES) {
      const group = findings.filter((f) => f.outcome === outcome && f.severity === severity);
      if (group.length === 0) continue;
      lines.push(`  ${paint(severity.toUpperCase(), ...SEVERITY_STYLE[severity])}`);
      for (const finding of group) describe(finding, false);
    }
  }
  if (counts.waived > 0) {
    lines.push('', paint(`Waived (${counts.waived})`, 'bold', 'cyan'));
    for (const finding of findings) if (finding.outcome === 'waived') describe(finding, true);
  }

  lines.push('');
  lines.push(
    findings.length === 0
      ? 'No rule reported a violation.'
      : `${counts.deny} blocking · ${plural(counts.warn, 'warning')} · ${counts.waived} waived`,
  );
  return `${lines.join('\n')}\n`;
}
