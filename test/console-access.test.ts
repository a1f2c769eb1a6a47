// Console access through the hono app (app.request, a real SQLite store): sign-in with API
// tokens by role, redirects that stay on /ui, the Origin check and the session CSRF token on
// forms, viewers refused writes, sessions ended by removing a token, open mode on loopback.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { consoleRoutes } from '../src/api/console/index.js';
import type { ApiToken } from '../src/api/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { openStore, type Store } from '../src/store/index.js';

const ORIGIN = 'http://127.0.0.1:8787';
const SECRETS = { viewer: 'viewer-secret-1', admin: 'admin-secret-1', check: 'check-secret-1' };

interface Ctx {
  store: Store;
  tokens: ApiToken[];
}

const test = suite<Ctx>('console access');

test.before(async (ctx) => {
  ctx.store = await openStore('sqlite::memory:');
  ctx.tokens = [
    { name: 'vera', sha256: await sha256Hex(SECRETS.viewer), roles: ['viewer'] },
    { name: 'alice', sha256: await sha256Hex(SECRETS.admin), roles: ['admin'] },
    { name: 'spinnaker', sha256: await sha256Hex(SECRETS.check), roles: ['check'] },
  ];
});
test.after((ctx) => ctx.store.close());

const appFor = (ctx: Ctx, tokens = ctx.tokens) => consoleRoutes({ tokens, store: ctx.store, policy: new ActivePolicy(), bundleName: 'firewall', waiverMaxDays: 90 });
const cookieOf = (res: Response, name: string) => /^([^;]+)/.exec(res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '')?.[1] ?? '';
const form = (fields: Record<string, string>, cookie: string, origin = ORIGIN) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...(origin ? { origin } : {}) },
  body: new URLSearchParams(fields).toString(),
});

async function signIn(app: ReturnType<typeof appFor>, secret: string, next = '/ui'): Promise<{ res: Response; cookie: string }> {
  const page = await app.request(`${ORIGIN}/ui/login`);
  const login = cookieOf(page, 'dfw_login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await app.request(`${ORIGIN}/ui/login`, form({ _csrf: csrf, token: secret, next }, login));
  return { res, cookie: cookieOf(res, 'dfw_session') };
}

test('pages need a session: the login keeps where you were going, only on /ui', async (ctx) => {
  const app = appFor(ctx);
  const res = await app.request(`${ORIGIN}/ui/decisions?verdict=deny`);
  assert.is(res.status, 303);
  assert.is(res.headers.get('location'), '/ui/login?next=%2Fui%2Fdecisions%3Fverdict%3Ddeny');
  const { res: signedIn } = await signIn(app, SECRETS.viewer, '/ui/decisions?verdict=deny');
  assert.is(signedIn.headers.get('location'), '/ui/decisions?verdict=deny');
  const { res: offsite } = await signIn(app, SECRETS.viewer, '//evil.example/ui');
  assert.is(offsite.headers.get('location'), '/ui');
});

test('viewer and admin tokens sign in; a check token and an unknown token do not', async (ctx) => {
  const app = appFor(ctx);
  const viewer = await signIn(app, SECRETS.viewer);
  assert.is(viewer.res.status, 303);
  assert.match(viewer.res.headers.getSetCookie().join(), /dfw_session=[^;]+; Max-Age=43200; Path=\/ui; HttpOnly; SameSite=Strict/);
  assert.is((await signIn(app, SECRETS.check)).res.status, 403);
  assert.is((await signIn(app, 'not-a-token')).res.status, 401);
  const page = await app.request(`${ORIGIN}/ui/waivers`, { headers: { cookie: viewer.cookie } });
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
  assert.not.match(await page.text(), 'Grant waiver');
});

test('forms: the Origin must be ours and the session CSRF token must match; viewers cannot write', async (ctx) => {
  const app = appFor(ctx);
  const { cookie } = await signIn(app, SECRETS.viewer);
  const html = await (await app.request(`${ORIGIN}/ui/waivers`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  assert.is((await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: csrf, event_id: 'x', receiver: 'y' }, cookie, 'https://evil.example'))).status, 403, 'cross-origin');
  assert.is((await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: 'wrong', event_id: 'x', receiver: 'y' }, cookie))).status, 403, 'CSRF token');
  const refused = await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: csrf, event_id: 'x', receiver: 'y' }, cookie));
  assert.is(refused.status, 403, 'viewer');
  assert.match(await refused.text(), 'needs the admin role');
  const admin = await signIn(app, SECRETS.admin);
  const adminHtml = await (await app.request(`${ORIGIN}/ui/waivers`, { headers: { cookie: admin.cookie } })).text();
  const adminCsrf = /name="_csrf" value="([^"]+)"/.exec(adminHtml)![1]!;
  const retried = await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: adminCsrf, event_id: 'x', receiver: 'y' }, admin.cookie));
  assert.is(retried.status, 303);
});

test('a session ends with sign-out, and when its token is removed from the configuration', async (ctx) => {
  const app = appFor(ctx);
  const { cookie } = await signIn(app, SECRETS.viewer);
  assert.is((await app.request(`${ORIGIN}/ui/audit`, { headers: { cookie } })).status, 200);
  const without = appFor(ctx, ctx.tokens.filter((t) => t.name !== 'vera'));
  assert.is((await without.request(`${ORIGIN}/ui/audit`, { headers: { cookie } })).status, 303, 'token removed');
  const html = await (await app.request(`${ORIGIN}/ui/audit`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  assert.is((await app.request(`${ORIGIN}/ui/logout`, form({ _csrf: csrf }, cookie))).status, 303);
  assert.is((await app.request(`${ORIGIN}/ui/audit`, { headers: { cookie } })).status, 303, 'signed out');
});

test('the decisions filter says when a time cannot be read instead of ignoring it silently', async (ctx) => {
  const app = appFor(ctx);
  const { cookie } = await signIn(app, SECRETS.viewer);
  const res = await app.request(`${ORIGIN}/ui/decisions?from=yesterday&verdict=deny`, { headers: { cookie } });
  assert.is(res.status, 200);
  const html = await res.text();
  assert.match(html, 'From: not a date and time');
  assert.match(html, '<option value="deny" selected="">denied</option>');
});

test('with no tokens configured (loopback only) the console opens as admin without sign-in', async (ctx) => {
  const app = appFor(ctx, []);
  const res = await app.request(`${ORIGIN}/ui/notifications`);
  assert.is(res.status, 200);
  assert.ok(cookieOf(res, 'dfw_session'), 'a session is started');
  assert.match(await res.text(), 'anonymous');
});

test.run();
