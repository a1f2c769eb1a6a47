// API tokens: stored as SHA-256 hashes (never in clear), each with a name and roles.
// `check` for CD tools, `evidence` for CI pipelines, `admin` for waivers and bundles,
// `viewer` to read the console (/ui) and nothing that writes; admin may do everything.
// Without tokens every caller is an anonymous admin, answered on loopback names only.
import type { Context, MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthenticatedError } from '../shared/errors.js';
import { sha256Hex } from '../shared/sha256.js';

export const ROLES = ['check', 'evidence', 'admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiToken {
  name: string;
  /** Hex SHA-256 of the token. */
  sha256: string;
  roles: Role[];
}

export interface Caller {
  name: string;
  roles: Role[];
}

export { sha256Hex };

/** Compares two hex digests in time independent of where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The configured token whose hash is the presented secret's, compared in constant time. */
export async function findToken(tokens: ApiToken[], presented: string): Promise<ApiToken | undefined> {
  const hash = await sha256Hex(presented);
  let found: ApiToken | undefined;
  for (const t of tokens) if (constantTimeEqual(t.sha256.toLowerCase(), hash)) found = t;
  return found;
}

export async function findCaller(tokens: ApiToken[], presented: string): Promise<Caller | undefined> {
  const found = await findToken(tokens, presented);
  return found ? { name: found.name, roles: found.roles } : undefined;
}

/** Names that only ever mean this machine, with or without a port (URL hostnames, so IPv6 in brackets). */
export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * With no tokens every caller is an anonymous admin, which is safe only because the server
 * then binds to loopback. DNS rebinding gets around the bind: a page on attacker.example
 * re-points its own name at 127.0.0.1 and, being same-origin with itself, calls the port
 * from the victim's browser. Its requests still say `Host: attacker.example`, so without
 * tokens only requests addressed to a loopback name are answered (403 host_not_allowed).
 * With tokens the token is what authorizes, whatever the name.
 */
export function requireLoopbackHost(tokens: ApiToken[]): MiddlewareHandler {
  return async (c, next) => {
    if (tokens.length > 0) return next();
    // The URL's host is the Host header as @hono/node-server read it (lower-cased, IPv4 normalised).
    const url = new URL(c.req.url);
    if (!isLoopbackName(url.hostname)) {
      throw new ForbiddenError(
        'host_not_allowed',
        `the request is addressed to Host "${url.host}", which is not this machine's loopback name: with no API tokens configured dfw answers only ` +
          'Host localhost, 127.x.x.x or [::1] (any port), so that a web page cannot reach it by pointing its own name at this machine (DNS rebinding); ' +
          'configure API tokens to serve other names',
      );
    }
    return next();
  };
}

/**
 * The caller behind the request's bearer token; with no tokens configured the API is open —
 * the server refuses to bind anywhere but loopback in that case — and the caller is
 * "anonymous". Throws 401 for a missing or unknown token.
 */
async function authenticate(c: Context, tokens: ApiToken[]): Promise<Caller> {
  if (tokens.length === 0) return { name: 'anonymous', roles: [...ROLES] };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (!match) {
    c.header('WWW-Authenticate', 'Bearer realm="dfw"');
    throw new UnauthenticatedError('unauthenticated', 'this route needs an API token: send "Authorization: Bearer <token>"');
  }
  const caller = await findCaller(tokens, match[1]!);
  if (!caller) {
    c.header('WWW-Authenticate', 'Bearer realm="dfw", error="invalid_token"');
    throw new UnauthenticatedError('invalid_token', 'the API token is not valid');
  }
  return caller;
}

/** Requires a bearer token with `role` (or admin). */
export function requireRole(tokens: ApiToken[], role: Role): MiddlewareHandler<{ Variables: { caller: Caller } }> {
  return async (c, next) => {
    const caller = await authenticate(c, tokens);
    if (!caller.roles.includes(role) && !caller.roles.includes('admin')) {
      throw new ForbiddenError('forbidden', `token "${caller.name}" lacks the "${role}" role this route needs (it has: ${caller.roles.join(', ')})`);
    }
    c.set('caller', caller);
    return next();
  };
}

/** Any valid token, whatever its roles. */
export function requireAnyToken(tokens: ApiToken[]): MiddlewareHandler<{ Variables: { caller: Caller } }> {
  return async (c, next) => {
    c.set('caller', await authenticate(c, tokens));
    return next();
  };
}
