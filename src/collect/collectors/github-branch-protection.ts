// evidence.branch_protection from GitHub: classic branch protection
// (GET /repos/{o}/{r}/branches/{b}/protection) merged with the active repository and
// organization rulesets that apply to the branch (GET /repos/{o}/{r}/rules/branches/{b}).
// GitHub enforces both layers together, the strictest setting winning, so the merge takes
// the strictest of each.
import { CollectorFailure } from './http.js';
import { describeJsonType, GitHubHttpError, type GitHubClient } from './github-client.js';

export interface BranchProtection {
  protected: boolean;
  required_approving_reviews: number;
  dismiss_stale_reviews: boolean;
  require_code_owner_reviews: boolean;
  required_status_checks: string[];
  /** Absent when only rulesets protect the branch: who may bypass them is not in the rules API. */
  enforce_admins?: boolean;
  allow_force_pushes: boolean;
  allow_deletions: boolean;
  /** Commits must carry verified signatures (DFW-GIT-006). */
  required_signatures: boolean;
}

/** What an unprotected branch allows: everything. */
const UNPROTECTED: BranchProtection = {
  protected: false,
  required_approving_reviews: 0,
  dismiss_stale_reviews: false,
  require_code_owner_reviews: false,
  required_status_checks: [],
  enforce_admins: false,
  allow_force_pushes: true,
  allow_deletions: true,
  required_signatures: false,
};

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function enabled(section: unknown): boolean | undefined {
  const value = object(section)?.enabled;
  return typeof value === 'boolean' ? value : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** Classic protection as evidence; undefined when GitHub says "Branch not protected". */
async function readClassic(client: GitHubClient, base: string, branch: string): Promise<BranchProtection | undefined> {
  let body: unknown;
  try {
    body = await client.getJson(`${base}/branches/${encodeURIComponent(branch)}/protection`, `the protection of branch ${branch}`);
  } catch (err) {
    // GitHub answers 404 both for an unprotected branch and for a repository or branch it
    // cannot see; only the first is a fact about the branch.
    if (err instanceof GitHubHttpError && err.status === 404 && err.githubMessage === 'Branch not protected') return undefined;
    throw err;
  }
  const protection = object(body);
  if (!protection) throw new CollectorFailure(`GitHub answered the protection of branch ${branch} with ${describeJsonType(body)}, not an object`);
  // required_pull_request_reviews is absent when pull requests are not required.
  const reviews = object(protection.required_pull_request_reviews);
  const checks = object(protection.required_status_checks);
  const contexts = new Set<string>();
  for (const c of Array.isArray(checks?.contexts) ? checks.contexts : []) if (typeof c === 'string') contexts.add(c);
  for (const c of Array.isArray(checks?.checks) ? checks.checks : []) {
    const context = object(c)?.context;
    if (typeof context === 'string') contexts.add(context);
  }
  return {
    protected: true,
    required_approving_reviews: count(reviews?.required_approving_review_count),
    dismiss_stale_reviews: reviews?.dismiss_stale_reviews === true,
    require_code_owner_reviews: reviews?.require_code_owner_reviews === true,
    required_status_checks: [...contexts],
    enforce_admins: enabled(protection.enforce_admins) ?? false,
    // Both default to off on a protected branch.
    allow_force_pushes: enabled(protection.allow_force_pushes) ?? false,
    allow_deletions: enabled(protection.allow_deletions) ?? false,
    required_signatures: enabled(protection.required_signatures) ?? false,
  };
}

/** Applies the rules of type pull_request, non_fast_forward, deletion, required_signatures and required_status_checks. */
function mergeRules(start: BranchProtection, rules: unknown[]): BranchProtection {
  const merged: BranchProtection = { ...start, required_status_checks: [...start.required_status_checks] };
  for (const item of rules) {
    const rule = object(item);
    const parameters = object(rule?.parameters);
    switch (rule?.type) {
      case 'pull_request':
        merged.required_approving_reviews = Math.max(merged.required_approving_reviews, count(parameters?.required_approving_review_count));
        merged.dismiss_stale_reviews ||= parameters?.dismiss_stale_reviews_on_push === true;
        merged.require_code_owner_reviews ||= parameters?.require_code_owner_review === true;
        break;
      case 'non_fast_forward':
        merged.allow_force_pushes = false;
        break;
      case 'deletion':
        merged.allow_deletions = false;
        break;
      case 'required_signatures':
        merged.required_signatures = true;
        break;
      case 'required_status_checks':
        for (const c of Array.isArray(parameters?.required_status_checks) ? parameters.required_status_checks : []) {
          const context = object(c)?.context;
          if (typeof context === 'string' && !merged.required_status_checks.includes(context)) merged.required_status_checks.push(context);
        }
        break;
      default:
        break;
    }
  }
  return merged;
}

/**
 * The branch's protection. With `rulesets` off (GitHub Enterprise Server before rulesets),
 * only classic protection is read.
 */
export async function collectBranchProtection(client: GitHubClient, base: string, branch: string, rulesets: boolean): Promise<BranchProtection> {
  const [classic, rules] = await Promise.all([
    readClassic(client, base, branch),
    rulesets ? client.getAll(`${base}/rules/branches/${encodeURIComponent(branch)}?per_page=100`, `the rulesets of branch ${branch}`) : Promise.resolve([]),
  ]);
  if (classic) return mergeRules(classic, rules);
  // A branch that only rulesets protect is protected: any active rule targets it.
  if (rules.length === 0) return { ...UNPROTECTED };
  const rulesetOnly: BranchProtection = { ...UNPROTECTED, protected: true };
  delete rulesetOnly.enforce_admins;
  return mergeRules(rulesetOnly, rules);
}
