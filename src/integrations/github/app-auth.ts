// Authenticating as the GitHub App: an RS256 JWT signed with the App's key ("Generating a
// JSON Web Token (JWT) for a GitHub App": iat 60 s in the past against clock drift, exp at
// most 10 minutes ahead, iss the App's client ID or app ID), exchanged for an installation
// access token (POST /app/installations/{id}/access_tokens, 201 {token, expires_at}).
// Tokens live an hour; they are cached until shortly before they expire.
import { SignJWT } from 'jose';
import { GitHubApiError } from './errors.js';
import { sendGitHubRequest, type FetchLike, type RetryPolicy } from './http.js';
import { importAppPrivateKey } from './private-key.js';

/** iat is set this far in the past, as GitHub recommends. */
export const JWT_BACKDATE_SECONDS = 60;
/** exp - iat: GitHub refuses an exp more than 10 minutes ahead, so stay a minute short of it. */
export const JWT_LIFETIME_SECONDS = 600;
/** A cached token is not used within this margin of its expires_at. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

export interface GitHubAppCredentials {
  /** The App's client ID (recommended by GitHub) or numeric app ID: the JWT's iss. */
  appId: string;
  /** PEM private key as downloaded from the App's settings (PKCS#1), or PKCS#8. */
  privateKeyPem: string;
  /** https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  apiBaseUrl?: string;
}

export const DEFAULT_API_BASE_URL = 'https://api.github.com';

/** The configured API base, checked: http(s), no credentials, query or fragment. */
export function apiBase(apiBaseUrl: string = DEFAULT_API_BASE_URL): URL {
  const url = new URL(apiBaseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`the GitHub API base URL must be http(s), got ${apiBaseUrl}`);
  if (url.username || url.password || url.search || url.hash) throw new TypeError(`the GitHub API base URL must be a plain origin and path, got ${apiBaseUrl}`);
  return url;
}

/** The base's path without a trailing slash: "" for api.github.com, "/api/v3" for GHES. */
export function apiBasePath(base: URL): string {
  return base.pathname.replace(/\/+$/, '');
}

/** A URL under the API base: apiUrl(base, '/app/installations/1/access_tokens'). */
export function apiUrl(base: URL, path: string): URL {
  const url = new URL(base.origin);
  url.pathname = `${apiBasePath(base)}${path}`;
  return url;
}

export async function createAppJwt(key: CryptoKey, appId: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000) - JWT_BACKDATE_SECONDS;
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(appId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + JWT_LIFETIME_SECONDS)
    .sign(key);
}

export interface InstallationTokenOptions {
  credentials: GitHubAppCredentials;
  fetch?: FetchLike;
  /** Only its timeout applies here: retrying is the caller's one loop. */
  retry: RetryPolicy;
  now?: () => number;
}

export interface InstallationToken {
  token: string;
  expiresAt: number;
}

/** Installation tokens by installation (and repository), fetched once and shared until near expiry. */
export class InstallationTokens {
  private readonly cache = new Map<string, InstallationToken>();
  private readonly inflight = new Map<string, Promise<InstallationToken>>();
  private key: Promise<CryptoKey> | undefined;
  private readonly base: URL;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;

  constructor(private readonly options: InstallationTokenOptions) {
    this.base = apiBase(options.credentials.apiBaseUrl);
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
  }

  /** The API base URL tokens are requested from, and callbacks must be sent to. */
  get apiBaseUrl(): URL {
    return new URL(this.base.href);
  }

  /**
   * A token for the installation, limited to one repository and to `deployments: write`
   * when repositoryId is given, as GitHub's guide for protection rules requests it.
   */
  async get(installationId: number, repositoryId?: number): Promise<string> {
    const cacheKey = `${installationId}:${repositoryId ?? '*'}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresAt - this.now() > TOKEN_REFRESH_MARGIN_MS) return cached.token;
    let pending = this.inflight.get(cacheKey);
    if (!pending) {
      pending = this.request(installationId, repositoryId).finally(() => this.inflight.delete(cacheKey));
      this.inflight.set(cacheKey, pending);
    }
    const fresh = await pending;
    for (const [key, token] of this.cache) if (token.expiresAt <= this.now()) this.cache.delete(key);
    this.cache.set(cacheKey, fresh);
    return fresh.token;
  }

  /** Forgets a token GitHub refused (revoked, or the App was reinstalled). */
  invalidate(installationId: number, repositoryId?: number): void {
    this.cache.delete(`${installationId}:${repositoryId ?? '*'}`);
  }

  private signingKey(): Promise<CryptoKey> {
    if (!this.key) {
      this.key = importAppPrivateKey(this.options.credentials.privateKeyPem);
      this.key.catch(() => (this.key = undefined));
    }
    return this.key;
  }

  private async request(installationId: number, repositoryId: number | undefined): Promise<InstallationToken> {
    const key = await this.signingKey();
    const url = apiUrl(this.base, `/app/installations/${installationId}/access_tokens`);
    const body = repositoryId !== undefined ? { repository_ids: [repositoryId], permissions: { deployments: 'write' } } : undefined;
    // One attempt: the caller's retry loop (sendReview) covers the token and the call it is
    // for, so a failing token endpoint is tried `attempts` times in all, not attempts².
    // A fresh JWT per attempt, so a retry after a long backoff is not sent an expired one.
    const jwt = await createAppJwt(key, this.options.credentials.appId, this.now());
    const value = await sendGitHubRequest(this.fetchImpl, { method: 'POST', url, bearer: jwt, ...(body ? { body } : {}) }, this.options.retry.timeoutMs);
    const answer = value.body as { token?: unknown; expires_at?: unknown } | undefined;
    const expiresAt = typeof answer?.expires_at === 'string' ? Date.parse(answer.expires_at) : Number.NaN;
    if (typeof answer?.token !== 'string' || !answer.token || Number.isNaN(expiresAt)) {
      throw new GitHubApiError('github_bad_token_response', `POST ${url.pathname} answered ${value.status} without a token and expires_at`, value.status);
    }
    return { token: answer.token, expiresAt };
  }
}
