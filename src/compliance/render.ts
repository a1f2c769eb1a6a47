// A compliance report as Markdown (for an auditor's folder or a wiki), CSV (RFC 4180, one
// row per control, for a spreadsheet) or JSON (everything, for scripts).
import type { ComplianceReport, ControlReport } from './report.js';

export const REPORT_FORMATS = ['markdown', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const number = (n: number) => n.toLocaleString('en-US');
const count = (n: number, noun: string) => `${number(n)} ${noun}${n === 1 ? '' : 's'}`;

/** A Markdown table cell: one line, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

function ruleList(c: ControlReport): string {
  return c.rules.map((r) => (r.tags.length === 1 && r.tags[0] === c.id ? r.id : `${r.id} (${r.tags.join(', ')})`)).join(', ');
}

export function renderMarkdown(report: ComplianceReport): string {
  const { framework, summary } = report;
  const lines = [
    `# ${framework.id} compliance report`,
    '',
    `- **Framework:** ${framework.name}, ${framework.version} (${framework.source})`,
    `- **Period:** ${report.period.from} to ${report.period.to} (request times; dry runs left out)`,
    ...(report.bundle ? [`- **Rules:** bundle ${report.bundle.name} at revision ${report.bundle.revision}`] : []),
    `- **Decision log:** ${report.source}`,
    '',
    `${summary.covered} of ${count(summary.controls, 'control')} served by ${count(summary.rules, 'rule')}; ${summary.gaps} without a rule. ` +
      `${count(summary.decisions, 'decision')} in the period: ${number(summary.denied_decisions)} denied by a mapped rule, ` +
      `${number(summary.waived_decisions)} let through by a waiver; ${count(summary.active_waivers, 'waiver')} in force at the end.`,
    ...(framework.note ? ['', `> ${framework.note}`] : []),
    '',
    '## Controls',
    '',
    '| Control | Title | Rules | Decisions | Denials | Warnings | Waived | Active waivers |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of report.controls.filter((c) => c.status === 'covered')) {
    lines.push(`| ${c.id} | ${cell(c.title)} | ${cell(ruleList(c))} | ${number(c.decisions)} | ${number(c.denials)} | ${number(c.warnings)} | ${number(c.waived)} | ${c.active_waivers.length} |`);
  }
  const gaps = report.controls.filter((c) => c.status === 'gap');
  lines.push('', `## Gaps: controls no rule serves (${gaps.length})`, '');
  lines.push(...(gaps.length ? gaps.map((c) => `- **${c.id}** — ${c.title}`) : ['None.']));
  const waivers = [...new Map(report.controls.flatMap((c) => c.active_waivers.map((w) => [w.id, w] as const))).values()];
  lines.push('', `## Waivers in force at ${report.period.to} (${waivers.length})`, '');
  if (waivers.length) {
    lines.push('| Waiver | Rule | Controls | Application / environment | Requested by | Approved by | Expires | Reason |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const w of waivers) {
      const controls = report.controls.filter((c) => c.active_waivers.some((x) => x.id === w.id)).map((c) => c.id).join(', ');
      const scope = `${w.application} / ${w.environment}${w.artifact_digest ? ` @${w.artifact_digest.slice(0, 19)}…` : ''}`;
      lines.push(`| ${cell(w.id)} | ${w.rule} | ${controls} | ${cell(scope)} | ${cell(w.requested_by)} | ${cell(w.approved_by)} | ${w.expires_at} | ${cell(w.reason)} |`);
    }
  } else {
    lines.push('None.');
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = ['framework', 'control', 'title', 'status', 'listed', 'rules', 'decisions', 'denials', 'warnings', 'waived', 'active_waivers', 'period_from', 'period_to'] as const;

export function renderCsv(report: ComplianceReport): string {
  const rows = report.controls.map((c) => [
    report.framework.id, c.id, c.title, c.status, c.listed, c.rules.map((r) => r.id).join(' '),
    c.decisions, c.denials, c.warnings, c.waived, c.active_waivers.map((w) => w.id).join(' '),
    report.period.from, report.period.to,
  ]);
  return [CSV_COLUMNS, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function renderReport(report: ComplianceReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'csv' ? renderCsv(report) : renderMarkdown(report);
}
