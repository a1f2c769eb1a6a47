// The inline-signature verifier remembers its answers (withVerificationCache): the same
// material, digest and place are verified once, answers are frozen, other material or
// another digest is verified anew, and the least recently used answer goes first. With the
// real verifiers dfw serve and the edge use, on the compliant example's real cosign output.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createInlineVerifier } from '../src/collect/collectors/index.js';
import { EXAMPLE_VERIFICATION_KEYS } from '../src/collect/trust/example-keys.js';
import { inlineMaterial, withVerificationCache, type InlineFact, type InlineMaterial, type InlineVerifier } from '../src/collect/trust/inline.js';
import { createWebInlineVerifier } from '../src/collect/trust/web-verify.js';

const example = JSON.parse(readFileSync(new URL('../examples/compliant.allow.json', import.meta.url), 'utf8'));
const DIGEST: string = example.artifact.digest;
const signature = inlineMaterial(example.evidence.signatures[0])!;
const attestation = inlineMaterial(example.evidence.attestations[0])!;

function counting(inner: InlineVerifier): { verifier: InlineVerifier; calls: () => number } {
  let n = 0;
  return { verifier: { verify: (m, l, d) => (n++, inner.verify(m, l, d)) }, calls: () => n };
}

test('the same material is verified once; the answer is the first one, frozen', async () => {
  const { verifier, calls } = counting(createInlineVerifier());
  const cached = withVerificationCache(verifier);
  const first = await cached.verify(signature, 'evidence.signatures[0]', DIGEST);
  assert.is(first.signature?.verified, true, first.signature?.reason);
  const again = await cached.verify(structuredClone(signature), 'evidence.signatures[0]', DIGEST);
  assert.is(calls(), 1);
  assert.equal(again, first);
  assert.ok(Object.isFrozen(again.signature), 'frozen: no check can change the next one\'s facts');
  assert.throws(() => ((again.signature as { verified: boolean }).verified = false));
});

test('another digest, place or material is verified anew, and never answered from the first', async () => {
  const { verifier, calls } = counting(createInlineVerifier());
  const cached = withVerificationCache(verifier);
  await cached.verify(signature, 'evidence.signatures[0]', DIGEST);
  const other = `sha256:${'0'.repeat(64)}`;
  const elsewhere = await cached.verify(signature, 'evidence.signatures[0]', other);
  assert.is(elsewhere.signature?.verified, false, 'a signature over another digest does not verify');
  await cached.verify(signature, 'evidence.signatures[1]', DIGEST);
  const tampered: InlineMaterial = { ...(signature as Extract<InlineMaterial, { kind: 'simple-signing' }>), signature: 'AAAA' };
  const refused = await cached.verify(tampered, 'evidence.signatures[0]', DIGEST);
  assert.is(refused.signature?.verified, false);
  assert.is(calls(), 4);
});

test('beyond its size the least recently used answer is verified again', async () => {
  const { verifier, calls } = counting(createWebInlineVerifier(EXAMPLE_VERIFICATION_KEYS));
  const cached = withVerificationCache(verifier, 2);
  const at = (i: number) => cached.verify(attestation, `evidence.attestations[${i}]`, DIGEST);
  const answers: InlineFact[] = [await at(0), await at(1), await at(0), await at(2)];
  assert.ok(answers.every((a) => a.attestation?.verified === true), JSON.stringify(answers.map((a) => a.attestation?.reason)));
  assert.is(calls(), 3, '0 was used again, so 1 was the one dropped for 2');
  await at(0);
  assert.is(calls(), 3);
  await at(1);
  assert.is(calls(), 4);
});

test.run();
