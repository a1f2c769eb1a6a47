// `dfw policy test` output: a table for people, JSON for programs, JUnit XML for CI test
// reports (one testcase per step and per example, failures with OPA's own words).
import type { StepResult, TestReport } from './test-runner.js';

export const TEST_FORMATS = ['table', 'json', 'junit'] as const;
export type TestFormat = (typeof TEST_FORMATS)[number];

const MARK: Record<StepResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
}

function table(report: TestReport): string {
  const width = Math.min(48, Math.max(...report.steps.map((s) => s.name.length)));
  const lines = [`dfw policy test — team ${report.team}, built-in pack ${report.builtin_version}`, ''];
  for (const s of report.steps) {
    lines.push(`  ${MARK[s.status]}  ${s.name.padEnd(width)}  ${s.summary}`);
    if (s.details && s.status === 'fail') lines.push(indent(s.details));
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`);
  return `${lines.join('\n')}\n`;
}

function xml(text: string): string {
  // XML 1.0 cannot carry most control characters at all, so they are dropped.
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function junit(report: TestReport): string {
  const cases = report.steps.map((s) => {
    const open = `    <testcase classname="dfw.policy.${xml(report.team)}" name="${xml(s.name)}">`;
    if (s.status === 'pass') return `${open}</testcase>`;
    if (s.status === 'skip') return `${open}<skipped message="${xml(s.summary)}"/></testcase>`;
    return `${open}\n      <failure message="${xml(s.summary)}">${xml(s.details ?? s.summary)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dfw policy test" tests="${report.steps.length}" failures="${report.failed}" skipped="${report.skipped}">`,
    `  <testsuite name="${xml(report.team)}" tests="${report.steps.length}" failures="${report.failed}" skipped="${report.skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function formatTestReport(report: TestReport, format: TestFormat): string {
  if (format === 'json') return `${JSON.stringify({ ok: report.failed === 0, ...report }, null, 2)}\n`;
  if (format === 'junit') return junit(report);
  return table(report);
}
