// `dfw waivers add | list | revoke`: time-bound exceptions, granted by an admin token.
import { Command, Option } from 'commander';
import type { Waiver } from '../../store/index.js';
import { CliError } from '../exit-codes.js';
import { describeUsage } from '../help.js';
import { callServer, serverOptions, type ServerOptions } from '../server-client.js';
import { formatOption } from './decisions.js';
import { suggestKey } from '../../config/suggest-key.js';

/** "30d", "12h" or an RFC 3339 time. */
export function expiryFrom(text: string, now = new Date()): string {
  const relative = /^(\d+)([dh])$/.exec(text);
  if (relative) return new Date(now.getTime() + Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  if (!Number.isNaN(Date.parse(text)) && /^\d{4}-\d{2}-\d{2}T/.test(text)) return text;
  throw new CliError(`--expires "${text}" is neither a duration like 30d or 12h nor an RFC 3339 time`);
}

/**
 * Refuses a waiver for a rule the server's bundle does not have (a typo would otherwise be
 * granted and waive nothing, while the deployment it was meant for stays blocked). The
 * catalog is the server's own GET /v1/rules; when the server will not give it, the waiver
 * is still granted, with a warning, since the server is what decides.
 */
async function checkRuleExists(o: ServerOptions, rule: string): Promise<void> {
  let catalog: { bundle?: { name?: string; revision?: string }; rules?: Array<{ id: string }> };
  try {
    ({ body: catalog } = await callServer<typeof catalog>(o, 'GET', '/v1/rules'));
  } catch (err) {
    process.stderr.write(`warning: rule ${rule} not checked against the server's rule catalog (${(err as Error).message})\n`);
    return;
  }
  const ids = (catalog.rules ?? []).map((r) => r.id);
  if (ids.includes(rule)) return;
  const bundle = catalog.bundle ? `bundle ${catalog.bundle.name ?? '?'} revision ${catalog.bundle.revision ?? '?'}` : 'its bundle';
  const suggestion = suggestKey(rule, { properties: Object.fromEntries(ids.map((id) => [id, {}])) });
  throw new CliError(`--rule ${rule}: no such rule in ${bundle} on ${o.server}${suggestion}; a waiver for it would waive nothing (add --allow-unknown-rule for a rule about to ship)`);
}

function line(w: Waiver): string {
  const state = w.revoked_at ? `revoked ${w.revoked_at} by ${w.revoked_by}` : `expires ${w.expires_at}`;
  return `${w.id}  ${w.rule}  ${w.application}/${w.environment}${w.artifact_digest ? ` @${w.artifact_digest.slice(0, 19)}` : ''}  ${state}  requested by ${w.requested_by}, approved by ${w.approved_by}: ${w.reason}\n`;
}

export function waiversCommand(): Command {
  const waivers = new Command('waivers').description('Grant, list and revoke waivers (admin token)');
  const add = waivers
    .command('add')
    .description('Grant a waiver; the approver is the admin token\'s name and must differ from --requested-by')
    .requiredOption('-r, --rule <id>', 'rule id, e.g. DFW-VULN-001')
    .requiredOption('-a, --application <name>', 'application')
    .requiredOption('-e, --env <environment>', 'environment, or * for all')
    .requiredOption('--reason <text>', 'why the exception is acceptable')
    .requiredOption('--requested-by <who>', 'who asked for it')
    .requiredOption('--expires <when>', 'duration (30d, 12h) or RFC 3339 time')
    .option('--digest <digest>', 'only for this artifact digest')
    .option('--ticket <id>', 'tracking ticket')
    .option('--allow-unknown-rule', "grant it even though the server's rule catalog has no such rule (a rule about to ship)")
    .addOption(formatOption());
  for (const option of serverOptions()) add.addOption(option);
  add.action(async (o: ServerOptions & Record<string, string> & { allowUnknownRule?: boolean }) => {
    if (!o.allowUnknownRule) await checkRuleExists(o, o.rule!);
    const body = {
      rule: o.rule, application: o.application, environment: o.env, reason: o.reason, requested_by: o.requestedBy,
      expires_at: expiryFrom(o.expires!),
      ...(o.digest ? { artifact_digest: o.digest } : {}),
      ...(o.ticket ? { ticket: o.ticket } : {}),
    };
    const { body: waiver } = await callServer<Waiver>(o, 'POST', '/v1/waivers', { json: body });
    process.stdout.write(o.format === 'json' ? `${JSON.stringify(waiver, null, 2)}\n` : `granted ${line(waiver)}`);
  });
  describeUsage(
    add,
    [
      'dfw waivers add --rule DFW-VULN-001 --application payments --env production --expires 14d \\\n' +
        '    --reason "no fixed musl yet; not reachable from the network" --requested-by alice --ticket SEC-123 --server https://dfw.example --token "$ADMIN_TOKEN"',
    ],
    '0 granted, 2 error (among them: a --rule the server\'s rule catalog does not have)',
  );
  const list = waivers
    .command('list')
    .description('List waivers (one per line: id, rule, application/environment, state, who and why)')
    .option('--all', 'include revoked ones (history)')
    .option('--active', 'only those in force now')
    .addOption(formatOption())
    .addOption(new Option('--json', 'same as --format json').hideHelp());
  for (const option of serverOptions()) list.addOption(option);
  list.action(async (o: ServerOptions & { all?: boolean; active?: boolean; json?: boolean; format: string }) => {
    const q = o.active ? '?active=true' : o.all ? '?all=true' : '';
    const { body } = await callServer<{ waivers: Waiver[] }>(o, 'GET', `/v1/waivers${q}`);
    if (o.json || o.format === 'json') return void process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    if (body.waivers.length === 0) process.stdout.write('no waivers\n');
    for (const w of body.waivers) process.stdout.write(line(w));
  });
  describeUsage(list, ['dfw waivers list --active --server http://127.0.0.1:8787', 'dfw waivers list --all --format json --server https://dfw.example | jq \'.waivers | length\'']);
  const revoke = waivers.command('revoke').description('Revoke a waiver (kept in history)').argument('<id>', 'waiver id').addOption(formatOption());
  for (const option of serverOptions()) revoke.addOption(option);
  revoke.action(async (id: string, o: ServerOptions & { format: string }) => {
    const { body } = await callServer<Waiver>(o, 'DELETE', `/v1/waivers/${encodeURIComponent(id)}`);
    process.stdout.write(o.format === 'json' ? `${JSON.stringify(body, null, 2)}\n` : `revoked ${line(body)}`);
  });
  describeUsage(revoke, ['dfw waivers revoke 01a2…  --server https://dfw.example --token "$ADMIN_TOKEN"']);
  return waivers;
}
