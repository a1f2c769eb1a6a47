// What a newcomer meets on the command line (issue 19): a check that would wait silently on
// a terminal, an environment name with a typo, YAML requests, URLs without a scheme, --help
// that names every option, exit code and environment variable, listings a script can parse,
// a bundle server's first start with a key, and replay with the revision that decided.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import { ENV_OVERRIDES } from '../src/config/env-overrides.js';
import { createProgram } from '../src/cli/main.js';
import { buildBundle, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { DFW, runDfw, startDfw, type ServerProcess } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';
import type { Command } from 'commander';

interface Ctx {
  dir: string;
  unsigned: string;
  signedOld: string;
  signedNew: string;
}

const cli = suite<Ctx>('cli-newcomer');
const example = (name: string) => join(ROOT, 'examples', name);
const compliant = () => JSON.parse(readFileSync(example('compliant.allow.json'), 'utf8')) as Record<string, unknown>;

/**
 * The committed rules (git HEAD), not the work tree: these tests are about the CLI, and
 * rules being written beside them must not change whether examples/compliant.allow.json allows.
 */
function committedRego(dir: string): string {
  const tar = spawnSync('git', ['archive', '--format=tar', 'HEAD', 'rego'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
  return join(dir, 'rego');
}

cli.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-newcomer-'));
  const source = committedRego(ctx.dir);
  ctx.unsigned = buildBundle({ revision: 'newcomer-unsigned', source });
  ctx.signedOld = buildBundle({ revision: 'newcomer-r1', signingKey: SIGNING_KEY, source });
  ctx.signedNew = buildBundle({ revision: 'newcomer-r2', signingKey: SIGNING_KEY, source });
});

function runDfwAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DFW, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

async function withServer<T>(args: string[], body: (s: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startDfw(args);
  try {
    return await body(server);
  } finally {
    await server.stop('SIGKILL');
  }
}

cli('check without --input on a terminal says what is missing instead of waiting (exit 2)', ({ unsigned }) => {
  // `script` gives the command a pseudo-terminal as standard input, as an interactive shell does.
  const command = `${process.execPath} ${DFW} check --env production --bundle ${unsigned}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.is(r.signal, null, 'dfw check waited on the terminal until it was killed');
  assert.is(r.status, 2, r.stdout);
  assert.match(r.stdout, 'no check request: give --input <file>');
});

cli('an environment the bundle does not configure is named in the output and in the decision', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'prodution', '--input', example('compliant.allow.json'), '--bundle', unsigned, '--format', 'json']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, 'warning: environment "prodution" is not configured in the bundle; enforced as production');
  const decision = JSON.parse(r.stdout);
  assert.equal(decision.warnings, ['environment "prodution" is not configured in the bundle; enforced as production']);
  const configured = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--bundle', unsigned, '--format', 'json']);
  assert.is(JSON.parse(configured.stdout).warnings, undefined);
  assert.not.match(configured.stderr, 'warning');
});

cli('unknown request fields are named as warnings; --strict refuses them and unconfigured environments (exit 2)', ({ unsigned }) => {
  const request = JSON.stringify({ ...compliant(), enviroment: 'staging' });
  const r = runDfw(['check', '--env', 'production', '--bundle', unsigned, '--format', 'json'], { input: request });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, 'unknown field "enviroment"');
  assert.ok(JSON.parse(r.stdout).warnings.some((w: string) => w.includes('"enviroment"')));
  const strict = runDfw(['check', '--env', 'prodution', '--bundle', unsigned, '--strict'], { input: request });
  assert.is(strict.status, 2);
  assert.match(strict.stderr, 'environment "prodution" is not configured in the bundle');
  assert.match(strict.stderr, 'enviroment is not a check request field');
});

cli('environments.strict in dfw.yaml refuses an unconfigured environment with 400 (exit 2 from check --server)', async ({ dir, unsigned }) => {
  const config = join(dir, 'strict.yaml');
  writeFileSync(config, `bundle: { path: ${unsigned} }\nstore: { url: "sqlite:${join(dir, 'strict.db')}" }\npublish: { dir: ${join(dir, 'strict-publish')} }\nenvironments: { strict: true }\n`);
  await withServer(['--config', config], async (server) => {
    const answer = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...compliant(), environment: 'prodution' }) });
    assert.is(answer.status, 400);
    const body = (await answer.json()) as { error: { code: string; fields: Array<{ field: string }> } };
    assert.is(body.error.code, 'request_not_strict');
    assert.equal(body.error.fields.map((f) => f.field), ['environment']);
    const r = runDfw(['check', '--env', 'prodution', '--input', example('compliant.allow.json'), '--server', server.url]);
    assert.is(r.status, 2);
    assert.match(r.stderr, '400');
    const ok = runDfw(['check', '--env', 'staging', '--input', example('compliant.allow.json'), '--server', server.url]);
    assert.is(ok.status, 0, ok.stderr);
  });
});

cli('a YAML check request is accepted from a file and from standard input', ({ dir, unsigned }) => {
  const file = join(dir, 'request.yaml');
  writeFileSync(file, yaml.dump(compliant()));
  const r = runDfw(['check', '--env', 'production', '--input', file, '--bundle', unsigned, '--format', 'json']);
  assert.is(r.status, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).allow, true);
  const piped = runDfw(['check', '--env', 'production', '--bundle', unsigned], { input: yaml.dump(compliant()) });
  assert.is(piped.status, 0, piped.stderr);
  const broken = runDfw(['check', '--env', 'production', '--bundle', unsigned], { input: 'application: [payments\n' });
  assert.is(broken.status, 2);
  assert.match(broken.stderr, 'neither valid JSON nor valid YAML');
});

cli('a URL option without http:// names the option, the value and what was expected', () => {
  const cases: string[][] = [
    ['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', '127.0.0.1:8787'],
    ['decisions', 'list', '--server', '127.0.0.1:8787'],
    ['waivers', 'list', '--server', 'dfw.example'],
    ['bundle', 'rollback', '--server', 'localhost:8787'],
    ['serve', '--bundle-url', 'dfw.example/v1/bundles/firewall', '--bundle-key', SIGNING_PUB],
  ];
  for (const args of cases) {
    const r = runDfw(args);
    const value = args[args.indexOf(args.find((a) => a === '--server' || a === '--bundle-url')!) + 1]!;
    assert.is(r.status, 2, args.join(' '));
    assert.match(r.stderr, /option '(-s, --server|--bundle-url) <url>'/, args.join(' '));
    assert.match(r.stderr, `"${value}" is not an http:// or https:// URL`);
    assert.not.match(r.stderr, 'dfw: Invalid URL');
  }
  const env = runDfw(['decisions', 'list'], { env: { DFW_SERVER: '127.0.0.1:9' } });
  assert.is(env.status, 2);
  assert.match(env.stderr, '"127.0.0.1:9" is not an http:// or https:// URL (did you mean http://127.0.0.1:9?)');
});

/** Every command that does something (no subcommands of its own), as its words: ['waivers', 'add']. */
function leafCommands(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((c) => leafCommands(c, [...path, c.name()]));
}

/** `dfw <words> --help` as the user sees it, run in this process (spawning twenty CLIs is slow on a shared machine). */
async function helpOf(words: string[]): Promise<string> {
  const program = createProgram();
  let out = '';
  const capture = (c: Command): void => {
    c.configureOutput({ writeOut: (text) => void (out += text), writeErr: (text) => void (out += text) });
    c.commands.forEach(capture);
  };
  capture(program);
  await program.parseAsync(['node', 'dfw', ...words, '--help']).catch((err: { exitCode?: number }) => {
    if (err.exitCode !== 0) throw err;
  });
  return out;
}

cli('every command\'s --help has examples and exit codes, and marks required options', async () => {
  const leaves = leafCommands(createProgram());
  assert.ok(leaves.length >= 14, `only ${leaves.length} commands`);
  for (const words of leaves) {
    const help = await helpOf(words);
    assert.match(help, /\nExamples:\n {2}\S/, `dfw ${words.join(' ')} --help has no examples`);
    assert.match(help, /\nExit codes: 0 /, `dfw ${words.join(' ')} --help has no exit codes`);
  }
  const add = await helpOf(['waivers', 'add']);
  for (const flag of ['--rule', '--application', '--reason', '--expires', '--server']) assert.match(add, new RegExp(`${flag} [^\\n]*(\\n {20,}[^\\n]*)*\\(required\\)`), flag);
  assert.match(await helpOf(['check']), 'Exit codes: 0 allow, 1 deny, 2 error');
});

cli('serve --help lists every environment variable that overrides dfw.yaml, replay and what-if those of the sections they read', async () => {
  for (const command of ['replay', 'what-if']) {
    const other = await helpOf([command]);
    for (const [name, { key }] of Object.entries(ENV_OVERRIDES)) {
      // Only the sections these commands read: the store and the bundle, not the listener.
      if (/^(store|bundle)\./.test(key)) assert.match(other, new RegExp(`${name}\\s+${key.replace('.', '\\.')}`), `${command}: ${name}`);
      else assert.not.match(other, name, `${command} does not read ${key}`);
    }
  }
  const help = await helpOf(['serve']);
  for (const [name, { key }] of Object.entries(ENV_OVERRIDES)) assert.match(help, new RegExp(`${name}\\s+${key.replace('.', '\\.')}`), name);
  for (const name of ['DFW_STORE_URL', 'DFW_MAX_BODY_BYTES', 'DFW_BUNDLE_KEY_ID', 'DFW_CONFIG', 'DFW_BUNDLE_TOKEN']) assert.match(help, name);
});

cli('output piped into a reader that stops early (| head) neither crashes nor changes the exit code', ({ unsigned }) => {
  // `| true` closes the pipe before dfw writes anything: every write meets EPIPE, as the tail
  // of a long listing does behind `| head`.
  const help = spawnSync('bash', ['-o', 'pipefail', '-c', `${process.execPath} ${DFW} serve --help | true`], { cwd: ROOT, encoding: 'utf8' });
  assert.is(help.status, 0, help.stderr);
  assert.not.match(help.stderr, 'EPIPE');
  const deny = spawnSync('bash', ['-c', `${process.execPath} ${DFW} check --env production --bundle ${unsigned} --format json --input ${example('dfw-vuln-001-critical-cves.deny.json')} | true; exit \${PIPESTATUS[0]}`], { cwd: ROOT, encoding: 'utf8' });
  assert.is(deny.status, 1, deny.stderr);
  assert.not.match(deny.stderr, 'EPIPE');
});

cli('a misspelled command or dfw.yaml key gets a "did you mean"', ({ dir }) => {
  const command = runDfw(['chek']);
  assert.is(command.status, 2);
  assert.match(command.stderr, '(Did you mean check?)');
  const config = join(dir, 'typo.yaml');
  writeFileSync(config, 'server:\n  prot: 9999\nstore:\n  retention_dyas: 30\nenviroments: { strict: true }\n');
  const r = runDfw(['serve', '--config', config]);
  assert.is(r.status, 2);
  assert.match(r.stderr, 'unknown key "server.prot" (did you mean "port"?)');
  assert.match(r.stderr, 'unknown key "store.retention_dyas" (did you mean "retention_days"?)');
  assert.match(r.stderr, 'unknown key "enviroments" (did you mean "environments"?)');
});

cli('decisions list prints a header, pages with --limit, and --format json for scripts', async ({ dir, unsigned }) => {
  const config = join(dir, 'list.yaml');
  writeFileSync(config, `bundle: { path: ${unsigned} }\nstore: { url: "sqlite:${join(dir, 'list.db')}" }\npublish: { dir: ${join(dir, 'list-publish')} }\n`);
  await withServer(['--config', config], async (server) => {
    for (const name of ['compliant.allow.json', 'dfw-vuln-001-critical-cves.deny.json', 'compliant.allow.json']) {
      assert.ok([0, 1].includes(runDfw(['check', '--env', 'production', '--input', example(name), '--server', server.url]).status));
    }
    const table = runDfw(['decisions', 'list', '--server', server.url, '--limit', '2']);
    assert.is(table.status, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^TIME\s+VERDICT\s+DECISION\s+APPLICATION\/ENVIRONMENT\s+BLOCKING RULES\s+VIA$/);
    assert.is(lines.length, 3, table.stdout);
    assert.match(table.stderr, /more: add --cursor \S+/);
    const json = runDfw(['decisions', 'list', '--server', server.url, '--format', 'json', '--denied']);
    const page = JSON.parse(json.stdout);
    assert.is(page.items.length, 1);
    assert.is(page.items[0].allow, false);
    const bad = runDfw(['decisions', 'list', '--server', server.url, '--limit', 'ten']);
    assert.is(bad.status, 2);
    assert.match(bad.stderr, '--limit "ten"');
    const waivers = runDfw(['waivers', 'list', '--server', server.url, '--format', 'json']);
    assert.equal(JSON.parse(waivers.stdout).waivers, []);
  });
});

cli('a bundle server with bundle.public_key and nothing published starts, answers 503 saying what to do, then decides after the first publish', async ({ dir, unsigned, signedOld }) => {
  const config = join(dir, 'central.yaml');
  // The default bundle.path is the unsigned bundle `make bundle` writes.
  writeFileSync(config, `bundle: { path: ${unsigned}, public_key: ${SIGNING_PUB} }\nstore: { url: "sqlite:${join(dir, 'central.db')}" }\npublish: { dir: ${join(dir, 'central-publish')} }\n`);
  await withServer(['--config', config], async (server) => {
    assert.is((await fetch(`${server.url}/readyz`)).status, 503);
    const refused = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(compliant()) });
    assert.is(refused.status, 503);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    assert.is(error.code, 'no_bundle');
    assert.match(error.message, 'dfw bundle publish');
    // Asynchronously, so that the client's keep-alive timers run meanwhile (a blocking spawn
    // would hand the next fetch a connection the server has since closed).
    const published = await runDfwAsync(['bundle', 'publish', signedOld, '--server', server.url]);
    assert.is(published.status, 0, published.stderr);
    assert.is((await fetch(`${server.url}/readyz`)).status, 200);
    assert.is(runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', server.url]).status, 0);
  });
});

