// `dfw decisions list | show`: the decision history, from a dfw server.
import { Command, Option } from 'commander';
import type { DecisionRecord, DecisionSummary, Page } from '../../store/index.js';
import { SEVERITIES } from '../../engine/index.js';
import { callServer, serverOptions, type ServerOptions } from '../server-client.js';

function rules(d: DecisionSummary): string {
  const ids = new Set(SEVERITIES.flatMap((s) => d.deny[s].map((v) => v.rule)));
  return [...ids].join(',') || '-';
}

export function decisionsCommand(): Command {
  const decisions = new Command('decisions').description('Read the decision log');
  const list = decisions
    .command('list')
    .description('List decisions, newest first')
    .option('-a, --application <name>', 'only this application')
    .option('-e, --env <environment>', 'only this environment')
    .addOption(new Option('--allowed', 'only allowed deployments').conflicts('denied'))
    .option('--denied', 'only denied deployments')
    .option('-r, --rule <id>', 'only decisions where this rule was reported')
    .option('--from <time>', 'request time at or after (RFC 3339)')
    .option('--to <time>', 'request time before (RFC 3339)')
    .option('-n, --limit <n>', 'how many', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--json', 'print the page as JSON');
  for (const option of serverOptions()) list.addOption(option);
  list.action(async (o: ServerOptions & Record<string, string | boolean | undefined>) => {
    const q = new URLSearchParams();
    if (o.application) q.set('application', String(o.application));
    if (o.env) q.set('environment', String(o.env));
    if (o.allowed) q.set('allow', 'true');
    if (o.denied) q.set('allow', 'false');
    for (const key of ['rule', 'from', 'to', 'limit', 'cursor']) if (o[key]) q.set(key, String(o[key]));
    const { body } = await callServer<Page<DecisionSummary>>(o, 'GET', `/v1/decisions?${q}`);
    if (o.json) return void process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    for (const d of body.items) {
      process.stdout.write(`${d.time}  ${d.allow ? 'ALLOW' : 'DENY '}  ${d.decision_id}  ${d.application}/${d.environment}  ${rules(d)}  ${d.via}${d.dry_run ? ' (dry run)' : ''}\n`);
    }
    if (body.next_cursor) process.stdout.write(`more: --cursor ${body.next_cursor}\n`);
  });
  const show = decisions.command('show').description('Show one decision in full (JSON)').argument('<id>', 'decision id');
  for (const option of serverOptions()) show.addOption(option);
  show.action(async (id: string, o: ServerOptions) => {
    const { body } = await callServer<DecisionRecord>(o, 'GET', `/v1/decisions/${encodeURIComponent(id)}`);
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  });
  return decisions;
}
