// Test parts for the supply-chain suite: a bundle whose trust policy trusts the test key
// and the test registry (the shipped data.yaml trusts registry.example.com), images pushed
// to a real `crane registry serve`, and cosign runs with an empty key password.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { SHARED_FIXTURES } from './fixtures.js';
import { ROOT } from './opa.js';
import { runGoTool } from './registry.js';

export const RELEASE_KEY = join(ROOT, 'test/fixtures/sigstore/release-test.key');
export const RELEASE_PUB = join(ROOT, 'test/fixtures/sigstore/release-test.pub');
export const RELEASE_FINGERPRINT = 'sha256:c21203261141918569bf4a0255beca008185a9adfb80fd2b4b0c6a9519d4063c';
export const PUBLIC_GOOD_ROOT = join(ROOT, 'test/fixtures/sigstore/public-good-trusted-root.json');
export const PUBLIC_BUNDLE = join(SHARED_FIXTURES, 'provenance', 'slsa-github-generator-container-based.sigstore-bundle.json');
export const ALLOWED_BUILDER = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0';
export const COSIGN_ENV = { COSIGN_PASSWORD: '', COSIGN_YES: 'true' };

/** rego/ copied with trust policy for 127.0.0.1 registries; returns the source folder for buildBundle. */
export function trustPolicySource(trust: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-trust-rego-'));
  cpSync(join(ROOT, 'rego'), join(dir, 'rego'), { recursive: true });
  const file = join(dir, 'rego/firewall/config/data.yaml');
  const data = yaml.load(readFileSync(file, 'utf8')) as Record<string, unknown>;
  data.trust = { ...(data.trust as Record<string, unknown>), ...trust };
  writeFileSync(file, yaml.dump(data));
  return join(dir, 'rego');
}

/** Pushes a fresh one-layer image built from `content`; returns its digest. */
export function pushImage(reference: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-image-'));
  writeFileSync(join(dir, 'app.txt'), content);
  const tar = join(dir, 'layer.tar');
  execFileSync('tar', ['-cf', tar, '-C', dir, 'app.txt']);
  runGoTool('crane', ['append', '--insecure', '-f', tar, '-t', reference]);
  return runGoTool('crane', ['digest', '--insecure', reference]).trim();
}

/** Runs cosign with an empty key password and no prompts, in `cwd`. */
export function cosign(args: string[]): string {
  return runGoTool('cosign', args, { env: COSIGN_ENV });
}

/** A cosign key pair in a temp folder (cosign generate-key-pair). */
export function generateCosignKey(): { key: string; pub: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-cosign-key-'));
  runGoTool('cosign', ['generate-key-pair', '--output-key-prefix', join(dir, 'other')], { env: COSIGN_ENV });
  return { key: join(dir, 'other.key'), pub: join(dir, 'other.pub') };
}
