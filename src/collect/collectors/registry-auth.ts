// Registry authentication as Docker Hub, GHCR and Harbor do it: a 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…` sends the client to the realm for a
// token (Docker "token authentication specification"), anonymously or with Basic
// credentials; a `Basic` challenge is answered with the credentials themselves.
import { basicAuth, CollectorFailure, describeResponse, fetchOrFail, readJson } from './http.js';

export interface RegistryEndpoint {
  /** The registry as images name it: "registry.example.com", "docker.io". */
  host: string;
  baseUrl: string;
  username?: string;
  password?: string;
  /** A token sent as Bearer on every request instead of the challenge flow. */
  token?: string;
}

/** Tokens by realm URL and user, shared by the checks of one collector. */
export interface TokenCache {
  get(key: string): { token: string; expires: number } | undefined;
  set(key: string, value: { token: string; expires: number }): void;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Tokens without expires_in live 60 s (the token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;

/** RFC 7235 challenge: scheme then auth-params; quoted values may hold commas (scope lists). */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const p of match[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

export class RegistryAuth {
  /** The Authorization header to send, once known. */
  header: string | undefined;

  constructor(
    private readonly endpoint: RegistryEndpoint,
    private readonly repository: string,
    private readonly service: string,
    private readonly signal: AbortSignal,
    private readonly tokens: TokenCache,
    private readonly now: () => number = Date.now,
  ) {
    if (endpoint.token) this.header = `Bearer ${endpoint.token}`;
  }

  /** Answers a 401's challenge; true when there is a new header to retry with. */
  async answer(response: Response): Promise<boolean> {
    if (this.endpoint.token) return false;
    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    const withCredentials = this.endpoint.username !== undefined && this.endpoint.password !== undefined;
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      this.header = `Bearer ${await this.fetchToken(challenge.params, withCredentials)}`;
      return true;
    }
    if (challenge?.scheme === 'basic' && withCredentials) {
      const header = basicAuth(this.endpoint.username!, this.endpoint.password!);
      if (header === this.header) return false;
      this.header = header;
      return true;
    }
    return false;
  }

  private async fetchToken(params: Record<string, string>, withCredentials: boolean): Promise<string> {
    const realm = new URL(params.realm!, this.endpoint.baseUrl);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`);
    // Credentials go to the realm only over TLS, or to the registry's own origin (local tests).
    if (withCredentials && realm.protocol !== 'https:' && realm.origin !== new URL(this.endpoint.baseUrl).origin) {
      throw new CollectorFailure(`${this.service} sends clients to ${realm.origin} for a token; dfw does not send credentials there over plain HTTP`);
    }
    const key = `${realm.toString()}\u0000${this.endpoint.username ?? ''}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expires > this.now()) return cached.token;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'dfw-collector' };
    if (withCredentials) headers.authorization = basicAuth(this.endpoint.username!, this.endpoint.password!);
    const tokenService = `the token service of ${this.service} (${realm.origin})`;
    const response = await fetchOrFail(tokenService, realm.toString(), { headers, signal: this.signal });
    if (!response.ok) throw new CollectorFailure(await describeResponse(tokenService, response));
    const body = (await readJson(tokenService, response, 'a token')) as Record<string, unknown> | null;
    const token = typeof body?.token === 'string' && body.token ? body.token : typeof body?.access_token === 'string' ? body.access_token : '';
    if (!token) throw new CollectorFailure(`${tokenService} answered without a token`);
    const seconds = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    // Renew a little early, so that a token does not expire between check and use.
    this.tokens.set(key, { token, expires: this.now() + Math.max(seconds - 10, 1) * 1000 });
    return token;
  }
}
