// The decision log serializes each masked input in one pass (serializeMasked); it must write
// exactly what masking a copy and serializing it writes, for any JSON document: keys that
// match at any depth, inside arrays, with null values, and array indices that a pattern
// would match as text but are not keys.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_MASK_PATHS, maskSecrets } from '../src/store/index.js';
import { serializeMasked } from '../src/store/mask.js';

const KEYS = ['token', 'github_token', 'Password', 'name', 'secret', 'evidence', 'items', '0', '1', '10', 'API_KEY', 'cookie', 'value', ''];

const documents = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 6 }), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
})).object;

const PATH_SETS: ReadonlyArray<readonly string[]> = [DEFAULT_MASK_PATHS, ['**.1*', '**.name'], ['evidence.items.value', '**.token'], []];

test('serializeMasked writes what masking a copy and serializing it writes', () => {
  fc.assert(
    fc.property(documents, fc.constantFrom(...PATH_SETS), (doc, paths) => {
      assert.is(serializeMasked(doc, paths), JSON.stringify(maskSecrets(doc, paths)));
    }),
    { seed: 20261206, numRuns: 2000 },
  );
});

// The check service hands over the input's text as it wrote it for the policy: kept when
// nothing in it is masked, never when something is.
test('serializeMasked given the text already written writes the same as without it', () => {
  fc.assert(
    fc.property(documents, fc.constantFrom(...PATH_SETS), (doc, paths) => {
      assert.is(serializeMasked(doc, paths, JSON.stringify(doc)), JSON.stringify(maskSecrets(doc, paths)));
    }),
    { seed: 20261207, numRuns: 2000 },
  );
  const secret = { request: { id: 'x' }, evidence: { env: { github_token: 'ghp_x' } } };
  assert.is(serializeMasked(secret, DEFAULT_MASK_PATHS, JSON.stringify(secret)), '{"request":{"id":"x"},"evidence":{"env":{"github_token":"***"}}}');
  // A stand-in for the written text shows which one comes back: kept when nothing is masked
  // (a key that only contains "token", a null token), written afresh when something is.
  const plain = { request: { id: 'x' }, evidence: { permissions: { 'id-token': 'write' }, token: null } };
  assert.is(serializeMasked(plain, DEFAULT_MASK_PATHS, 'WRITTEN'), 'WRITTEN');
  assert.is.not(serializeMasked(secret, DEFAULT_MASK_PATHS, 'WRITTEN'), 'WRITTEN');
});

test('serializeMasked masks a secret nested in arrays and keeps nulls', () => {
  const doc = { evidence: { workflows: [{ env: { github_token: 'ghp_x', token: null } }] }, list: [['s'], { password: 'p' }] };
  assert.is(serializeMasked(doc, DEFAULT_MASK_PATHS), '{"evidence":{"workflows":[{"env":{"github_token":"***","token":null}}]},"list":[["s"],{"password":"***"}]}');
  assert.is(serializeMasked('plain', DEFAULT_MASK_PATHS), '"plain"');
});

test.run();
