// A small GitHub REST client for the collector: the headers GitHub asks for
// (docs.github.com/rest "API versions", "media types"), JSON bodies, Link pagination, and
// failures as sentences: "GitHub answered 401: Bad credentials", with the reset time when a
// rate limit is the reason.
import { CollectorFailure, errorMessageOf, fetchOrFail, nextLink, readErrorBody, readJson } from './http.js';
import { describeHttpFailure } from '../collector.js';

/** GitHub's REST API version dfw's calls were written against ("About API versioning"); the deployment protection integration sends it too. */
export const GITHUB_API_VERSION = '2022-11-28';
const SERVICE = 'GitHub';
/** Bounds a paginated listing; a branch has far fewer rules than 100 × 10. */
const MAX_PAGES = 10;

/** A non-2xx answer; `message` is GitHub's own, so callers can tell 404s apart. */
export class GitHubHttpError extends CollectorFailure {
  override name = 'GitHubHttpError';
  constructor(readonly status: number, readonly githubMessage: string, reason: string) {
    super(reason);
  }
}

export class GitHubClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly signal: AbortSignal,
  ) {}

  private headers(accept: string): Record<string, string> {
    return {
      accept,
      'x-github-api-version': GITHUB_API_VERSION,
      'user-agent': 'dfw-collector',
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
    };
  }

  private async send(url: string, accept: string): Promise<Response> {
    const response = await fetchOrFail(SERVICE, url, { headers: this.headers(accept), signal: this.signal });
    if (response.ok) return response;
    const body = await readErrorBody(response);
    const message = errorMessageOf(body);
    let reason = describeHttpFailure(SERVICE, response.status, message);
    // Primary rate limits say when they reset; secondary ones say how long to wait.
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    if ((response.status === 403 || response.status === 429) && response.headers.get('x-ratelimit-remaining') === '0' && reset > 0) {
      reason += `; the rate limit resets at ${new Date(reset * 1000).toISOString()}`;
    } else if (response.headers.get('retry-after')) {
      reason += `; retry after ${response.headers.get('retry-after')} s`;
    }
    throw new GitHubHttpError(response.status, message, reason);
  }

  /** GET a JSON document; `what` names it in a malformed-JSON reason. */
  async getJson(path: string, what: string): Promise<unknown> {
    const response = await this.send(`${this.baseUrl}${path}`, 'application/vnd.github+json');
    return readJson(SERVICE, response, what);
  }

  /** GET as text with another media type, e.g. application/vnd.github.sha. */
  async getText(path: string, accept: string): Promise<string> {
    const response = await this.send(`${this.baseUrl}${path}`, accept);
    return response.text();
  }

  /**
   * Every item of a paginated array listing. Link URLs are followed only on GitHub's own
   * origin, so the token is never sent elsewhere.
   */
  async getAll(path: string, what: string): Promise<unknown[]> {
    const items: unknown[] = [];
    const origin = new URL(this.baseUrl).origin;
    let url: string | undefined = `${this.baseUrl}${path}`;
    for (let page = 0; url; page++) {
      if (page >= MAX_PAGES) throw new CollectorFailure(`GitHub listed more than ${MAX_PAGES} pages of ${what}; dfw stops there`);
      const response = await this.send(url, 'application/vnd.github+json');
      const body = await readJson(SERVICE, response, what);
      if (!Array.isArray(body)) throw new CollectorFailure(`GitHub answered ${what} with ${describeJsonType(body)}, not a list`);
      items.push(...body);
      const next = nextLink(response.headers.get('link'), url);
      url = next && new URL(next).origin === origin ? next : undefined;
    }
    return items;
  }
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
