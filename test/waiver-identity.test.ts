// Separation of duties for waivers that cannot be spoofed: requested_by is compared with the
// approving token's name after normalisation (trim, NFKC, case fold), names with invisible
// characters or mixed scripts are refused, and the two-step flow takes the requester from an
// authenticated token — on SQLite and on PostgreSQL (schema version 8).
import type { Hono } from 'hono';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp, type ApiToken } from '../src/api/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import { identityProblem, normalizeIdentity, sameIdentity } from '../src/shared/identity.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import type { Store, Waiver, WaiverRequest } from '../src/store/types.js';
import { openAt, postgresBackend, sqliteBackend, type StoreBackend } from './helpers/store-backends.js';

const identity = suite('waiver-identity');

const NOW = new Date('2026-11-28T14:00:00Z');
const IN_30_DAYS = '2026-12-28T00:00:00Z';
const TOKENS = { tadmin: 'tok-admin', 'sec-admin': 'tok-sec', DEV: 'tok-dev-admin', dev: 'tok-dev', ci: 'tok-ci', viewer: 'tok-viewer' } as const;
const ROLES: Record<keyof typeof TOKENS, ApiToken['roles']> = { tadmin: ['admin'], 'sec-admin': ['admin'], DEV: ['admin'], dev: ['check'], ci: ['evidence'], viewer: ['viewer'] };

async function tokens(): Promise<ApiToken[]> {
  return Promise.all(Object.entries(TOKENS).map(async ([name, secret]) => ({ name, sha256: await sha256Hex(secret), roles: ROLES[name as keyof typeof TOKENS] })));
}

async function appOn(store: Store, clock: { now: Date }) {
  return createApp({ policy: new ActivePolicy(), logger: createMemoryLogger(), store, tokens: await tokens(), clock: () => clock.now });
}

