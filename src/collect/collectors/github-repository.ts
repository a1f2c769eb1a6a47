// evidence.repository, dependabot_alerts and pull_request from GitHub's REST API, in the
// shapes docs.github.com documents for "Get a repository", "List Dependabot alerts for a
// repository", "List pull requests associated with a commit" and "List reviews for a pull
// request" (API version 2022-11-28).
import { CollectorFailure } from './http.js';
import { describeJsonType, type GitHubClient } from './github-client.js';

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface RepositorySettings {
  visibility?: string;
  default_branch?: string;
  secret_scanning?: string;
  secret_scanning_push_protection?: string;
}

/**
 * The repository's visibility and secret scanning settings. GitHub includes
 * security_and_analysis only for callers with admin or security-manager access; without it
 * the settings stay absent and DFW-SOURCE-001 says it cannot tell.
 */
export async function collectRepository(client: GitHubClient, base: string): Promise<RepositorySettings> {
  const body = await client.getJson(base, 'the repository');
  const repo = object(body);
  if (!repo) throw new CollectorFailure(`GitHub answered the repository with ${describeJsonType(body)}, not an object`);
  // Older GitHub Enterprise Server versions have only the boolean `private`.
  const visibility = text(repo.visibility) ?? (typeof repo.private === 'boolean' ? (repo.private ? 'private' : 'public') : undefined);
  const security = object(repo.security_and_analysis);
  const status = (key: string) => text(object(security?.[key])?.status);
  const settings: RepositorySettings = {};
  if (visibility) settings.visibility = visibility;
  const defaultBranch = text(repo.default_branch);
  if (defaultBranch) settings.default_branch = defaultBranch;
  const scanning = status('secret_scanning');
  if (scanning) settings.secret_scanning = scanning;
  const pushProtection = status('secret_scanning_push_protection');
  if (pushProtection) settings.secret_scanning_push_protection = pushProtection;
  return settings;
}

export interface DependabotAlert {
  number: number;
  severity: string;
  package?: string;
  ecosystem?: string;
  advisory?: string;
  cve?: string;
}

/** The repository's open Dependabot alerts (every page). A 403 says Dependabot alerts are off. */
export async function collectDependabotAlerts(client: GitHubClient, base: string): Promise<{ open: DependabotAlert[] }> {
  const alerts = await client.getAll(`${base}/dependabot/alerts?state=open&per_page=100`, 'the open Dependabot alerts');
  const open = alerts.flatMap((item): DependabotAlert[] => {
    const alert = object(item);
    const advisory = object(alert?.security_advisory);
    // The advisory's severity, else the vulnerable range's (both low|medium|high|critical).
    const severity = text(advisory?.severity) ?? text(object(alert?.security_vulnerability)?.severity);
    if (!alert || typeof alert.number !== 'number' || !severity) return [];
    const pkg = object(object(alert.dependency)?.package);
    const name = text(pkg?.name);
    const ecosystem = text(pkg?.ecosystem);
    const ghsa = text(advisory?.ghsa_id);
    const cve = text(advisory?.cve_id);
    return [{ number: alert.number, severity: severity.toLowerCase(), ...(name ? { package: name } : {}), ...(ecosystem ? { ecosystem } : {}), ...(ghsa ? { advisory: ghsa } : {}), ...(cve ? { cve } : {}) }];
  });
  return { open };
}

export interface PullRequestEvidence {
  number: number;
  author?: string;
  approved_by: string[];
  merged_by?: string;
}

/**
 * The pull request that brought `commit`, who wrote it and who approved it. Of the pull
 * requests GitHub associates with the commit, the merged one counts. Each reviewer's last
 * APPROVED, CHANGES_REQUESTED or DISMISSED review is their verdict (comments are not), as
 * GitHub itself counts approvals. Undefined when no pull request contains the commit: it
 * was pushed directly.
 */
export async function collectPullRequest(client: GitHubClient, base: string, commit: string): Promise<PullRequestEvidence | undefined> {
  const pulls = (await client.getAll(`${base}/commits/${encodeURIComponent(commit)}/pulls?per_page=100`, `the pull requests of commit ${commit}`))
    .map(object)
    .filter((p): p is Json => p !== undefined && typeof p.number === 'number');
  const pull = pulls.find((p) => text(p.merged_at)) ?? pulls[0];
  if (!pull) return undefined;
  const number = pull.number as number;
  const reviews = await client.getAll(`${base}/pulls/${number}/reviews?per_page=100`, `the reviews of pull request #${number}`);
  const verdicts = new Map<string, string>();
  for (const item of reviews) {
    const review = object(item);
    const login = text(object(review?.user)?.login);
    const state = text(review?.state);
    if (login && state && ['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(state)) verdicts.set(login, state);
  }
  const author = text(object(pull.user)?.login);
  const mergedBy = text(object(pull.merged_by)?.login);
  return {
    number,
    ...(author ? { author } : {}),
    approved_by: [...verdicts].filter(([, state]) => state === 'APPROVED').map(([login]) => login).sort(),
    ...(mergedBy ? { merged_by: mergedBy } : {}),
  };
}
