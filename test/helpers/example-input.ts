// The input document as `dfw serve` builds it for a check request: buildInput, then the
// request's inline signatures and attestations verified by the Node host's verifier (the
// embedded example keys), as CollectorRunner does before anything is evaluated. Tests that
// evaluate examples/*.json directly use this, so the examples' real signatures count.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInput, type CheckRequest, type InputContext } from '../../src/collect/check-request.js';
import { createInlineVerifier } from '../../src/collect/collectors/index.js';
import { verifyInlineTrust } from '../../src/collect/trust/inline.js';
import type { InputDocument } from '../../src/engine/index.js';
import { ROOT } from './opa.js';
import { runGoTool } from './registry.js';
import { COSIGN_ENV, RELEASE_KEY } from './supply-chain.js';

const BUILD_KEY = join(ROOT, 'examples/keys/example-build.key');

const verifier = createInlineVerifier();

export async function verifiedInput(request: CheckRequest, context: InputContext): Promise<InputDocument> {
  const input = buildInput(request, context);
  await verifyInlineTrust(request.evidence, input, verifier);
  return input;
}

const SIGNING = join(ROOT, 'examples/signing');
const signed = new Map<string, { signatures: unknown[]; attestations: unknown[] }>();

/**
 * The examples' inline material made again for another build — digest, repository or
 * commit — by the real cosign with the same example keys (examples/signing/sign.sh does
 * the same): tests that deploy another build carry its signature and provenance, not the
 * example's, which dfw would rightly refuse. Cached per build.
 */
export function signedMaterial(build: { image: string; digest: string; repository?: string; commit?: string }): { signatures: unknown[]; attestations: unknown[] } {
  const key = JSON.stringify(build);
  const cached = signed.get(key);
  if (cached) return structuredClone(cached);
  const dir = mkdtempSync(join(tmpdir(), 'dfw-signed-'));
  // registry/repository without tag or digest (a registry may have a port: 127.0.0.1:5000/a/b:1.0).
  const name = build.image.split('@')[0]!.replace(/:[^/:]+$/, '');
  const reference = `${name}@${build.digest}`;
  const payload = runGoTool('cosign', ['generate', reference]);
  writeFileSync(join(dir, 'payload.json'), payload);
  const signature = runGoTool('cosign', ['sign-blob', '--key', RELEASE_KEY, '--tlog-upload=false', join(dir, 'payload.json')], { env: COSIGN_ENV }).trim();
  const statement = JSON.parse(readFileSync(join(SIGNING, 'statements/payments-api-4f1c.json'), 'utf8'));
  statement.subject = [{ name, digest: { sha256: build.digest.replace(/^sha256:/, '') } }];
  const source = statement.predicate.buildDefinition;
  for (const entry of [source.externalParameters.source, ...source.resolvedDependencies]) {
    if (build.repository) entry.uri = `git+https://${build.repository}@refs/heads/main`;
    if (build.commit) entry.digest = { sha1: build.commit };
  }
  writeFileSync(join(dir, 'statement.json'), JSON.stringify(statement));
  runGoTool('cosign', ['attest-blob', '--key', BUILD_KEY, '--tlog-upload=false', '--statement', join(dir, 'statement.json'), '--output-signature', join(dir, 'envelope.json')], { env: COSIGN_ENV });
  const material = {
    signatures: [{ payload: Buffer.from(payload).toString('base64'), signature }],
    attestations: [JSON.parse(readFileSync(join(dir, 'envelope.json'), 'utf8'))],
  };
  signed.set(key, material);
  return structuredClone(material);
}
