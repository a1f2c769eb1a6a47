// `dfw token create`: a new API token, printed once, and the config line that stores
// only its SHA-256.
import { Command, Option } from 'commander';
import { ROLES } from '../../api/auth.js';
import { sha256Hex } from '../../shared/sha256.js';
import { describeUsage } from '../help.js';

export function tokenCommand(): Command {
  const token = new Command('token').description('Manage API tokens');
  const create = token
    .command('create')
    .description('Create an API token; prints it once and the dfw.yaml entry that holds its hash')
    .argument('<name>', 'who the token is for, e.g. spinnaker or ci-payments')
    .addOption(new Option('-r, --role <role...>', 'roles: check (CD tools), evidence (CI), admin (waivers, bundles), viewer (reads the web console)').choices([...ROLES]).makeOptionMandatory())
    .action(async (name: string, options: { role: string[] }) => {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      const secret = `dfw_${Buffer.from(bytes).toString('base64url')}`;
      const hash = await sha256Hex(secret);
      process.stdout.write(
        `token (shown once; store it in the caller's secret store):\n  ${secret}\n\n` +
          `add to dfw.yaml under tokens:\n  - { name: ${JSON.stringify(name)}, sha256: ${hash}, roles: [${options.role.join(', ')}] }\n`,
      );
    });
  describeUsage(create, ['dfw token create spinnaker --role check', 'dfw token create release-pipeline --role admin', 'dfw token create ci-payments --role evidence check']);
  return token;
}
