// Calls to the GitHub REST API: the headers GitHub asks for, a timeout per attempt, and
// retries with exponential backoff for answers that may succeed later (5xx, 429, network).
import { GITHUB_API_VERSION } from '../../collect/collectors/github-client.js';
import { GitHubApiError } from './errors.js';

export const USER_AGENT = 'dfw-deployment-firewall';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the 2nd attempt; doubled for each one after, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Each attempt is aborted after this long and counts as a network failure. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, timeoutMs: 10_000 };

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface GitHubRequest {
  method: 'GET' | 'POST';
  url: URL;
  /** A JWT or an installation token; sent as `Authorization: Bearer …`. */
  bearer: string;
  body?: unknown;
}

/** One request; a non-2xx answer or a network failure becomes a GitHubApiError. */
export async function sendGitHubRequest(fetchImpl: FetchLike, request: GitHubRequest, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetchImpl(request.url, {
      method: request.method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${request.bearer}`,
        'user-agent': USER_AGENT,
        'x-github-api-version': GITHUB_API_VERSION,
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      // Never follow a redirect: the host was checked, where a redirect points was not.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new GitHubApiError('github_unreachable', `${request.method} ${request.url.pathname} failed: ${(err as Error).message}`, 0, { cause: err });
  }
  const text = await res.text().catch(() => '');
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    const message = body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : text.slice(0, 200);
    const error = new GitHubApiError('github_error', `${request.method} ${request.url.pathname} answered ${res.status}${message ? `: ${message}` : ''}`, res.status);
    const retryAfter = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) Object.assign(error, { retryAfterMs: retryAfter * 1000 });
    throw error;
  }
  return { status: res.status, body };
}

export interface RetryReport {
  attempt: number;
  delayMs: number;
  error: GitHubApiError;
}

/**
 * Runs `operation` until it succeeds, fails with an error that is not retryable, or runs out
 * of attempts; the last error is thrown. `attempts` of the result counts every try.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry: (report: RetryReport) => void = () => {},
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await operation(attempt), attempts: attempt };
    } catch (err) {
      if (!(err instanceof GitHubApiError) || !err.retryable || attempt >= policy.attempts) {
        if (err && typeof err === 'object' && !('attempts' in err)) Object.assign(err, { attempts: attempt });
        throw err;
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const retryAfterMs = (err as GitHubApiError & { retryAfterMs?: number }).retryAfterMs;
      const delayMs = retryAfterMs !== undefined ? Math.min(policy.maxDelayMs, Math.max(backoff, retryAfterMs)) : backoff;
      onRetry({ attempt, delayMs, error: err });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
