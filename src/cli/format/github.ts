// The `github` format: GitHub Actions workflow commands (one annotation per violation) and a job summary.
import type { Decision } from '../../engine/types.js';
import {
  countFindings,
  environmentOf,
  listFindings,
  plural,
  replaceControls,
  type DeploymentSubject,
  type Finding,
} from './outcomes.js';
import { violationFile } from './sarif-location.js';

export interface GithubOptions {
  request?: DeploymentSubject;
}

// Workflow-command escaping as @actions/core does it (packages/core/src/command.ts): data
// escapes %, \r and \n so that text from a violation can never end the line and start a
// command of its own (::add-mask::, ::stop-commands::); property values also escape : and ,,
// which separate properties.
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND = { deny: 'error', warn: 'warning', waived: 'notice' } as const;

function annotation(finding: Finding, request?: DeploymentSubject): string {
  const v = finding.violation;
  const waiver =
    finding.outcome === 'waived'
      ? `Waived by ${finding.violation.waiver_id} (approved by ${finding.violation.approved_by}, expires ${finding.violation.expires_at}): `
      : '';
  const text = [`${waiver}${v.message}`, `Rule: ${v.title}`, v.evidence && `Evidence: ${v.evidence}`, v.remediation && `Remediation: ${v.remediation}`]
    .filter(Boolean)
    .join('\n');
  const title = `${v.rule} (${finding.severity})`;
  // file= attaches the annotation to the workflow, Dockerfile or manifest in the pull request's diff.
  const file = request?.source?.repository ? violationFile(v, request) : undefined;
  const where = file ? `file=${escapeProperty(replaceControls(file))},` : '';
  return `::${COMMAND[finding.outcome]} ${where}title=${escapeProperty(replaceControls(title))}::${escapeData(replaceControls(text))}`;
}

// GitHub-flavoured Markdown table cells: a backslash escapes any ASCII punctuation
// (CommonMark §2.4), "|" must be escaped to stay in its cell, and a cell cannot span lines:
// a single line break is a soft break (a space, §6.7), a blank line a new paragraph (<br><br>).
function cell(text: string): string {
  return replaceControls(text)
    .replace(/[\\`*_[\]<>|&~]/g, '\\$&')
    .replace(/[ \t]*\r?\n(?:[ \t]*\r?\n)+[ \t]*/g, '<br><br>')
    .replace(/[ \t]*\r?\n[ \t]*/g, ' ');
}

function table(headers: string[], rows: string[][]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => ' --- |').join('')}`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function summary(decision: Decision, findings: Finding[], request?: DeploymentSubject): string {
  const environment = environmentOf(decision, request);
  const application = request?.application ? ` of ${cell(request.application)}` : '';
  const verdict = decision.allow ? '✅' : '❌';
  const lines = [
    `## ${verdict} dfw ${decision.allow ? 'allowed' : 'denied'} the deployment${application} to ${cell(environment)}`,
    '',
    `Bundle ${cell(decision.bundle?.name ?? 'unknown')} revision ${cell(decision.bundle?.revision || '(none)')} · decision ${cell(decision.decision_id)} · evaluated ${cell(decision.evaluated_at)}`,
  ];
  const of = (outcome: Finding['outcome']): Finding[] => findings.filter((f) => f.outcome === outcome);
  const [denied, warned, waived] = [of('deny'), of('warn'), of('waived')];
  if (denied.length) {
    lines.push('', `### Blocking (${denied.length})`, '');
    lines.push(...table(['Severity', 'Rule', 'Title', 'Message', 'Remediation'],
      denied.map(({ severity, violation: v }) => [severity, v.rule, v.title, v.message, v.remediation])));
  }
  if (warned.length) {
    lines.push('', `### Warnings (${warned.length})`, '');
    lines.push(...table(['Severity', 'Rule', 'Title', 'Message', 'Remediation'],
      warned.map(({ severity, violation: v }) => [severity, v.rule, v.title, v.message, v.remediation])));
  }
  if (waived.length) {
    lines.push('', `### Waived (${waived.length})`, '');
    lines.push(...table(['Severity', 'Rule', 'Title', 'Message', 'Waiver', 'Approved by', 'Expires'],
      waived.map((f) => f.outcome === 'waived'
        ? [f.severity, f.violation.rule, f.violation.title, f.violation.message, f.violation.waiver_id, f.violation.approved_by, f.violation.expires_at]
        : [])));
  }
  if (!findings.length) lines.push('', 'No rule reported a violation.');
  return `${lines.join('\n')}\n`;
}

export function formatGithub(decision: Decision, options: GithubOptions = {}): { stdout: string; summaryMarkdown: string } {
  const findings = listFindings(decision);
  const counts = countFindings(findings);
  // The closing line is plain log text; it goes through escapeData too, so that nothing in it
  // (an environment name with a newline) can start a line that the runner reads as a command.
  const verdict = decision.allow ? 'ALLOW' : 'DENY';
  const headline = escapeData(
    replaceControls(`dfw: ${verdict} ${environmentOf(decision, options.request)} (${counts.deny} blocking, ${plural(counts.warn, 'warning')}, ${counts.waived} waived) decision ${decision.decision_id}`),
  );
  const lines = [...findings.map((f) => annotation(f, options.request)), headline];
  return { stdout: `${lines.join('\n')}\n`, summaryMarkdown: summary(decision, findings, options.request) };
}
