// Console sessions: a login with an API token gives a random session id, kept server-side
// with the caller and a CSRF token, in an HttpOnly, SameSite=Strict cookie scoped to /ui.
// In memory: a restart logs everyone out, which for an admin console is acceptable.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Caller } from '../auth.js';

export const SESSION_COOKIE = 'dfw_session';
export const LOGIN_COOKIE = 'dfw_login';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export interface Session {
  id: string;
  caller: Caller;
  /** Sent back in every form as `_csrf`; compared before anything changes. */
  csrf: string;
  expires: number;
}

/** 32 random bytes, base64url. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Compares two strings in time independent of where they differ. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const secure = (c: Context) => new URL(c.req.url).protocol === 'https:';

export class Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  create(c: Context, caller: Caller): Session {
    const now = this.clock().getTime();
    if (this.sessions.size >= MAX_SESSIONS) this.prune(now);
    const session: Session = { id: randomToken(), caller, csrf: randomToken(), expires: now + SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', path: '/ui', secure: secure(c), maxAge: SESSION_TTL_MS / 1000 });
    return session;
  }

  get(c: Context): Session | undefined {
    const id = getCookie(c, SESSION_COOKIE);
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) return undefined;
    if (session.expires <= this.clock().getTime()) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  end(c: Context): void {
    const session = this.get(c);
    if (session) this.sessions.delete(session.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/ui' });
  }

  private prune(now: number): void {
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
    // Still full: the oldest go first (Map keeps insertion order).
    for (const id of this.sessions.keys()) {
      if (this.sessions.size < MAX_SESSIONS) break;
      this.sessions.delete(id);
    }
  }
}

/** The login form's CSRF token: a double-submit cookie, since there is no session yet. */
export function loginToken(c: Context): string {
  const existing = getCookie(c, LOGIN_COOKIE);
  if (existing) return existing;
  const token = randomToken();
  setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/ui', secure: secure(c), maxAge: 3600 });
  return token;
}