type Json = Record<string, any>;
async function call(app: Hono, method: string, path: string, as: keyof typeof TOKENS, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${TOKENS[as]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const waiverBody = (extra: Json = {}) => ({ rule: 'DFW-VULN-001', application: 'payments', environment: 'staging', reason: 'CVE fix ships next week', expires_at: IN_30_DAYS, ...extra });

identity('normalisation: trim, NFKC and case fold make one identity; invisible and mixed-script names are refused', () => {
  for (const same of ['TADMIN', ' tadmin', 'tadmin ', 'ｔａｄｍｉｎ', 'TAdmin\t']) assert.ok(sameIdentity(same, 'tadmin'), same);
  assert.ok(sameIdentity('Straße', 'STRASSE'));
  assert.not.ok(sameIdentity('alice', 'tadmin'));
  assert.is(normalizeIdentity('  Ｊane DOE '), 'jane doe');
  for (const bad of ['tadmin\u200b', 'ta\u00addmin', 'tad\u202emin', 'tadmin\u2060', '\u3164tadmin', 'tadmin\ufe0f', 't\u1680admin']) assert.match(identityProblem(bad) ?? '', 'invisible', JSON.stringify(bad));
  assert.match(identityProblem('t\u0430dmin') ?? '', 'Cyrillic and Latin');
  assert.match(identityProblem('p\u0430yp\u03b1l') ?? '', 'scripts');
  for (const good of ['tadmin', 'Jane Doe', 'josé.garcía@example.com', 'Ørsted', '山田太郎', 'yamada 山田 たろう', '김민준', 'Иван Петров', 'spinnaker-prod_2']) assert.is(identityProblem(good), undefined, good);
  assert.is(identityProblem('   '), 'is empty');
});

for (const make of [sqliteBackend, postgresBackend]) {
  let backend: StoreBackend;
  const label = make === sqliteBackend ? 'SQLite' : 'PostgreSQL';
  identity.before(() => {
    backend ??= make();
  });
  identity.after(async () => {
    await backend?.cleanup();
  });

  identity(`${label}: an admin cannot approve a waiver requested under a variant of their own name`, async () => {
    const store = await openAt(backend.fresh());
    try {
      const app = await appOn(store, { now: NOW });
      for (const variant of ['tadmin', 'TADMIN', ' tadmin', 'tadmin ', 'ｔａｄｍｉｎ']) {
        const res = await call(app, 'POST', '/v1/waivers', 'tadmin', waiverBody({ requested_by: variant }));
        assert.is(res.status, 403, JSON.stringify(variant));
        assert.is(res.body.error.code, 'separation_of_duties');
      }
      for (const [variant, why] of [['tadmin\u200b', 'invisible'], ['t\u0430dmin', 'Cyrillic']] as const) {
        const res = await call(app, 'POST', '/v1/waivers', 'tadmin', waiverBody({ requested_by: variant }));
        assert.is(res.status, 400, JSON.stringify(variant));
        assert.equal(res.body.error.fields.map((f: Json) => f.field), ['requested_by']);
        assert.match(res.body.error.message, why);
      }
      assert.equal(await store.listWaivers(), []);
      const other = await call(app, 'POST', '/v1/waivers', 'tadmin', waiverBody({ requested_by: ' alice ' }));
      assert.is(other.status, 201);
      assert.is(other.body.requested_by, 'alice');
      assert.is(other.body.approved_by, 'tadmin');
    } finally {
      await store.close();
    }
  });

  identity(`${label}: request -> approve records who asked from the token; the requester cannot approve`, async () => {
    const store = await openAt(backend.fresh());
    try {
      assert.ok((await store.schemaVersion()) >= 8);
      const clock = { now: NOW };
      const app = await appOn(store, clock);
      const asked = await call(app, 'POST', '/v1/waiver-requests', 'dev', waiverBody());
      assert.is(asked.status, 201, JSON.stringify(asked.body));
      const request = asked.body as WaiverRequest;
      assert.is(request.requested_by, 'dev');
      assert.is(request.state, 'pending');
      assert.equal(await store.listWaivers(), [], 'a request is not a waiver');

      const typed = await call(app, 'POST', '/v1/waiver-requests', 'dev', waiverBody({ requested_by: 'someone-else' }));
      assert.is(typed.status, 400);
      assert.equal(typed.body.error.fields.map((f: Json) => f.field), ['requested_by']);
      assert.is((await call(app, 'POST', '/v1/waiver-requests', 'viewer', waiverBody())).status, 403, 'a viewer only reads');
      assert.is((await call(app, 'POST', '/v1/waiver-requests', 'ci', waiverBody())).status, 201, 'an evidence token may ask');
      assert.is((await call(app, 'POST', `/v1/waiver-requests/${request.id}/approve`, 'dev')).status, 403, 'a check token cannot approve');

      // An admin token whose name normalises to the requester's is the same identity.
      const self = await call(app, 'POST', `/v1/waiver-requests/${request.id}/approve`, 'DEV');
      assert.is(self.status, 403);
      assert.is(self.body.error.code, 'separation_of_duties');

      const approved = await call(app, 'POST', `/v1/waiver-requests/${request.id}/approve`, 'sec-admin');
      assert.is(approved.status, 201, JSON.stringify(approved.body));
      const waiver = approved.body.waiver as Waiver;
      assert.is(waiver.requested_by, 'dev');
      assert.is(waiver.approved_by, 'sec-admin');
      assert.is(approved.body.request.state, 'approved');
      assert.is(approved.body.request.waiver_id, waiver.id);
      assert.equal((await store.activeWaivers(NOW, { application: 'payments', environment: 'staging' })).map((w) => w.id), [waiver.id]);

      const again = await call(app, 'POST', `/v1/waiver-requests/${request.id}/approve`, 'tadmin');
      assert.is(again.status, 409);
      assert.is((await call(app, 'POST', `/v1/waiver-requests/${request.id}/reject`, 'tadmin')).status, 409);
      assert.is((await call(app, 'GET', `/v1/waiver-requests/${request.id}`, 'tadmin')).body.state, 'approved');
      assert.is((await call(app, 'GET', '/v1/waiver-requests/nope', 'tadmin')).status, 404);
      assert.is((await call(app, 'POST', '/v1/waiver-requests/nope/approve', 'tadmin')).status, 404);

      const pending = await call(app, 'GET', '/v1/waiver-requests?state=pending', 'tadmin');
      assert.equal(pending.body.waiver_requests.map((r: WaiverRequest) => r.requested_by), ['ci']);
      const rejected = await call(app, 'POST', `/v1/waiver-requests/${pending.body.waiver_requests[0].id}/reject`, 'tadmin');
      assert.is(rejected.status, 200);
      assert.is(rejected.body.state, 'rejected');
      assert.is(rejected.body.decided_by, 'tadmin');
      assert.is((await store.listWaivers()).length, 1);
    } finally {
      await store.close();
    }
  });

  identity(`${label}: a request whose expiry passed cannot be approved; two admins approving at once make one waiver`, async () => {
    const store = await openAt(backend.fresh());
    try {
      const clock = { now: NOW };
      const app = await appOn(store, clock);
      const stale = (await call(app, 'POST', '/v1/waiver-requests', 'dev', waiverBody())).body as WaiverRequest;
      const race = (await call(app, 'POST', '/v1/waiver-requests', 'dev', waiverBody({ environment: 'production' }))).body as WaiverRequest;
      const both = await Promise.all([
        call(app, 'POST', `/v1/waiver-requests/${race.id}/approve`, 'tadmin'),
        call(app, 'POST', `/v1/waiver-requests/${race.id}/approve`, 'sec-admin'),
      ]);
      assert.equal(both.map((r) => r.status).sort(), [201, 409]);
      assert.is((await store.listWaivers()).length, 1);

      clock.now = new Date('2026-12-29T00:00:00Z');
      const late = await call(app, 'POST', `/v1/waiver-requests/${stale.id}/approve`, 'sec-admin');
      assert.is(late.status, 409);
      assert.is(late.body.error.code, 'waiver_request_expired');
      assert.is((await store.listWaivers()).length, 1);
    } finally {
      await store.close();
    }
  });
}

identity.run();
