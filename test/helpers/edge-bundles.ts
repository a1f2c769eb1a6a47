// Signed bundles for the bundle-distribution tests, built by the real opa as the Makefile
// builds them: the Wasm bundle dfw evaluates and the Rego-target bundle stock OPA agents
// load, from the same sources at the same revision.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVerification } from '../../src/bundles/agent/local-file.js';
import type { VerificationConfig } from '../../src/engine/index.js';
import { SIGNING_KEY, SIGNING_PUB } from './bundle.js';
import { opaPath, ROOT } from './opa.js';
import { fileName, packBundle, unpackBundle } from './tamper.js';

export interface BuildOptions {
  /** The .manifest revision; '' builds without one. */
  revision: string;
  signingKey?: string | null;
  target?: 'wasm' | 'rego';
  /** Extra `--ignore` patterns: same revision, different content. */
  ignore?: string[];
}

/** Builds rego/ into a bundle in a temp dir and returns its bytes (signed with the test key unless signingKey is null). */
export function buildSignedBundle(options: BuildOptions): Uint8Array {
  const out = join(mkdtempSync(join(tmpdir(), 'dfw-edge-bundle-')), options.target === 'rego' ? 'firewall-rego.tar.gz' : 'firewall.tar.gz');
  const args = ['build'];
  if (options.target !== 'rego') args.push('-t', 'wasm', '-e', 'firewall/decision', '--capabilities', join(ROOT, 'wasm/capabilities.json'));
  args.push('--ignore', '*_test.rego');
  for (const pattern of options.ignore ?? []) args.push('--ignore', pattern);
  if (options.revision) args.push('--revision', options.revision);
  const key = options.signingKey === undefined ? SIGNING_KEY : options.signingKey;
  if (key) args.push('--signing-key', key);
  args.push('-o', out, '--bundle', 'rego');
  execFileSync(opaPath(), args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(readFileSync(out));
}

/** The trusted-key config for the test signing key, as the server reads bundle.public_key. */
export function testVerification(publicKey: string = SIGNING_PUB): VerificationConfig {
  return readVerification({ public_key: publicKey, key_id: 'default', algorithm: 'RS256' })!;
}

/**
 * A tampered copy: re-packed with its .manifest naming `revision` and the production
 * enforcement emptied in data.json, signature left as it was — what an attacker between
 * the bundle server and an evaluator would serve to turn every deny into an allow.
 */
export async function tamperRevision(bytes: Uint8Array, revision: string): Promise<Uint8Array> {
  const files = await unpackBundle(bytes);
  const manifestName = fileName(files, '.manifest');
  const manifest = JSON.parse(new TextDecoder().decode(files.get(manifestName)!)) as Record<string, unknown>;
  files.set(manifestName, new TextEncoder().encode(JSON.stringify({ ...manifest, revision })));
  const dataName = fileName(files, 'data.json');
  const data = new TextDecoder().decode(files.get(dataName)!).replaceAll(/"blocking":\[[^\]]*\]/g, '"blocking":[]');
  files.set(dataName, new TextEncoder().encode(data));
  return packBundle(files);
}
