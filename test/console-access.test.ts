// Console access through the hono app (app.request, a real SQLite store): sign-in with API
// tokens by role, redirects that stay on /ui, the Origin check and the session CSRF token on
// forms, viewers refused writes, sessions bound to their token (ended by removing or
// replacing it), unique token names, open mode on loopback names only and without session
// rows, Secure cookies behind HTTPS.
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

/** A token that replaced one: a new secret. */
const REPLACED_SHA256 = 'f'.repeat(64);
/** Deletes every console_sessions row and says how many there were (prune as of the end of time). */
const clearSessionRows = (ctx: Ctx) => ctx.store.consoleSessions.prune(new Date(8.64e15));

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

test('with no tokens configured (loopback only) the console opens as admin without sign-in, and without a session row', async (ctx) => {
  const app = appFor(ctx, []);
  await clearSessionRows(ctx);
  const res = await app.request(`${ORIGIN}/ui/notifications`);
  assert.is(res.status, 200);
  assert.match(await res.text(), 'anonymous');
  assert.is(cookieOf(res, 'dfw_session'), '', 'no session cookie');
  for (let i = 0; i < 3; i++) assert.is((await app.request(`${ORIGIN}/ui`)).status, 200);
  assert.is(await clearSessionRows(ctx), 0, 'cookie-less page views write no console_sessions row');
  // Forms still carry a CSRF token: a double-submit cookie, as on the sign-in form.
  const page = await app.request(`${ORIGIN}/ui/waivers`);
  const cookie = cookieOf(page, 'dfw_login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  assert.is((await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: csrf, event_id: 'x', receiver: 'y' }, cookie))).status, 303);
  assert.is((await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: 'forged', event_id: 'x', receiver: 'y' }, cookie))).status, 403, 'CSRF token');
  assert.is((await app.request(`${ORIGIN}/ui/notifications/retry`, form({ _csrf: csrf, event_id: 'x', receiver: 'y' }, ''))).status, 403, 'no cookie');
  assert.is(await clearSessionRows(ctx), 0);
});

test('a session is bound to its token: replacing a token under the same name ends it, and it never takes the new token\'s roles', async (ctx) => {
  const app = appFor(ctx);
  const { cookie } = await signIn(app, SECRETS.viewer);
  assert.is((await app.request(`${ORIGIN}/ui/audit`, { headers: { cookie } })).status, 200);
  // vera's leaked viewer token is replaced by a new secret with the same name, first as a
  // viewer, then as an admin: the old cookie is signed out either way.
  for (const roles of [['viewer'], ['admin']] as const) {
    const replaced = ctx.tokens.map((t) => (t.name === 'vera' ? { ...t, sha256: REPLACED_SHA256, roles: [...roles] } : t));
    const res = await appFor(ctx, replaced).request(`${ORIGIN}/ui/audit`, { headers: { cookie } });
    assert.is(res.status, 303, `replaced as ${roles}`);
    assert.match(res.headers.get('location') ?? '', /^\/ui\/login/);
  }
  // The same configuration, reloaded: still signed in.
  assert.is((await appFor(ctx, ctx.tokens.map((t) => ({ ...t, sha256: t.sha256.toUpperCase() }))).request(`${ORIGIN}/ui/audit`, { headers: { cookie } })).status, 200);
});

test('a session row from before sessions were bound to tokens (a bare name) counts as ended: sign in again', async (ctx) => {
  const app = appFor(ctx);
  const id = 'old-session-cookie-value';
  await ctx.store.consoleSessions.create({ id_sha256: await sha256Hex(id), caller: 'alice', csrf: 'old-csrf', expires_at: new Date(Date.now() + 3_600_000) });
  const res = await app.request(`${ORIGIN}/ui/waivers`, { headers: { cookie: `dfw_session=${id}` } });
  assert.is(res.status, 303);
  assert.match(res.headers.get('location') ?? '', /^\/ui\/login/);
});

