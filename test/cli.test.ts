// The `dfw` command end to end: check (local and --server), serve, token, exit codes, and
// refusal of tampered or wrongly signed bundles.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256Hex } from '../src/shared/sha256.js';
import { buildBundle, OTHER_KEY, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { runDfw, startDfw } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';
import { fileName, tamperBundle } from './helpers/tamper.js';

interface Ctx {
  dir: string;
  unsigned: string;
  signed: string;
  otherSigned: string;
  wasmByte: string;
  dataEdited: string;
}

const cli = suite<Ctx>('cli');
const example = (name: string) => join(ROOT, 'examples', name);

cli.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-cli-'));
  ctx.unsigned = buildBundle({ revision: 'cli-test' });
  ctx.signed = buildBundle({ revision: 'cli-signed', signingKey: SIGNING_KEY });
  ctx.otherSigned = buildBundle({ revision: 'cli-other', signingKey: OTHER_KEY });
  const signedBytes = readFileSync(ctx.signed);
  ctx.wasmByte = await tamperBundle(signedBytes, join(ctx.dir, 'wasm-byte.tar.gz'), (files) => {
    const name = fileName(files, 'policy.wasm');
    const wasm = new Uint8Array(files.get(name)!);
    wasm[wasm.length - 10] ^= 0x01;
    files.set(name, wasm);
  });
  ctx.dataEdited = await tamperBundle(signedBytes, join(ctx.dir, 'data-edited.tar.gz'), (files) => {
    const name = fileName(files, 'data.json');
    const text = new TextDecoder().decode(files.get(name)!).replace('"blocking":["critical","high"]', '"blocking":[]');
    files.set(name, new TextEncoder().encode(text));
  });
});

cli('check exits 1 on a violating request and lists the denies under their severity', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'production', '--input', example('dfw-vuln-001-critical-cves.deny.json'), '--bundle', unsigned]);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /^DENY/);
  assert.match(r.stdout, /CRITICAL\s+DFW-VULN-001/);
  assert.match(r.stdout, 'CVE-2019-14697');
});

cli('check exits 0 on a compliant request', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--bundle', unsigned]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ALLOW/);
});

cli('--env decides the enforcement: the same request allowed in development', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'development', '--input', example('dfw-vuln-001-critical-cves.deny.json'), '--bundle', unsigned, '--format', 'json']);
  assert.is(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.is(d.environment, 'development');
  assert.is(d.warn.critical[0].rule, 'DFW-VULN-001');
});

cli('check reads standard input', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'production', '--bundle', unsigned, '--format', 'json'], { input: readFileSync(example('compliant.allow.json'), 'utf8') });
  assert.is(r.status, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).allow, true);
});

cli('malformed JSON exits 2 naming the position', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'production', '--bundle', unsigned], { input: '{\n  "application": "payments",\n}' });
  assert.is(r.status, 2);
  assert.match(r.stderr, 'not valid JSON');
  assert.match(r.stderr, /line 3, column 1/);
});

cli('an invalid request exits 2 naming the fields', ({ unsigned }) => {
  const r = runDfw(['check', '--env', 'production', '--bundle', unsigned], { input: '{"application": "payments"}' });
  assert.is(r.status, 2);
  assert.match(r.stderr, 'artifact is required');
});

cli('a missing bundle, an unknown flag and an unreachable server exit 2, never 0', () => {
  const missing = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--bundle', '/nonexistent/b.tar.gz']);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, 'cannot be read');
  assert.is(runDfw(['check', '--no-such-flag']).status, 2);
  const offline = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', 'http://127.0.0.1:9', '--timeout', '5']);
  assert.is(offline.status, 2);
  assert.match(offline.stderr, 'cannot be reached');
});

cli('a signed bundle is accepted with its key; tampered or foreign-signed ones are refused, each saying why', ({ signed, wasmByte, dataEdited, otherSigned, unsigned }) => {
  const args = (bundle: string) => ['check', '--env', 'production', '--input', example('compliant.allow.json'), '--bundle', bundle, '--bundle-key', SIGNING_PUB];
  assert.is(runDfw(args(signed)).status, 0);
  const byte = runDfw(args(wasmByte));
  assert.is(byte.status, 2);
  assert.match(byte.stderr, /policy\.wasm: digest mismatch/);
  const data = runDfw(args(dataEdited));
  assert.is(data.status, 2);
  assert.match(data.stderr, /data\.json: digest mismatch/);
  const other = runDfw(args(otherSigned));
  assert.is(other.status, 2);
  assert.match(other.stderr, /signature does not verify/);
  const none = runDfw(args(unsigned));
  assert.is(none.status, 2);
  assert.match(none.stderr, /unsigned bundle/);
});

