// Every command that verifies a bundle chooses the signature algorithm alike
// (src/cli/bundle-algorithm.ts): an ES256 bundle from `opa build --signing-alg ES256` (what
// `dfw policy build --signing-alg ES256` runs) verifies in dfw check, what-if and serve with
// its EC key and no further flag; an algorithm named that the key cannot use is refused
// saying which to use; a bundle signed by another key is still refused. Real opa, real CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBundle, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { runDfw, startDfw } from './helpers/cli.js';
import { opaPath, ROOT } from './helpers/opa.js';

interface Ctx {
  dir: string;
  /** Signed ES256 with ecKey. */
  ecBundle: string;
  ecPub: string;
  otherEcPub: string;
  /** Signed RS256 with the test-only RSA key. */
  rsaBundle: string;
}

const algorithm = suite<Ctx>('the bundle signature algorithm, chosen alike by every verifying command');
const request = join(ROOT, 'examples', 'compliant.allow.json');

function ecKeyPair(dir: string, name: string): { key: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = join(dir, `${name}.key.pem`);
  const pub = join(dir, `${name}.pub.pem`);
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { key, pub };
}

algorithm.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-bundle-alg-'));
  // The committed rules: rules being written beside this test must not change what it checks.
  const tar = spawnSync('git', ['archive', '--format=tar', 'HEAD', 'rego'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  spawnSync('tar', ['-x', '-C', ctx.dir], { input: tar.stdout });
  const source = join(ctx.dir, 'rego');
  const ec = ecKeyPair(ctx.dir, 'ec');
  ctx.ecPub = ec.pub;
  ctx.otherEcPub = ecKeyPair(ctx.dir, 'other').pub;
  ctx.ecBundle = join(ctx.dir, 'ec', 'firewall.tar.gz');
  mkdirSync(join(ctx.dir, 'ec'));
  execFileSync(opaPath(), ['build', '-t', 'wasm', '-e', 'firewall/decision', '--capabilities', join(ROOT, 'wasm/capabilities.json'), '--ignore', '*_test.rego', '--revision', 'ec-1', '--signing-key', ec.key, '--signing-alg', 'ES256', '-o', ctx.ecBundle, '--bundle', source], { stdio: ['ignore', 'ignore', 'pipe'] });
  ctx.rsaBundle = buildBundle({ revision: 'rsa-1', signingKey: SIGNING_KEY, source });
});

algorithm.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

function check(args: string[], env: Record<string, string> = {}) {
  return runDfw(['check', '--input', request, '--format', 'json', ...args], { env });
}

algorithm('dfw check verifies an ES256 bundle with its EC key, no flag needed; the RSA default is unchanged', ({ ecBundle, ecPub, rsaBundle }) => {
  const ec = check(['--bundle', ecBundle, '--bundle-key', ecPub]);
  assert.ok([0, 1].includes(ec.status), ec.stderr);
  assert.is((JSON.parse(ec.stdout) as { bundle: { revision: string } }).bundle.revision, 'ec-1');
  const explicit = check(['--bundle', ecBundle, '--bundle-key', ecPub, '--bundle-alg', 'ES256']);
  assert.ok([0, 1].includes(explicit.status), explicit.stderr);
  const rsa = check(['--bundle', rsaBundle, '--bundle-key', SIGNING_PUB]);
  assert.ok([0, 1].includes(rsa.status), rsa.stderr);
});

algorithm('a bundle signed by another key is refused as before: the key decides the algorithm, not the bundle', ({ ecBundle, otherEcPub, rsaBundle, ecPub }) => {
  const other = check(['--bundle', ecBundle, '--bundle-key', otherEcPub]);
  assert.is(other.status, 2);
  assert.match(other.stderr, /refused: .*signature/i);
  const rsaWithEc = check(['--bundle', rsaBundle, '--bundle-key', ecPub]);
  assert.is(rsaWithEc.status, 2);
  assert.match(rsaWithEc.stderr, /refused/);
});

algorithm('an algorithm named that the key cannot use is refused, naming where it came from and what to use', ({ ecBundle, ecPub }) => {
  const flag = check(['--bundle', ecBundle, '--bundle-key', ecPub, '--bundle-alg', 'RS256']);
  assert.is(flag.status, 2);
  assert.match(flag.stderr, `--bundle-alg RS256 cannot verify a bundle with ${ecPub}, an EC P-256 key: use ES256`);
  const fromEnv = check(['--bundle', ecBundle, '--bundle-key', ecPub], { DFW_BUNDLE_ALGORITHM: 'PS256' });
  assert.is(fromEnv.status, 2);
  assert.match(fromEnv.stderr, `DFW_BUNDLE_ALGORITHM PS256 cannot verify a bundle with ${ecPub}, an EC P-256 key: use ES256`);
  const unknown = check(['--bundle', ecBundle, '--bundle-key', ecPub, '--bundle-alg', 'ES999']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /argument 'ES999' is invalid\. Allowed choices are RS256, .*ES256/);
});

algorithm('dfw what-if and dfw serve verify the ES256 bundle as dfw check does', async ({ dir, ecBundle, ecPub }) => {
  const whatIf = runDfw(['what-if', '--bundle', ecBundle, '--bundle-key', ecPub, '--store', `sqlite:${join(dir, 'what-if.db')}`, '--format', 'json']);
  assert.is(whatIf.status, 0, whatIf.stderr);
  assert.is((JSON.parse(whatIf.stdout) as { candidate: { revision: string } }).candidate.revision, 'ec-1');
  const config = join(dir, 'serve.yaml');
  writeFileSync(config, `store: { url: "sqlite:${join(dir, 'serve.db')}" }\npublish: { dir: ${join(dir, 'published')} }\nlog: { level: info }\n`);
  const server = await startDfw(['--config', config, '--bundle', ecBundle, '--bundle-key', ecPub]);
  try {
    const rules = (await (await fetch(`${server.url}/v1/rules`)).json()) as { bundle: { revision: string } };
    assert.is(rules.bundle.revision, 'ec-1');
  } finally {
    await server.stop();
  }
});

algorithm('dfw check --bundle with a directory says so and what to give; a folder holding firewall.tar.gz is taken', ({ dir, ecBundle, ecPub }) => {
  const empty = join(dir, 'not-a-bundle');
  mkdirSync(empty);
  const r = check(['--bundle', empty]);
  assert.is(r.status, 2);
  assert.match(r.stderr, `${empty} is a directory, not a bundle, and holds neither dfw-policy.yaml nor firewall.tar.gz: give the bundle .tar.gz file`);
  assert.not.match(r.stderr, 'EISDIR');
  const folder = join(dir, 'release');
  mkdirSync(folder);
  cpSync(ecBundle, join(folder, 'firewall.tar.gz'));
  const taken = check(['--bundle', folder, '--bundle-key', ecPub]);
  assert.ok([0, 1].includes(taken.status), taken.stderr);
});

algorithm.run();
