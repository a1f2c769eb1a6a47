// `dfw bundle publish|rollback`: put a signed bundle on a dfw bundle server, or make an
// earlier kept revision active again. Exit 0 when the server did it, 2 otherwise.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CliError } from '../exit-codes.js';
import { describeUsage } from '../help.js';
import { secondsOption } from '../number-option.js';
import { httpUrl } from '../url-option.js';

interface ServerOptions {
  server: string;
  token?: string;
  name: string;
  timeout: number;
}

interface Published {
  name: string;
  revision: string;
  digest: string;
  policy_activated: boolean;
  kept: Array<{ revision: string }>;
  previous?: string | null;
}

function serverOptions(command: Command): Command {
  return command
    .addOption(new Option('-s, --server <url>', 'the dfw bundle server, http:// or https://').env('DFW_SERVER').argParser(httpUrl).makeOptionMandatory())
    .addOption(new Option('-t, --token <token>', 'API token with the admin role').env('DFW_TOKEN'))
    .addOption(new Option('-n, --name <name>', 'bundle name (firewall-rego for the Rego-target bundle OPA agents pull)').default('firewall'))
    .addOption(new Option('--timeout <seconds>', 'give up after this long').argParser(secondsOption).default(60));
}

async function callServer(options: ServerOptions, path: string, init: RequestInit): Promise<Published> {
  const url = new URL(path, options.server.endsWith('/') ? options.server : `${options.server}/`);
  const token = options.token ?? process.env.DFW_TOKEN;
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(options.timeout * 1000),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`dfw server ${options.server} cannot be reached: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`dfw server answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new CliError(`dfw server answered ${response.status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? text}`);
  }
  return body as Published;
}

function describe(result: Published): string {
  const kept = result.kept.map((r) => r.revision).join(', ');
  const own = result.policy_activated ? '; the server now decides with it' : '';
  return `${result.name} revision ${result.revision} (sha256 ${result.digest}) is active${own}\nkept: ${kept}\n`;
}

export function bundleCommand(): Command {
  const bundle = new Command('bundle').description('Publish signed bundles to a dfw bundle server, or roll back');
  const publish = serverOptions(
    bundle
      .command('publish')
      .description('Upload a signed bundle .tar.gz; the server verifies it, keeps it and makes it active')
      .argument('<file>', 'bundle .tar.gz (make bundle SIGNING_KEY=… writes bundles/firewall.tar.gz and firewall-rego.tar.gz)'),
  ).action(async (file: string, options: ServerOptions) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new CliError(`bundle ${file} cannot be read: ${(err as Error).message}`);
    }
    const result = await callServer(options, `v1/bundles/${encodeURIComponent(options.name)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/gzip' },
      body: new Uint8Array(bytes),
    });
    process.stdout.write(`published ${describe(result)}`);
  });
  describeUsage(publish, [
    'make bundle SIGNING_KEY=release.key.pem && dfw bundle publish bundles/firewall.tar.gz --server http://127.0.0.1:8787 --token "$ADMIN_TOKEN"',
    'dfw bundle publish bundles/firewall-rego.tar.gz --name firewall-rego --server https://dfw.example',
  ]);
  const rollback = serverOptions(
    bundle
      .command('rollback')
      .description('Make the revision before the active one active again (or the one given)')
      .addOption(new Option('-r, --revision <revision>', 'activate this kept revision instead')),
  ).action(async (options: ServerOptions & { revision?: string }) => {
    const result = await callServer(options, `v1/bundles/${encodeURIComponent(options.name)}/rollback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(options.revision ? { revision: options.revision } : {}),
    });
    process.stdout.write(`rolled back from ${result.previous ?? '(none)'}: ${describe(result)}`);
  });
  describeUsage(rollback, ['dfw bundle rollback --server https://dfw.example', 'dfw bundle rollback --revision v1.4.0 --server https://dfw.example']);
  return bundle;
}
