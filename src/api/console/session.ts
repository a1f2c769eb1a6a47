// Console sessions: a login with an API token gives a random session id in an HttpOnly,
// SameSite=Strict cookie scoped to /ui; the store keeps its SHA-256 with the token's name
// and a CSRF token, so every worker process and replica knows it. The roles are looked up
// in the configuration on every request: a token removed from dfw.yaml ends its sessions.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sha256Hex } from '../../shared/sha256.js';
import type { ConsoleSessions } from '../../store/types.js';
import type { ApiToken, Caller } from '../auth.js';

export const SESSION_COOKIE = 'dfw_session';
export const LOGIN_COOKIE = 'dfw_login';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

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
  constructor(
    private readonly store: ConsoleSessions,
    private readonly tokens: ApiToken[],
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(c: Context, caller: Caller): Promise<Session> {
    const now = this.clock().getTime();
    const id = randomToken();
    const session: Session = { id, caller, csrf: randomToken(), expires: now + SESSION_TTL_MS };
    await this.store.create({ id_sha256: await sha256Hex(id), caller: caller.name, csrf: session.csrf, expires_at: new Date(session.expires) });
    setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: 'Strict', path: '/ui', secure: secure(c), maxAge: SESSION_TTL_MS / 1000 });
    return session;
  }

  async get(c: Context): Promise<Session | undefined> {
    const id = getCookie(c, SESSION_COOKIE);
    if (!id) return undefined;
    const stored = await this.store.get(await sha256Hex(id), this.clock());
    if (!stored) return undefined;
    const roles = this.rolesOf(stored.caller);
    if (!roles) return undefined;
    return { id, caller: { name: stored.caller, roles }, csrf: stored.csrf, expires: Date.parse(String(stored.expires_at)) };
  }

  async end(c: Context): Promise<void> {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) await this.store.end(await sha256Hex(id));
    deleteCookie(c, SESSION_COOKIE, { path: '/ui' });
  }

  /** The token's roles now; with no tokens configured (loopback only) the anonymous admin. */
  private rolesOf(name: string): Caller['roles'] | undefined {
    if (this.tokens.length === 0) return name === ANONYMOUS ? ['admin', 'viewer'] : undefined;
    return this.tokens.find((t) => t.name === name)?.roles;
  }
}

export const ANONYMOUS = 'anonymous';

/** The login form's CSRF token: a double-submit cookie, since there is no session yet. */
export function loginToken(c: Context): string {
  const existing = getCookie(c, LOGIN_COOKIE);
  if (existing) return existing;
  const token = randomToken();
  setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/ui', secure: secure(c), maxAge: 3600 });
  return token;
}