cli('every subcommand has help listing its flags', () => {
  const check = runDfw(['check', '--help']);
  assert.is(check.status, 0);
  for (const flag of ['--env', '--input', '--bundle', '--server', '--format', '--token', '--bundle-key']) assert.match(check.stdout, flag);
  const serve = runDfw(['serve', '--help']);
  for (const flag of ['--config', '--host', '--port', '--bundle', '--bundle-key']) assert.match(serve.stdout, flag);
  assert.match(runDfw(['token', 'create', '--help']).stdout, '--role');
});

cli('token create prints a token once and the config line holding its hash', async () => {
  const r = runDfw(['token', 'create', 'spinnaker', '--role', 'check']);
  assert.is(r.status, 0, r.stderr);
  const token = /^\s+(dfw_\S+)$/m.exec(r.stdout)![1]!;
  assert.match(r.stdout, `sha256: ${await sha256Hex(token)}`);
  assert.match(r.stdout, 'roles: [check]');
});

cli('serve answers checks from `dfw check --server`, with tokens, and stops gracefully', async ({ dir, unsigned }) => {
  const configFile = join(dir, 'dfw.yaml');
  writeFileSync(configFile, `bundle:\n  path: ${unsigned}\ntokens:\n  - { name: spinnaker, sha256: ${await sha256Hex('s3cret')}, roles: [check] }\n`);
  const server = await startDfw(['--config', configFile]);
  try {
    assert.is((await fetch(`${server.url}/healthz`)).status, 200);
    const denied = runDfw(['check', '--env', 'production', '--input', example('dfw-git-001-branch-protection.deny.json'), '--server', server.url, '--token', 's3cret']);
    assert.is(denied.status, 1, denied.stderr);
    assert.match(denied.stdout, 'DFW-GIT-001');
    const unauthorized = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', server.url]);
    assert.is(unauthorized.status, 2);
    assert.match(unauthorized.stderr, '401');
    const viaEnv = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', server.url], { env: { DFW_TOKEN: 's3cret' } });
    assert.is(viaEnv.status, 0, viaEnv.stderr);
    // Reports from --server list every rule of the server's catalog, the passing ones too.
    const junit = runDfw(['check', '--env', 'production', '--input', example('compliant.allow.json'), '--server', server.url, '--token', 's3cret', '--format', 'junit']);
    assert.is(junit.status, 0, junit.stderr);
    const catalog = (await (await fetch(`${server.url}/v1/rules`, { headers: { authorization: 'Bearer s3cret' } })).json()) as { rules: unknown[] };
    assert.ok(catalog.rules.length >= 30, `the server's catalog has ${catalog.rules.length} rules`);
    assert.is((junit.stdout.match(/<testcase /g) ?? []).length, catalog.rules.length);
    // A request in flight when SIGTERM arrives still gets its answer.
    const inflight = fetch(`${server.url}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
      body: readFileSync(example('compliant.allow.json')),
    });
    await new Promise((r) => setTimeout(r, 5));
    const exit = server.stop('SIGTERM');
    const answer = await inflight;
    assert.is(answer.status, 200);
    assert.is((await exit), 0);
    assert.ok(server.logs.some((l) => l.includes('"msg":"stopped"')));
  } finally {
    await server.stop('SIGKILL');
  }
});

cli('serve refuses to bind beyond loopback without tokens', async ({ unsigned }) => {
  const err = await startDfw(['--bundle', unsigned, '--host', '0.0.0.0']).then(
    async (s) => {
      await s.stop('SIGKILL');
      return undefined;
    },
    (e: Error) => e,
  );
  assert.ok(err, 'dfw serve should not have started');
  assert.match(err!.message, 'refusing to listen on 0.0.0.0 without API tokens');
});

cli('serve refuses a tampered bundle at startup, naming what failed', async ({ wasmByte }) => {
  const err = await startDfw(['--bundle', wasmByte, '--bundle-key', SIGNING_PUB]).then(
    async (s) => {
      await s.stop('SIGKILL');
      return undefined;
    },
    (e: Error) => e,
  );
  assert.ok(err);
  assert.match(err!.message, /policy\.wasm: digest mismatch/);
});

cli('an unknown key in dfw.yaml stops startup with the file, the key and the reason', async ({ dir }) => {
  const configFile = join(dir, 'typo.yaml');
  writeFileSync(configFile, 'server:\n  prot: 9999\nbundle:\n  max_memory_mb: 99999\n');
  const r = runDfw(['serve', '--config', configFile]);
  assert.is(r.status, 2);
  assert.match(r.stderr, `${configFile}: unknown key "server.prot"`);
  assert.match(r.stderr, 'bundle.max_memory_mb');
});

cli('environment variables override the file', async ({ unsigned }) => {
  const server = await startDfw([], { DFW_BUNDLE_PATH: unsigned, DFW_LOG_LEVEL: 'debug' });
  try {
    const res = await fetch(`${server.url}/readyz`);
    assert.is(((await res.json()) as { revision: string }).revision, 'cli-test');
  } finally {
    await server.stop();
  }
});

cli.run();
