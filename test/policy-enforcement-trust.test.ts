// A policy repository's enforcement.yaml `trust:` over dfw's built-in trust policy
// (src/policy/enforcement.ts): lists replace the built-in ones, environments are laid over
// per environment — tightening staging must not drop production's requirements — and every
// field of an environment is checked, since a wrong type would silently require nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeEnforcement, readBuiltinEnforcement, readEnforcement, unverifiableRequirements } from '../src/policy/enforcement.js';

const trust = suite<{ dir: string }>('enforcement.yaml trust');
trust.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-enforcement-trust-'));
});
trust.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const builtin = () => readBuiltinEnforcement('rego/firewall/config/data.yaml');
type Trust = { environments: Record<string, { min_build_level?: number; verified_evidence?: string[] }>; signers: Array<{ name: string }> };

function read(ctx: { dir: string }, text: string) {
  const file = join(ctx.dir, 'enforcement.yaml');
  writeFileSync(file, text);
  try {
    return { data: readEnforcement(file) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

trust('a team that tightens staging keeps the built-in production and development entries', (ctx) => {
  const base = builtin().trust as Trust;
  assert.equal(base.environments.production, { min_build_level: 3, verified_evidence: ['provenance'] });
  const { data } = read(ctx, 'trust:\n  environments:\n    staging: { verified_evidence: [vulnerabilities, provenance] }\n');
  const merged = mergeEnforcement(builtin(), data!).trust as Trust;
  assert.equal(merged.environments.production, base.environments.production);
  assert.equal(merged.environments.development, base.environments.development);
  assert.equal(merged.environments.staging, { min_build_level: 2, verified_evidence: ['vulnerabilities', 'provenance'] });
  // Lists are the team's own: its signers replace the built-in example keys.
  const signers = read(ctx, `trust:\n  signers:\n    - { name: acme, key: "sha256:${'a'.repeat(64)}", images: [registry.acme.dev/] }\n`);
  assert.equal((mergeEnforcement(builtin(), signers.data!).trust as Trust).signers.map((s) => s.name), ['acme']);
  assert.equal((mergeEnforcement(builtin(), signers.data!).trust as Trust).environments, base.environments);
});

trust('environment fields of the wrong type or name, and unanchored subjects, are refused with the field', (ctx) => {
  assert.match(read(ctx, 'trust:\n  environments:\n    production: { verified_evidence: vulnerabilities }\n').error ?? '', /trust\.environments\.production\.verified_evidence must be array/);
  assert.match(read(ctx, 'trust:\n  environments:\n    production: { verified_evidence: [vulnerabilites] }\n').error ?? '', /verified_evidence\.0 must be one of .*vulnerabilities/);
  assert.match(read(ctx, 'trust:\n  environments:\n    production: { min_build_levl: 3 }\n').error ?? '', /unknown key "trust\.environments\.production\.min_build_levl"/);
  assert.match(read(ctx, 'trust:\n  environments:\n    production: { min_build_level: 7 }\n').error ?? '', /min_build_level must be <= 4/);
  const signer = (subject: string) => `trust:\n  signers:\n    - { name: ci, issuer: "https://token.actions.githubusercontent.com", subject: '${subject}', images: [registry.acme.dev/] }\n`;
  assert.match(read(ctx, signer('https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main')).error ?? '', /trust\.signers\.0\.subject must match pattern/);
  assert.is(read(ctx, signer('^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/heads/main$')).error, undefined);
});

trust('an environment can require signed only the kinds dfw reads from a predicate, each through a predicate type read as it', (ctx) => {
  // The signatures themselves, and kinds no predicate is read as, are refused by the schema.
  for (const kind of ['signatures', 'attestations', 'workflows']) {
    assert.match(read(ctx, `trust:\n  environments:\n    production: { verified_evidence: [${kind}] }\n`).error ?? '', /trust\.environments\.production\.verified_evidence\.0 must be one of vulnerabilities, container_scan, provenance, sbom$/);
  }
  assert.equal(unverifiableRequirements(builtin()), []);
  // Valid kinds, but after the merge no predicate type stands for sbom, and the one listed
  // for vulnerabilities is read as an SBOM.
  const { data } = read(
    ctx,
    'trust:\n  evidence_predicates:\n    provenance: [https://slsa.dev/provenance/v1]\n    vulnerabilities: [https://cyclonedx.org/bom]\n' +
      '  environments:\n    staging: { verified_evidence: [sbom, provenance, vulnerabilities] }\n',
  );
  assert.equal(unverifiableRequirements(mergeEnforcement(builtin(), data!)), [
    'trust.environments.staging.verified_evidence requires sbom signed, but trust.evidence_predicates names no predicate type for sbom: ' +
      'DFW-SIGN-002 would deny every deployment to staging; list https://cyclonedx.org/bom or https://spdx.dev/Document under evidence_predicates.sbom, or drop sbom',
    'trust.environments.staging.verified_evidence requires vulnerabilities signed, but dfw reads none of trust.evidence_predicates.vulnerabilities (https://cyclonedx.org/bom) as vulnerabilities: ' +
      'DFW-SIGN-002 would deny every deployment to staging; list https://cosign.sigstore.dev/attestation/vuln/v1 under evidence_predicates.vulnerabilities, or drop vulnerabilities',
  ]);
});

trust('a builder names the identities that may claim it: an entry without them is refused, saying what to add', (ctx) => {
  const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v';
  const builder = (rest: string) => `trust:\n  builders:\n    - id: ${GENERATOR}\n      level: 3\n${rest}`;
  // A config written before builders named identities: refused, not read as crediting the level to any signer.
  assert.match(read(ctx, builder('')).error ?? '', /trust\.builders\.0 names no identities: list under identities who may sign provenance claiming this builder id \(a key by fingerprint, or issuer and subject/);
  assert.match(read(ctx, builder('      identities: []\n')).error ?? '', /trust\.builders\.0\.identities is empty: list under identities/);
  assert.match(read(ctx, builder('      identities: [{ issuer: "https://token.actions.githubusercontent.com" }]\n')).error ?? '', /trust\.builders\.0\.identities\.0 must name a key, or an issuer and a subject$/);
  assert.match(read(ctx, builder('      identities: [{ name: generator, key: "sha256:00" }]\n')).error ?? '', /unknown key "trust\.builders\.0\.identities\.0\.name".*identities\.0\.key must match pattern/);
  const keyless = (subject: string) => builder(`      identities:\n        - issuer: https://token.actions.githubusercontent.com\n          subject: '${subject}'\n`);
  assert.match(read(ctx, keyless('https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0')).error ?? '', /trust\.builders\.0\.identities\.0\.subject must match pattern/);
  assert.is(read(ctx, keyless('^https://github\\.com/slsa-framework/slsa-github-generator/\\.github/workflows/generator_container_slsa3\\.yml@refs/tags/v[0-9.]+$')).error, undefined);
  assert.is(read(ctx, builder(`      identities: [{ key: "sha256:${'a'.repeat(64)}" }]\n`)).error, undefined);
});

trust('the shipped trust policy is valid as a team would write it: every builder names its identities', (ctx) => {
  const shipped = builtin().trust as { builders: Array<{ id: string; identities?: unknown[] }> };
  assert.ok(shipped.builders.length >= 2);
  assert.equal(shipped.builders.filter((b) => !b.identities?.length).map((b) => b.id), []);
  assert.equal(read(ctx, yaml.dump({ trust: shipped })), { data: { trust: shipped } });
});

trust.run();
