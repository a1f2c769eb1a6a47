// Who may use the console: sign-in with an API token (viewer or admin) into a session,
// sign-out, and the middleware that requires a session for every page and, for every form,
// the session's CSRF token. `next=` after sign-in only ever leads back into /ui. Without
// tokens (loopback only) everyone is the anonymous admin, with no session row.
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { ForbiddenError } from '../../shared/errors.js';
import { findToken, type ApiToken } from '../auth.js';
import { isAdmin } from './layout.js';
import { LoginPage } from './pages/login.js';
import { LOGIN_COOKIE, sameToken, type Session, type Sessions } from './session.js';

export type ConsoleEnv = { Variables: { session: Session } };

/** Throws 403 unless the signed-in caller is an admin (viewers read only). */
export function requireAdmin(c: Context<ConsoleEnv>): void {
  if (!isAdmin(c.get('session'))) throw new ForbiddenError('forbidden', `"${c.get('session').caller.name}" may read the console but not change anything (viewer): this needs the admin role`);
}

export function mountAccess(app: Hono<ConsoleEnv>, deps: { tokens: ApiToken[]; sessions: Sessions }): void {
  const { sessions } = deps;
  const safeNext = (next: unknown) => (typeof next === 'string' && /^\/ui(\/[\w\-./?=&%:+]*)?$/.test(next) && !next.startsWith('//') ? next : '/ui');

  app.get('/ui/login', (c) => c.html(<LoginPage csrf={sessions.formToken(c)} next={safeNext(c.req.query('next'))} />));
  app.post('/ui/login', async (c) => {
    const form = await c.req.parseBody();
    const expected = getCookie(c, LOGIN_COOKIE) ?? '';
    if (!sameToken(String(form._csrf ?? ''), expected)) throw new ForbiddenError('csrf_token', 'the sign-in form expired; load it again');
    const token = typeof form.token === 'string' && form.token ? await findToken(deps.tokens, form.token.trim()) : undefined;
    if (!token) return c.html(<LoginPage csrf={sessions.formToken(c)} next={safeNext(form.next)} error="That API token is not valid." />, 401);
    if (!token.roles.includes('viewer') && !token.roles.includes('admin')) {
      return c.html(<LoginPage csrf={sessions.formToken(c)} next={safeNext(form.next)} error={`Token "${token.name}" has neither the viewer nor the admin role.`} />, 403);
    }
    await sessions.create(c, token);
    return c.redirect(safeNext(form.next), 303);
  });

  // Everything else needs a session; with no tokens configured (loopback only) everyone is admin.
  const requireSession = async (c: Context<ConsoleEnv>, next: () => Promise<void>): Promise<Response | void> => {
    if (c.req.path.startsWith('/ui/assets/') || c.req.path === '/ui/login') return next();
    const session = deps.tokens.length === 0 ? sessions.anonymous(c) : await sessions.get(c);
    if (!session) {
      const target = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/ui';
      return c.redirect(`/ui/login?next=${encodeURIComponent(target)}`, 303);
    }
    c.set('session', session);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!sameToken(String(form._csrf ?? ''), session.csrf)) throw new ForbiddenError('csrf_token', 'the form is stale or not from this console; load the page again');
    }
    return next();
  };
  app.use('/ui', requireSession);
  app.use('/ui/*', requireSession);

  app.post('/ui/logout', async (c) => {
    await sessions.end(c);
    return c.redirect('/ui/login', 303);
  });
}
