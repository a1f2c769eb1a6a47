// Answering GitHub: POST the review to the payload's deployment_callback_url ("Review custom
// deployment protection rules for a workflow run"; 204 on success). The URL comes from the
// request body, so before any token is sent with it, it must be exactly the review endpoint
// of the event's own repository on the configured API host: an arbitrary URL would make
// dfw post an installation token wherever a payload pointed (SSRF).
import { apiBasePath, type InstallationTokens } from './app-auth.js';
import type { ReviewComment } from './comment.js';
import { GitHubApiError, GitHubIntegrationError } from './errors.js';
import { sendGitHubRequest, withRetries, type FetchLike, type RetryPolicy, type RetryReport } from './http.js';

const NAME = /^(?!\.+$)[A-Za-z0-9_.-]{1,100}$/;

/**
 * The callback URL if it is `{api base}/repos/{owner}/{repo}/actions/runs/{run id}/deployment_protection_rule`
 * for the event's repository on the configured API origin; otherwise a GitHubIntegrationError.
 */
export function resolveCallbackUrl(callbackUrl: string, base: URL, repositoryFullName: string): URL {
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    throw new GitHubIntegrationError('github_callback_url_invalid', 'deployment_callback_url is not a URL');
  }
  const basePath = apiBasePath(base);
  const refuse = (why: string) =>
    new GitHubIntegrationError('github_callback_url_refused', `deployment_callback_url ${url.origin}${url.pathname} refused: ${why}; dfw only calls the configured GitHub API (${base.origin}${basePath})`);
  if (url.origin !== base.origin) throw refuse('not on the configured GitHub API host');
  if (url.username || url.password || url.search || url.hash) throw refuse('it carries credentials, a query or a fragment');
  if (!url.pathname.startsWith(`${basePath}/`)) throw refuse('not under the API base path');
  const parts = url.pathname.slice(basePath.length + 1).split('/');
  const [repos, owner, repo, actions, runs, runId, leaf, ...rest] = parts;
  const shaped =
    repos === 'repos' && actions === 'actions' && runs === 'runs' && leaf === 'deployment_protection_rule' && rest.length === 0 &&
    NAME.test(owner ?? '') && NAME.test(repo ?? '') && /^[1-9]\d{0,19}$/.test(runId ?? '');
  if (!shaped) throw refuse('not a deployment protection rule review endpoint');
  if (`${owner}/${repo}`.toLowerCase() !== repositoryFullName.toLowerCase()) throw refuse(`it names ${owner}/${repo}, the event names ${repositoryFullName}`);
  return url;
}

export interface SendReviewOptions {
  tokens: InstallationTokens;
  installationId: number;
  repositoryId?: number;
  fetch: FetchLike;
  retry: RetryPolicy;
  onRetry?: (report: RetryReport) => void;
}

export interface ReviewBody {
  environment_name: string;
  state: ReviewComment['state'];
  comment: string;
}

/**
 * Posts the review in one retry loop that covers the installation token too: 5xx, 429 and
 * network failures of either are retried, `retry.attempts` times in all. A 401 means the cached token
 * was revoked (the App was reinstalled, the token rotated): it is dropped and the post is
 * sent once more with a new one. Returns the attempts used.
 */
export async function sendReview(url: URL, body: ReviewBody, options: SendReviewOptions): Promise<{ attempts: number; status: number }> {
  const token = () => options.tokens.get(options.installationId, options.repositoryId);
  const post = (bearer: string) => sendGitHubRequest(options.fetch, { method: 'POST', url, bearer, body }, options.retry.timeoutMs);
  const { value, attempts } = await withRetries(
    async () => {
      const bearer = await token();
      try {
        return await post(bearer);
      } catch (err) {
        if (!(err instanceof GitHubApiError) || err.status !== 401) throw err;
        options.tokens.invalidate(options.installationId, options.repositoryId);
        return post(await token());
      }
    },
    options.retry,
    options.onRetry,
  );
  return { attempts, status: value.status };
}