cli('replay without --bundle uses the revision logged with the decision, says so, and fails clearly when it is gone', async ({ dir, unsigned, signedOld, signedNew }) => {
  const publishDir = join(dir, 'replay-publish');
  const config = join(dir, 'replay.yaml');
  writeFileSync(config, `bundle: { path: ${unsigned}, public_key: ${SIGNING_PUB} }\nstore: { url: "sqlite:${join(dir, 'replay.db')}" }\npublish: { dir: ${publishDir}, keep: 1 }\n`);
  let firstId = '';
  await withServer(['--config', config], async (server) => {
    assert.is(runDfw(['bundle', 'publish', signedOld, '--server', server.url]).status, 0);
    const r = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', server.url, '--format', 'json']);
    firstId = JSON.parse(r.stdout).decision_id;
    assert.is(JSON.parse(r.stdout).bundle.revision, 'newcomer-r1');
  });
  const replayed = runDfw(['replay', firstId, '--config', config]);
  assert.is(replayed.status, 0, replayed.stderr);
  assert.match(replayed.stdout, `replayed with revision newcomer-r1 from publish.dir ${publishDir}`);
  // keep: 1, so publishing r2 drops r1: it is no longer anywhere this dfw keeps bundles.
  await withServer(['--config', config], async (server) => {
    assert.is(runDfw(['bundle', 'publish', signedNew, '--server', server.url]).status, 0);
  });
  const gone = runDfw(['replay', firstId, '--config', config]);
  assert.is(gone.status, 2);
  assert.match(gone.stderr, 'revision newcomer-r1 of bundle "firewall", which made this decision, is not available here');
  assert.match(gone.stderr, 'keeps newcomer-r2');
  const explicit = runDfw(['replay', firstId, '--config', config, '--bundle', signedOld]);
  assert.is(explicit.status, 0, explicit.stderr);
  assert.match(explicit.stdout, `from --bundle ${signedOld}`);
});

cli.run();
