// `dfw decisions list | show`: the decision history, from a dfw server.
import { Command, Option } from 'commander';
import type { DecisionRecord, DecisionSummary, Page } from '../../store/index.js';
import { SEVERITIES } from '../../engine/types.js';
import { CliError } from '../exit-codes.js';
import { describeUsage } from '../help.js';
import { callServer, serverOptions, type ServerOptions } from '../server-client.js';

function rules(d: DecisionSummary): string {
  const ids = new Set(SEVERITIES.flatMap((s) => d.deny[s].map((v) => v.rule)));
  return [...ids].join(',') || '-';
}

const COLUMNS = ['TIME', 'VERDICT', 'DECISION', 'APPLICATION/ENVIRONMENT', 'BLOCKING RULES', 'VIA'] as const;

/** Rows padded to their widest cell, under a header, so the columns line up whatever the names. */
function table(items: DecisionSummary[]): string {
  const rows = items.map((d) => [d.time, d.allow ? 'ALLOW' : 'DENY', d.decision_id, `${d.application}/${d.environment}`, rules(d), `${d.via}${d.dry_run ? ' (dry run)' : ''}`]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  return [[...COLUMNS], ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatOption(): Option {
  return new Option('-f, --format <format>', 'output: table for people, json for scripts').choices(['table', 'json']).default('table');
}

export function decisionsCommand(): Command {
  const decisions = new Command('decisions').description('Read the decision log');
  const list = decisions
    .command('list')
    .description('List decisions, newest first, one page at a time (--limit, then --cursor from the last line)')
    .option('-a, --application <name>', 'only this application')
    .option('-e, --env <environment>', 'only this environment')
    .addOption(new Option('--allowed', 'only allowed deployments').conflicts('denied'))
    .option('--denied', 'only denied deployments')
    .option('-r, --rule <id>', 'only decisions where this rule was reported')
    .option('--from <time>', 'request time at or after (RFC 3339)')
    .option('--to <time>', 'request time before (RFC 3339)')
    .option('-n, --limit <n>', 'decisions per page (1-1000)', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .addOption(formatOption())
    .addOption(new Option('--json', 'same as --format json').hideHelp());
  for (const option of serverOptions()) list.addOption(option);
  list.action(async (o: ServerOptions & Record<string, string | boolean | undefined>) => {
    if (!/^\d+$/.test(String(o.limit)) || Number(o.limit) < 1) throw new CliError(`--limit "${o.limit}" is not a positive whole number`);
    const q = new URLSearchParams();
    if (o.application) q.set('application', String(o.application));
    if (o.env) q.set('environment', String(o.env));
    if (o.allowed) q.set('allow', 'true');
    if (o.denied) q.set('allow', 'false');
    for (const key of ['rule', 'from', 'to', 'limit', 'cursor']) if (o[key]) q.set(key, String(o[key]));
    const { body } = await callServer<Page<DecisionSummary>>(o, 'GET', `/v1/decisions?${q}`);
    if (o.json || o.format === 'json') return void process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    process.stdout.write(body.items.length ? `${table(body.items)}\n` : 'no decisions match\n');
    // stderr, so that piping the table to another tool keeps only rows.
    if (body.next_cursor) process.stderr.write(`more: add --cursor ${body.next_cursor}\n`);
  });
  describeUsage(list, [
    'dfw decisions list --server http://127.0.0.1:8787',
    'dfw decisions list --denied --env production --limit 20 --server https://dfw.example --token "$DFW_TOKEN"',
    'dfw decisions list --rule DFW-VULN-001 --format json --server https://dfw.example | jq -r \'.items[].decision_id\'',
  ]);
  const show = decisions.command('show').description('Show one decision in full (JSON)').argument('<id>', 'decision id');
  for (const option of serverOptions()) show.addOption(option);
  show.action(async (id: string, o: ServerOptions) => {
    const { body } = await callServer<DecisionRecord>(o, 'GET', `/v1/decisions/${encodeURIComponent(id)}`);
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  });
  describeUsage(show, ['dfw decisions show 01a222b3-1cb7-719f-99ac-cfd1db60630e --server http://127.0.0.1:8787'], '0 found, 2 error (404 for an unknown id)');
  return decisions;
}
