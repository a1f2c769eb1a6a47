// The GitHub collector: branch_protection, workflows, repository settings, open Dependabot
// alerts and the deployed commit's pull request for the request's source repository, from
// github.com or GitHub Enterprise Server (https://host/api/v3).
import type { EvidenceKind } from '../../evidence/types.js';
import { unavailableFor, type Collector, type CollectorResult } from '../collector.js';
import { collectBranchProtection } from './github-branch-protection.js';
import { GitHubClient } from './github-client.js';
import { collectDependabotAlerts, collectPullRequest, collectRepository } from './github-repository.js';
import { collectWorkflows } from './github-workflows.js';
import { CollectorConfigError, normalizeBaseUrl, reasonFor } from './http.js';
import { allInline, positiveInteger } from './options.js';
import type { GitHubCollectorConfig } from './github-config.js';
export type { GitHubCollectorConfig } from './github-config.js';

const KINDS: readonly EvidenceKind[] = ['branch_protection', 'workflows', 'repository', 'dependabot_alerts', 'pull_request'];
const NAME_PART = /^[A-Za-z0-9_.-]+$/;

export interface RepositoryName {
  /** The host the reference names, when it names one. */
  host?: string;
  owner: string;
  repo: string;
}

/**
 * "acme/payments", "github.com/acme/payments", "https://github.com/acme/payments(.git)",
 * "git@github.com:acme/payments.git" -> { host, owner, repo }; undefined when it is none.
 */
export function parseRepository(reference: string): RepositoryName | undefined {
  let rest = reference.trim().replace(/\/+$/, '').replace(/\.git$/, '');
  let host: string | undefined;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]+@)?([^/]+)\/(.*)$/i.exec(rest);
  const scp = /^[^@/]+@([^:/]+):(.*)$/.exec(rest);
  if (scheme) [host, rest] = [scheme[1]!, scheme[2]!];
  else if (scp) [host, rest] = [scp[1]!, scp[2]!];
  const parts = rest.split('/');
  if (!host && parts.length === 3) host = parts.shift();
  if (parts.length !== 2 || !parts.every((p) => NAME_PART.test(p) && p !== '.' && p !== '..')) return undefined;
  return { ...(host ? { host: host.toLowerCase().replace(/:443$/, '') } : {}), owner: parts[0]!, repo: parts[1]! };
}

/** github.com for api.github.com, the host itself for GitHub Enterprise Server. */
function defaultHosts(baseUrl: string): string[] {
  const host = new URL(baseUrl).host.toLowerCase();
  return [host.startsWith('api.') ? host.slice(4) : host];
}

export function createGitHubCollector(config: GitHubCollectorConfig = {}): Collector {
  const baseUrl = normalizeBaseUrl(config.base_url ?? 'https://api.github.com', 'github.base_url');
  const hosts = (config.hosts ?? defaultHosts(baseUrl)).map((h) => h.toLowerCase());
  if (hosts.length === 0) throw new CollectorConfigError('github.hosts: must name at least one host');
  const rulesets = config.rulesets ?? true;
  const timeoutMs = positiveInteger(config.timeout_ms, 10_000, 'github.timeout_ms');
  const cacheTtlMs = positiveInteger(config.cache_ttl_ms, 60_000, 'github.cache_ttl_ms', 0);

  return {
    name: 'github',
    kinds: KINDS,
    timeoutMs,
    cacheTtlMs,
    cacheKey({ request }) {
      if (allInline(request, KINDS)) return null;
      const source = request.source ?? {};
      return JSON.stringify([source.repository ?? '', source.branch ?? '', source.commit ?? '']);
    },
    async collect({ request, signal }): Promise<CollectorResult> {
      const result: CollectorResult = { evidence: {}, unavailable: {} };
      const source = request.source ?? {};
      const failAll = (reason: string): CollectorResult => unavailableFor(KINDS, reason);
      if (!source.repository) return failAll('the request names no source repository');
      const name = parseRepository(source.repository);
      if (!name) return failAll(`source repository "${source.repository}" is not a GitHub repository reference such as github.com/acme/payments`);
      if (name.host && !hosts.includes(name.host)) {
        return failAll(`source repository ${source.repository} is not on the GitHub dfw is configured for (${hosts.join(', ')})`);
      }
      const client = new GitHubClient(baseUrl, config.token, signal);
      const base = `/repos/${encodeURIComponent(name.owner)}/${encodeURIComponent(name.repo)}`;

      const branchProtection = async (): Promise<void> => {
        if (!source.branch) {
          result.unavailable.branch_protection = 'the request names no source branch';
          return;
        }
        try {
          result.evidence.branch_protection = await collectBranchProtection(client, base, source.branch, rulesets);
        } catch (err) {
          result.unavailable.branch_protection = reasonFor('GitHub', err);
        }
      };
      const workflows = async (): Promise<void> => {
        if (!source.commit) {
          result.unavailable.workflows = 'the request names no source commit, so the workflows it was built with cannot be read';
          return;
        }
        try {
          result.evidence.workflows = await collectWorkflows(client, base, source.commit);
        } catch (err) {
          result.unavailable.workflows = reasonFor('GitHub', err);
        }
      };
      const repository = async (): Promise<void> => {
        try {
          result.evidence.repository = await collectRepository(client, base);
        } catch (err) {
          result.unavailable.repository = reasonFor('GitHub', err);
        }
      };
      const dependabotAlerts = async (): Promise<void> => {
        try {
          result.evidence.dependabot_alerts = await collectDependabotAlerts(client, base);
        } catch (err) {
          result.unavailable.dependabot_alerts = reasonFor('GitHub', err);
        }
      };
      const pullRequest = async (): Promise<void> => {
        if (!source.commit) {
          result.unavailable.pull_request = 'the request names no source commit, so its pull request cannot be found';
          return;
        }
        try {
          const pull = await collectPullRequest(client, base, source.commit);
          if (pull) result.evidence.pull_request = pull;
          else result.unavailable.pull_request = `no pull request contains commit ${source.commit}: it was pushed without review`;
        } catch (err) {
          result.unavailable.pull_request = reasonFor('GitHub', err);
        }
      };
      await Promise.all([branchProtection(), workflows(), repository(), dependabotAlerts(), pullRequest()]);
      return result;
    },
  };
}
