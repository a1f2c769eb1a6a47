// `dfw policy test` verifies the signatures an example carries with the policy repository's
// own keys (dfw-policy.yaml `signatures`) and trusts them by its own trust policy
// (enforcement.yaml `trust`), end to end with real parts: a repository from `dfw policy
// init`, a fresh key from `cosign generate-key-pair`, the example's image signature re-signed
// with `cosign sign-blob` and its provenance with `cosign attest-blob --new-bundle-format`
// (a Sigstore bundle, which only the Node verifier reads), the real opa.
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDfw } from './helpers/cli.js';
import { opaPath } from './helpers/opa.js';
import { cosign, generateCosignKey } from './helpers/supply-chain.js';

interface Ctx {
  dir: string;
  repo: string;
  key: { key: string; pub: string };
}

const flow = suite<Ctx>('policy test: the repository\'s own signature keys and trust policy');

function dfw(ctx: Ctx, args: string[]) {
  return runDfw(args, { cwd: ctx.repo, env: { DFW_OPA: opaPath() } });
}

function fingerprint(pubFile: string): string {
  return `sha256:${createHash('sha256').update(createPublicKey(readFileSync(pubFile, 'utf8')).export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

flow.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-policy-sig-'));
  ctx.repo = join(ctx.dir, 'acme-policy');
  const init = runDfw(['policy', 'init', 'acme-policy', '--team', 'acme'], { cwd: ctx.dir });
  assert.is(init.status, 0, init.stderr);
  ctx.key = generateCosignKey();
  // Every example's image signature and provenance, re-signed with the team's fresh key.
  const first = JSON.parse(readFileSync(join(ctx.repo, 'examples', 'approved-deployer.json'), 'utf8'));
  const evidence = first.request.evidence;
  writeFileSync(join(ctx.dir, 'payload.json'), Buffer.from(evidence.signatures[0].payload, 'base64'));
  writeFileSync(join(ctx.dir, 'statement.json'), Buffer.from(evidence.attestations[0].payload, 'base64'));
  cosign(['sign-blob', '--key', ctx.key.key, '--tlog-upload=false', '--output-signature', join(ctx.dir, 'sig.txt'), join(ctx.dir, 'payload.json')]);
  cosign(['attest-blob', '--key', ctx.key.key, '--tlog-upload=false', '--new-bundle-format', '--statement', join(ctx.dir, 'statement.json'), '--bundle', join(ctx.dir, 'att.bundle.json')]);
  const signature = readFileSync(join(ctx.dir, 'sig.txt'), 'utf8').trim();
  const bundle = JSON.parse(readFileSync(join(ctx.dir, 'att.bundle.json'), 'utf8'));
  assert.is(bundle.verificationMaterial.publicKey?.hint !== undefined, true, 'a key-based Sigstore bundle');
  for (const file of readdirSync(join(ctx.repo, 'examples'))) {
    const path = join(ctx.repo, 'examples', file);
    const example = JSON.parse(readFileSync(path, 'utf8'));
    example.request.evidence.signatures = [{ payload: evidence.signatures[0].payload, signature }];
    example.request.evidence.attestations = [bundle];
    writeFileSync(path, `${JSON.stringify(example, null, 2)}\n`);
  }
  // The trust policy: the team's key signs images and provenance for registry.example.com/,
  // and is the identity of the builder the provenance names (DFW-PROV-001 credits a builder's
  // level only to the identities its entry lists).
  const builder = JSON.parse(Buffer.from(evidence.attestations[0].payload, 'base64').toString('utf8')).predicate.runDetails.builder.id as string;
  const enforcement = readFileSync(join(ctx.repo, 'enforcement.yaml'), 'utf8');
  writeFileSync(
    join(ctx.repo, 'enforcement.yaml'),
    `${enforcement}trust:\n  signers:\n    - name: acme-release\n      key: ${fingerprint(ctx.key.pub)}\n      images: [registry.example.com/]\n` +
      `  builders:\n    - id: ${builder}\n      level: 3\n      identities: [{ key: "${fingerprint(ctx.key.pub)}" }]\n`,
  );
  writeFileSync(join(ctx.repo, 'keys.pub'), readFileSync(ctx.key.pub));
});

flow.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

flow('without signatures in dfw-policy.yaml the examples signed with the team key do not verify (embedded example keys only)', (ctx) => {
  const test = dfw(ctx, ['policy', 'test']);
  assert.is(test.status, 1, test.stdout + test.stderr);
  assert.match(test.stdout, /FAIL {2}example:examples\/approved-deployer\.json +expected allow, got deny; expected deny by nothing, got DFW-PROV-001, DFW-SIGN-001/);
});

flow('with signatures.keys naming the team key, the cosign signature and the Sigstore bundle verify and the examples pass', (ctx) => {
  const project = join(ctx.repo, 'dfw-policy.yaml');
  const original = readFileSync(project, 'utf8');
  writeFileSync(project, `${original}signatures:\n  keys: [keys.pub]\n`);
  try {
    const test = dfw(ctx, ['policy', 'test']);
    assert.is(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /PASS {2}example:examples\/approved-deployer\.json +allow in production/);
    assert.match(test.stdout, /PASS {2}example:examples\/unapproved-deployer\.json +deny by ACME-CD-001 in production/);
  } finally {
    writeFileSync(project, original);
  }
});

flow('a key file that is not there is an error naming dfw-policy.yaml (exit 2)', (ctx) => {
  const project = join(ctx.repo, 'dfw-policy.yaml');
  const original = readFileSync(project, 'utf8');
  writeFileSync(project, `${original}signatures:\n  keys: [missing.pub]\n  trusted_root: trusted_root.json\n`);
  try {
    const test = dfw(ctx, ['policy', 'test']);
    assert.is(test.status, 2, test.stdout + test.stderr);
    assert.match(test.stderr, /dfw-policy\.yaml: signatures\.keys\[0\]: cannot read .*missing\.pub/);
  } finally {
    writeFileSync(project, original);
  }
});

flow('enforcement.yaml trust is validated: a signer without images is refused', (ctx) => {
  const file = join(ctx.repo, 'enforcement.yaml');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, `${original.replace(/^trust:[\s\S]*$/m, '')}trust:\n  signers:\n    - name: nowhere\n      key: sha256:${'0'.repeat(64)}\n`);
  try {
    const test = dfw(ctx, ['policy', 'test']);
    assert.is(test.status, 2, test.stdout + test.stderr);
    assert.match(test.stderr, /enforcement\.yaml: trust\.signers\.0 must have required property 'images'/);
  } finally {
    writeFileSync(file, original);
  }
});

flow('enforcement.yaml trust is validated: a builder that names no identities is refused, saying what to add', (ctx) => {
  const file = join(ctx.repo, 'enforcement.yaml');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, `${original.replace(/^trust:[\s\S]*$/m, '')}trust:\n  builders:\n    - id: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v\n      level: 3\n`);
  try {
    const test = dfw(ctx, ['policy', 'test']);
    assert.is(test.status, 2, test.stdout + test.stderr);
    assert.match(test.stderr, /enforcement\.yaml: trust\.builders\.0 names no identities: list under identities who may sign provenance claiming this builder id/);
  } finally {
    writeFileSync(file, original);
  }
});

flow.run();
