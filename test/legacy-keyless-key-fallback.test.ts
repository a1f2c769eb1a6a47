// A cosign layer in the legacy tag layout that carries a certificate annotation but was
// signed with a key (`cosign sign --key … --certificate …`, a team's own PKI, no Rekor
// entry) verifies with the configured keys rather than failing as keyless; without a key
// that verifies it, it stays unverified with both reasons. Real material: an example's
// cosign signature made with the example key, and the certificate of a real 2022 keyless
// attestation (test/fixtures/cosign-legacy-keyless).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBundleTrust, verifyItem } from '../src/collect/collectors/signatures.js';
import { EXAMPLE_VERIFICATION_KEYS } from '../src/collect/trust/example-keys.js';
import { readExamples } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';

const fallback = suite('legacy layout: a key-signed layer with a certificate');

const example = readExamples().get('compliant.allow.json') as { artifact: { digest: string }; evidence: { signatures: Array<{ payload: string; signature: string }> } };
const manifest = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/cosign-legacy-keyless/sha256-b7773d35be754aa50e484d9cac8cfc3696e8dfa937be9783c7f7cd21872816ee.json'), 'utf8'));
const certificate = manifest.layers[0].annotations['dev.sigstore.cosign/certificate'] as string;
const layer = { as: 'signature' as const, bytes: Buffer.from(example.evidence.signatures[0]!.payload, 'base64'), signature: example.evidence.signatures[0]!.signature, certificate };
const item = { kind: 'legacy-keyless' as const, location: 'registry.example.com/payments/api:sha256-….sig layer 0', layer };

fallback('verifies with the configured key that made it', () => {
  assert.match(certificate, /BEGIN CERTIFICATE/);
  const fact = verifyItem(item, 'registry', loadBundleTrust({ keys: [...EXAMPLE_VERIFICATION_KEYS] }), example.artifact.digest).signature!;
  assert.is(fact.verified, true, fact.reason);
  assert.match(String(fact.signer?.key), /^sha256:[0-9a-f]{64}$/);
});

fallback('without a key that verifies it: unverified, with the keyless reason and the key reason', () => {
  const none = verifyItem(item, 'registry', loadBundleTrust({ keys: [] }), example.artifact.digest).signature!;
  assert.is(none.verified, false);
  const other = verifyItem(item, 'registry', loadBundleTrust({ keys: [readFileSync(join(ROOT, 'examples/keys/untrusted.pub'), 'utf8')] }), example.artifact.digest).signature!;
  assert.is(other.verified, false);
  assert.match(String(other.reason), /nor does it verify with a configured key/);
  // Over another digest, even the right key does not make it count.
  const copied = verifyItem(item, 'registry', loadBundleTrust({ keys: [...EXAMPLE_VERIFICATION_KEYS] }), `sha256:${'0'.repeat(64)}`).signature!;
  assert.is(copied.verified, false);
});

fallback.run();
