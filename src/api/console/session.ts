// Console sessions: a sign-in with an API token gives a random session id in an HttpOnly,
// SameSite=Strict cookie scoped to /ui; the store keeps its SHA-256 with the token's own
// fingerprint and a CSRF token, so every worker process and replica knows it. The caller is
// looked up by that fingerprint on every request, never by name: a token removed from
// dfw.yaml, or replaced by a new one under the same name, ends its sessions at once.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sha256Hex } from '../../shared/sha256.js';
import type { ConsoleSessions } from '../../store/types.js';
import type { ApiToken, Caller } from '../auth.js';

export const SESSION_COOKIE = 'dfw_session';
export const LOGIN_COOKIE = 'dfw_login';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/**
 * How a session row names its token (column `caller`): the token's SHA-256 as dfw.yaml holds
 * it. Rows written before sessions were bound to tokens hold a bare name, which no
 * fingerprint matches, so they count as ended and their holders sign in again.
 */
const FINGERPRINT_PREFIX = 'sha256:';

export const ANONYMOUS = 'anonymous';

export interface Session {
  caller: Caller;
  /** Sent back in every form as `_csrf`; compared before anything changes. */
  csrf: string;
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

const fingerprintOf = (token: ApiToken) => `${FINGERPRINT_PREFIX}${token.sha256.toLowerCase()}`;

export class Sessions {
  private readonly clock: () => Date;
  /** notifications.console_url says the console is reached over HTTPS. */
  private readonly publicHttps: boolean;

  constructor(
    private readonly store: ConsoleSessions,
    private readonly tokens: ApiToken[],
    options: { clock?: () => Date; publicUrl?: string } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.publicHttps = options.publicUrl?.toLowerCase().startsWith('https://') ?? false;
  }

  /** Signs `token` in: the only place a session row is written. */
  async create(c: Context, token: ApiToken): Promise<Session> {
    const id = randomToken();
    const csrf = randomToken();
    const expires = new Date(this.clock().getTime() + SESSION_TTL_MS);
    await this.store.create({ id_sha256: await sha256Hex(id), caller: fingerprintOf(token), csrf, expires_at: expires });
    setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: 'Strict', path: '/ui', secure: this.secure(c), maxAge: SESSION_TTL_MS / 1000 });
    return { caller: { name: token.name, roles: token.roles }, csrf };
  }

  /** The signed-in session, while its token is still configured with the same secret. */
  async get(c: Context): Promise<Session | undefined> {
    const id = getCookie(c, SESSION_COOKIE);
    if (!id) return undefined;
    const stored = await this.store.get(await sha256Hex(id), this.clock());
    const token = stored && this.tokens.find((t) => fingerprintOf(t) === stored.caller);
    return token ? { caller: { name: token.name, roles: token.roles }, csrf: stored.csrf } : undefined;
  }

  /**
   * With no tokens configured (loopback only) everyone is the anonymous admin. Nothing about
   * them needs keeping, so no row is written: the forms' CSRF token is a double-submit cookie,
   * as on the sign-in form.
   */
  anonymous(c: Context): Session {
    return { caller: { name: ANONYMOUS, roles: ['admin', 'viewer'] }, csrf: this.formToken(c) };
  }

  async end(c: Context): Promise<void> {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) await this.store.end(await sha256Hex(id));
    deleteCookie(c, SESSION_COOKIE, { path: '/ui' });
  }

  /** A CSRF token for forms sent without a session (sign-in, anonymous mode): a double-submit cookie. */
  formToken(c: Context): string {
    const existing = getCookie(c, LOGIN_COOKIE);
    if (existing) return existing;
    const token = randomToken();
    setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/ui', secure: this.secure(c), maxAge: 3600 });
    return token;
  }

  /**
   * Whether the browser reaches the console over HTTPS, so its cookies must be Secure. Behind
   * a TLS-terminating proxy dfw itself sees plain HTTP, so the request URL is not enough: an
   * https console_url says so, and so does the Origin a browser puts on the sign-in form (the
   * scheme of the page it sent the form from, RFC 6454; pages cannot set it, and a client
   * that lies about it only withholds its own cookie). X-Forwarded-Proto is not read: dfw
   * cannot tell whether a proxy or the client wrote it.
   */
  private secure(c: Context): boolean {
    if (this.publicHttps || new URL(c.req.url).protocol === 'https:') return true;
    return c.req.method === 'POST' && (c.req.header('origin') ?? '').toLowerCase().startsWith('https://');
  }
}
