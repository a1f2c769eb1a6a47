// `dfw policy diff --fail-on-weaken` gates a team's CI on changes that trust more. A builder
// entry (id, level, identities) that only trusts less — an identity dropped, a lower level —
// must not count as a weakening, or tightening the trust policy would fail the team's build;
// one that trusts more in any way still must.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareEnforcement, type EnforcementConfig } from '../src/policy/enforcement-diff.js';

const GITHUB = { issuer: 'https://token.actions.githubusercontent.com', subject: '^https://github\\.com/acme/build/\\.github/workflows/release\\.yml@refs/tags/v[0-9.]+$' };
const KEY = { key: 'SHA256:acme-builder-key' };
const ID = 'https://build.acme.example/builder@v';

const withBuilder = (entry: Record<string, unknown>): EnforcementConfig => ({ trust: { builders: [entry] } });

function builderChange(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changes = compareEnforcement(withBuilder(before), withBuilder(after), []).filter((c) => c.key === 'trust.builders');
  assert.is(changes.length, 1, JSON.stringify(changes));
  return changes[0]!;
}

test('a builder entry that drops an identity or lowers its level trusts less: no weakening', () => {
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB, KEY] }, { id: ID, level: 3, identities: [GITHUB] }).weakens, false);
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB] }, { id: ID, level: 2, identities: [GITHUB] }).weakens, false);
  // The same identity spelled with its keys in another order is the same identity.
  const reordered = { subject: GITHUB.subject, issuer: GITHUB.issuer };
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB, KEY] }, { id: ID, level: 2, identities: [reordered] }).weakens, false);
});

test('a builder entry that gains an identity, a higher level or anything else trusts more: a weakening', () => {
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB] }, { id: ID, level: 3, identities: [GITHUB, KEY] }).weakens, true);
  assert.is(builderChange({ id: ID, level: 2, identities: [GITHUB] }, { id: ID, level: 3, identities: [GITHUB] }).weakens, true);
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB] }, { id: ID, identities: [GITHUB] }).weakens, true, 'a level no longer given');
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB] }, { id: ID, level: 3, identities: [GITHUB], note: 'x' }).weakens, true, 'an unknown field');
  const widened = { issuer: GITHUB.issuer, subject: '^https://github\\.com/acme/.*$' };
  assert.is(builderChange({ id: ID, level: 3, identities: [GITHUB] }, { id: ID, level: 3, identities: [widened] }).weakens, true, 'a wider subject');
});

test('signers and registries still count any change of an entry as a weakening', () => {
  const changes = compareEnforcement({ trust: { signers: [{ name: 'ci', ...KEY }] } }, { trust: { signers: [{ name: 'ci', key: 'SHA256:other' }] } }, []);
  assert.equal(changes.map((c) => [c.key, c.weakens]), [['trust.signers', true]]);
});

test.run();
