// Times and cursors the API reads from callers, through app.request() on a real SQLite
// store: GET /v1/decisions takes `from`/`to` only as RFC 3339 with a zone and names a bad
// `cursor` in `fields`; POST /v1/waivers and /v1/waiver-requests refuse an expiry without a
// zone, which the server would otherwise read in its own local time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp, type ApiToken } from '../src/api/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { openStore, type Store } from '../src/store/index.js';

const ADMIN = 'admin-secret-decisions-query';
const CHECK = 'check-secret-decisions-query';
const NOW = new Date('2026-11-28T14:00:00Z');

interface Ctx {
  store: Store;
  app: ReturnType<typeof createApp>;
}

interface ErrorBody {
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }> };
}

const test = suite<Ctx>('decisions query and waiver expiry');

test.before(async (ctx) => {
  ctx.store = await openStore('sqlite::memory:');
  const tokens: ApiToken[] = [
    { name: 'security-lead', sha256: await sha256Hex(ADMIN), roles: ['admin'] },
    { name: 'spinnaker', sha256: await sha256Hex(CHECK), roles: ['check'] },
  ];
  ctx.app = createApp({ policy: new ActivePolicy(), logger: createMemoryLogger(), store: ctx.store, tokens, clock: () => NOW });
});
test.after((ctx) => ctx.store.close());

const get = (ctx: Ctx, path: string) => ctx.app.request(path, { headers: { authorization: `Bearer ${ADMIN}` } });
const post = (ctx: Ctx, path: string, body: unknown, token = ADMIN) =>
  ctx.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('from and to are RFC 3339 date-times with a zone; anything else is 400 invalid_query naming the parameter', async (ctx) => {
  for (const good of ['2026-11-28T14:00:00Z', '2026-11-28T14:00:00.123+01:00', '2026-11-28t14:00:00z']) {
    const res = await get(ctx, `/v1/decisions?from=${encodeURIComponent(good)}&to=${encodeURIComponent(good)}`);
    assert.is(res.status, 200, `${good}: ${await res.text()}`);
  }
  const cases: Array<[string, string, RegExp]> = [
    ['from', '1', /RFC 3339 date-time with a zone/],
    ['to', 'yesterday', /RFC 3339 date-time with a zone/],
    ['from', '2026-11-28', /RFC 3339 date-time with a zone/],
    ['from', '2026-02-30T00:00:00Z', /RFC 3339 date-time with a zone/],
    ['to', '2026-11-28T24:00:00Z', /RFC 3339 date-time with a zone/],
    ['from', '2026-11-28T14:00:00', /has no zone: add Z \(UTC\) or an offset/],
    ['to', '2026-11-28 14:00:00Z', /RFC 3339 date-time with a zone/],
  ];
  for (const [key, value, message] of cases) {
    const res = await get(ctx, `/v1/decisions?${key}=${encodeURIComponent(value)}`);
    assert.is(res.status, 400, `${key}=${value}`);
    const { error } = (await res.json()) as ErrorBody;
    assert.is(error.code, 'invalid_query');
    assert.equal(error.fields?.map((f) => f.field), [key], `${key}=${value}`);
    assert.match(error.fields![0]!.message, message);
  }
});

test('a cursor this server did not hand out is 400 invalid_cursor with `cursor` in fields', async (ctx) => {
  for (const cursor of ['not-a-cursor', Buffer.from('[1,2]').toString('base64url')]) {
    const res = await get(ctx, `/v1/decisions?cursor=${cursor}`);
    assert.is(res.status, 400);
    const { error } = (await res.json()) as ErrorBody;
    assert.is(error.code, 'invalid_cursor');
    assert.equal(error.fields?.map((f) => f.field), ['cursor']);
    assert.match(error.message, /^cursor is not one this server handed out/);
  }
  const handedOut = Buffer.from(JSON.stringify([NOW.getTime(), '01a222b3-0000-7000-8000-000000000000'])).toString('base64url');
  assert.is((await get(ctx, `/v1/decisions?cursor=${handedOut}`)).status, 200);
});

test('a waiver expiry without a zone is refused with 400 naming expires_at and asking for Z or ±hh:mm', async (ctx) => {
  const waiver = { rule: 'DFW-VULN-001', application: 'payments', environment: 'staging', reason: 'fix ships next week', requested_by: 'alice' };
  const res = await post(ctx, '/v1/waivers', { ...waiver, expires_at: '2026-12-20T00:00:00' });
  assert.is(res.status, 400);
  const { error } = (await res.json()) as ErrorBody;
  assert.is(error.code, 'invalid_waiver');
  assert.equal(error.fields?.map((f) => f.field), ['expires_at']);
  assert.match(error.fields![0]!.message, 'a zone is required, Z (UTC) or an offset ±hh:mm');
  assert.equal(await ctx.store.listWaivers(), [], 'nothing granted');
  const request = await post(ctx, '/v1/waiver-requests', { rule: waiver.rule, application: waiver.application, environment: waiver.environment, reason: waiver.reason, expires_at: '2026-12-20T00:00' }, CHECK);
  assert.is(request.status, 400, 'a waiver request alike');
  assert.equal(((await request.json()) as ErrorBody).error.fields?.map((f) => f.field), ['expires_at']);
  for (const expires_at of ['2026-12-20T00:00:00Z', '2026-12-20T00:00:00+01:00']) {
    const granted = await post(ctx, '/v1/waivers', { ...waiver, expires_at });
    assert.is(granted.status, 201, `${expires_at}: ${await granted.text()}`);
  }
  const [first] = await ctx.store.listWaivers();
  assert.ok(first && ['2026-12-20T00:00:00.000Z', '2026-12-19T23:00:00.000Z'].includes(new Date(first.expires_at).toISOString()));
});

test.run();