test('two tokens with one name, or one secret under two names, are refused when the console is made', async (ctx) => {
  const twin = [...ctx.tokens, { name: 'alice', sha256: REPLACED_SHA256, roles: ['viewer'] as ApiToken['roles'] }];
  assert.throws(() => appFor(ctx, twin), (err: Error & { code?: string }) => err.code === 'config_invalid' && err.message === 'tokens[3].name: "alice" is already the name of tokens[1]; token names must be unique');
  const shared = [...ctx.tokens, { name: 'vera-admin', sha256: ctx.tokens[0]!.sha256, roles: ['admin'] as ApiToken['roles'] }];
  assert.throws(() => appFor(ctx, shared), /tokens\[3\]\.sha256: is already the hash of tokens\[0\] \("vera"\)/);
});

test('without tokens only loopback Host names are answered (DNS rebinding); with tokens any name reaches the sign-in', async (ctx) => {
  const open = appFor(ctx, []);
  const rebound = 'http://attacker.example:8787';
  const page = await open.request(`${rebound}/ui/waivers`);
  assert.is(page.status, 403);
  assert.match(await page.text(), 'Host &quot;attacker.example:8787&quot;');
  const grant = await open.request(`${rebound}/ui/waivers`, { ...form({ _csrf: 'x', rule: 'DFW-VULN-001' }, '', rebound) });
  assert.is(grant.status, 403, 'the grant from a rebound page');
  for (const origin of ['http://localhost:8787', 'http://127.0.0.1', 'http://127.3.2.1:9000', 'http://[::1]:8787', 'http://LOCALHOST']) {
    assert.is((await open.request(`${origin}/ui`)).status, 200, origin);
  }
  for (const origin of ['http://localhost.attacker.example', 'http://127.0.0.1.nip.io', 'http://0.0.0.0:8787']) {
    assert.is((await open.request(`${origin}/ui`)).status, 403, origin);
  }
  const withTokens = await appFor(ctx).request(`${rebound}/ui/waivers`);
  assert.is(withTokens.status, 303, 'a token is what authorizes then');
});

test('the session cookie is Secure behind HTTPS: console_url https, or a sign-in form sent from an https page', async (ctx) => {
  const secure = (res: Response) => /;\s*Secure/i.test(res.headers.getSetCookie().find((c) => c.startsWith('dfw_session=')) ?? '');
  // Plain HTTP end to end: not Secure, or the browser would never send it back.
  assert.not.ok(secure((await signIn(appFor(ctx), SECRETS.viewer)).res));
  // console_url says https: Secure although dfw itself sees http.
  const behindProxy = consoleRoutes({ tokens: ctx.tokens, store: ctx.store, policy: new ActivePolicy(), bundleName: 'firewall', waiverMaxDays: 90, publicUrl: 'https://dfw.example.com' });
  assert.ok(secure((await signIn(behindProxy, SECRETS.viewer)).res), 'console_url https');
  // No console_url, but the browser posted the sign-in form from an https page: the TLS proxy case.
  const app = appFor(ctx);
  const page = await app.request(`${ORIGIN}/ui/login`);
  const login = cookieOf(page, 'dfw_login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const viaProxy = await app.request(`${ORIGIN}/ui/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: login, origin: 'https://dfw.example.com', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ _csrf: csrf, token: SECRETS.viewer, next: '/ui' }).toString(),
  });
  assert.is(viaProxy.status, 303);
  assert.ok(secure(viaProxy), 'https Origin');
  // X-Forwarded-Proto alone is not believed.
  const forwarded = await app.request(`${ORIGIN}/ui/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: login, origin: ORIGIN, 'x-forwarded-proto': 'https' },
    body: new URLSearchParams({ _csrf: csrf, token: SECRETS.viewer, next: '/ui' }).toString(),
  });
  assert.is(forwarded.status, 303);
  assert.not.ok(secure(forwarded), 'X-Forwarded-Proto');
});

test.run();
