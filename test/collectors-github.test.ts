// The GitHub collector against a real HTTP server serving GitHub's recorded shapes: branch
// protection (classic and rulesets), workflows at the deployed commit, every way GitHub can
// fail, and the result through the real policy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckRequest } from '../src/collect/check-request.js';
import type { Collector, CollectorResult } from '../src/collect/collector.js';
import { createGitHubCollector, parseRepository, type GitHubCollectorConfig } from '../src/collect/collectors/index.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import type { Evaluator, InputDocument } from '../src/engine/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import {
  checkWithCollectors, fixtureJson, fixtureText, MALFORMED_JSON, startFakeGitHub, violationsOf,
  type FakeGitHubState, type FakeServer,
} from './helpers/fake-servers.js';

const TOKEN = 'ghp_test_only_0123456789';
const COMMIT = '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e';
const BAD_YAML_COMMIT = '1111111111111111111111111111111111111111';
const NO_WORKFLOWS_COMMIT = '2222222222222222222222222222222222222222';
const BROAD_COMMIT = '3333333333333333333333333333333333333333';

const RULESET_RULES = [
  { type: 'pull_request', ruleset_source_type: 'Repository', ruleset_source: 'acme/payments', ruleset_id: 42,
    parameters: { required_approving_review_count: 2, dismiss_stale_reviews_on_push: true, require_code_owner_review: true, require_last_push_approval: false, required_review_thread_resolution: false } },
  { type: 'non_fast_forward', ruleset_source_type: 'Repository', ruleset_source: 'acme/payments', ruleset_id: 42 },
  { type: 'deletion', ruleset_source_type: 'Organization', ruleset_source: 'acme', ruleset_id: 7 },
  { type: 'required_status_checks', ruleset_source_type: 'Repository', ruleset_source: 'acme/payments', ruleset_id: 42,
    parameters: { strict_required_status_checks_policy: true, required_status_checks: [{ context: 'ci/build', integration_id: 15368 }] } },
];

function state(): FakeGitHubState {
  return {
    token: TOKEN,
    rulesPageSize: 2,
    repositories: {
      'acme/payments': {
        // The pull request that brought COMMIT: alice wrote it, bob approved it.
        pulls: { [COMMIT]: [{ number: 1287, state: 'closed', title: 'Retry ledger writes', user: { login: 'alice', type: 'User' }, merged_at: '2026-11-27T17:40:02Z', merge_commit_sha: COMMIT }] },
        reviews: { 1287: [
          { id: 80, user: { login: 'bob', type: 'User' }, body: '', state: 'COMMENTED', submitted_at: '2026-11-27T16:02:11Z', commit_id: COMMIT },
          { id: 81, user: { login: 'bob', type: 'User' }, body: 'LGTM', state: 'APPROVED', submitted_at: '2026-11-27T17:30:40Z', commit_id: COMMIT },
        ] },
        protection: {
          main: fixtureJson('github/branch-protection-full.json'),
          release: fixtureJson('github/branch-protection-minimal.json'),
        },
        rules: {
          'ruleset-only': RULESET_RULES,
          release: [{ type: 'pull_request', parameters: { required_approving_review_count: 1, dismiss_stale_reviews_on_push: false, require_code_owner_review: false } }],
        },
        commits: {
          [COMMIT]: {
            '.github/workflows/scorecard.yml': fixtureText('github/workflows/least-privilege-scorecard.yml'),
            '.github/workflows/docker-sign.yaml': fixtureText('github/workflows/job-level-build-sign-scorecard-action.yml'),
            '.github/workflows/README.md': 'Workflows of the payments service.\n',
            '.github/workflows/templates/reusable.yml': 'on: workflow_call\njobs: {}\n',
            'src/index.ts': 'export {};\n',
          },
          [BAD_YAML_COMMIT]: {
            '.github/workflows/ci.yml': fixtureText('github/workflows/write-all.yml'),
            '.github/workflows/broken.yml': 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n   steps: [\n',
          },
          [NO_WORKFLOWS_COMMIT]: { 'README.md': '# payments\n' },
          [BROAD_COMMIT]: {
            '.github/workflows/write-all.yml': fixtureText('github/workflows/write-all.yml'),
            '.github/workflows/default.yml': fixtureText('github/workflows/no-permissions-default.yml'),
            '.github/workflows/explicit.yml': fixtureText('github/workflows/write-explicit-broad.yml'),
          },
        },
      },
    },
  };
}

function request(source: CheckRequest['source'], evidence?: Record<string, unknown>): CheckRequest {
  return {
    application: 'payments',
    service: 'payments-api',
    environment: 'production',
    artifact: { image: 'registry.example.com/payments/api:1.5.0' },
    source,
    ...(evidence ? { evidence } : {}),
  };
}

const SOURCE = { repository: 'github.com/acme/payments', branch: 'main', commit: COMMIT };

const github = suite<{ server: FakeServer; evaluator?: Evaluator }>('collectors-github');

github.before(async (ctx) => {
  ctx.server = await startFakeGitHub(state());
});

github.after(async (ctx) => {
  await ctx.server.close();
});

github.before.each((ctx) => {
  ctx.server.reset();
});

function collector(server: FakeServer, options: Partial<GitHubCollectorConfig> = {}): Collector {
  return createGitHubCollector({ base_url: server.url, token: TOKEN, hosts: ['github.com'], ...options });
}

async function collect(server: FakeServer, source: CheckRequest['source'], options: Partial<GitHubCollectorConfig> = {}): Promise<CollectorResult> {
  const req = request(source);
  return collector(server, options).collect({ request: req, input: {} as InputDocument, signal: new AbortController().signal });
}

/** The permission parts of evidence.workflows (triggers, runners and steps: test/collectors-github-pack.test.ts). */
function permissionsOf(workflows: unknown): unknown {
  return (workflows as Array<{ path: string; permissions: unknown; jobs: Array<{ name: string; permissions: unknown }> }>).map((w) => ({
    path: w.path,
    permissions: w.permissions,
    jobs: w.jobs.map((j) => ({ name: j.name, permissions: j.permissions })),
  }));
}

/** Every kind the GitHub collector provides, each unavailable for `reason`. */
function allUnavailable(reason: string): Record<string, string> {
  return { branch_protection: reason, workflows: reason, repository: reason, dependabot_alerts: reason, pull_request: reason };
}

async function evaluator(ctx: { evaluator?: Evaluator }): Promise<Evaluator> {
  ctx.evaluator ??= await loadTestEvaluator({ revision: 'collectors-github' });
  return ctx.evaluator;
}

github('maps the recorded full protection of a branch, asking GitHub with token, media type and API version', async ({ server }) => {
  const result = await collect(server, SOURCE);
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.branch_protection, {
    protected: true,
    required_approving_reviews: 1,
    dismiss_stale_reviews: true,
    require_code_owner_reviews: false,
    required_status_checks: ['foo/bar'],
    enforce_admins: true,
    allow_force_pushes: false,
    allow_deletions: false,
    required_signatures: false,
  });
  const protection = server.requests.find((r) => r.path === '/repos/acme/payments/branches/main/protection')!;
  assert.ok(protection, 'asked for the classic protection');
  assert.is(protection.headers.authorization, `Bearer ${TOKEN}`);
  assert.is(protection.headers.accept, 'application/vnd.github+json');
  assert.is(protection.headers['x-github-api-version'], '2022-11-28');
  const rules = server.requests.find((r) => r.path === '/repos/acme/payments/rules/branches/main')!;
  assert.is(rules.query.get('per_page'), '100');
});

github('a protected branch without a pull-request section requires 0 reviews', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, branch: 'release' }, { rulesets: false });
  assert.equal(result.evidence.branch_protection, {
    protected: true,
    required_approving_reviews: 0,
    dismiss_stale_reviews: false,
    require_code_owner_reviews: false,
    required_status_checks: [],
    enforce_admins: false,
    allow_force_pushes: false,
    allow_deletions: false,
    required_signatures: false,
  });
  assert.not.ok(server.requests.some((r) => r.path.includes('/rules/')), 'rulesets: false reads classic protection only');
});

github('"Branch not protected" is a fact (protected: false), not a failure', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, branch: 'feature/x' });
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.branch_protection, {
    protected: false,
    required_approving_reviews: 0,
    dismiss_stale_reviews: false,
    require_code_owner_reviews: false,
    required_status_checks: [],
    enforce_admins: false,
    allow_force_pushes: true,
    allow_deletions: true,
    required_signatures: false,
  });
  assert.ok(server.requests.some((r) => r.path === '/repos/acme/payments/branches/feature/x/protection'));
});

github('a branch protected only by rulesets counts as protected, reading every page of rules', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, branch: 'ruleset-only' });
  assert.equal(result.unavailable, {});
  assert.equal(result.evidence.branch_protection, {
    protected: true,
    required_approving_reviews: 2,
    dismiss_stale_reviews: true,
    require_code_owner_reviews: true,
    required_status_checks: ['ci/build'],
    allow_force_pushes: false,
    allow_deletions: false,
    required_signatures: false,
  });
  const pages = server.requests.filter((r) => r.path === '/repos/acme/payments/rules/branches/ruleset-only').map((r) => r.query.get('page'));
  assert.equal(pages, [null, '2']);
});

github('rulesets strengthen classic protection: the strictest setting wins', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, branch: 'release' });
  const protection = result.evidence.branch_protection as { required_approving_reviews: number; enforce_admins: boolean };
  assert.is(protection.required_approving_reviews, 1);
  assert.is(protection.enforce_admins, false);
});

github('reads every workflow at the deployed commit, top-level and per-job permissions', async ({ server }) => {
  const result = await collect(server, SOURCE);
  assert.equal(permissionsOf(result.evidence.workflows), [
    {
      path: '.github/workflows/docker-sign.yaml',
      permissions: null,
      jobs: [{ name: 'build', permissions: { 'id-token': 'write', packages: 'write', contents: 'read' } }],
    },
    {
      path: '.github/workflows/scorecard.yml',
      permissions: 'read-all',
      jobs: [{ name: 'analysis', permissions: { 'security-events': 'write', 'id-token': 'write' } }],
    },
  ]);
  const listing = server.requests.find((r) => r.path === '/repos/acme/payments/contents/.github/workflows')!;
  assert.is(listing.query.get('ref'), COMMIT);
  const files = server.requests.filter((r) => r.path.startsWith('/repos/acme/payments/contents/.github/workflows/')).map((r) => r.path).sort();
  assert.equal(files, ['/repos/acme/payments/contents/.github/workflows/docker-sign.yaml', '/repos/acme/payments/contents/.github/workflows/scorecard.yml'], 'not README.md, not sub-folders');
  assert.ok(server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`));
});

github('write-all, missing and explicit write permissions are reported as declared', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, commit: BROAD_COMMIT });
  assert.equal(permissionsOf(result.evidence.workflows), [
    { path: '.github/workflows/default.yml', permissions: null, jobs: [{ name: 'single', permissions: null }] },
    {
      path: '.github/workflows/explicit.yml',
      permissions: { contents: 'write', 'id-token': 'write', nonexistent: 'write' },
      jobs: [{ name: 'job1', permissions: { deployments: 'write' } }, { name: 'job2', permissions: null }],
    },
    { path: '.github/workflows/write-all.yml', permissions: 'write-all', jobs: [{ name: 'job1', permissions: null }, { name: 'job2', permissions: null }] },
  ]);
});

github('a workflow that is not valid YAML makes workflows unavailable, naming the file and line', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, commit: BAD_YAML_COMMIT });
  assert.is(result.evidence.workflows, undefined);
  assert.match(result.unavailable.workflows!, /^workflow \.github\/workflows\/broken\.yml is not valid YAML: .+ \(line \d+, column \d+\)$/);
  assert.ok(result.evidence.branch_protection, 'branch protection does not depend on the workflows');
});

github('a commit without a workflows folder has no workflows; GitHub is asked whether the commit exists', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, commit: NO_WORKFLOWS_COMMIT });
  assert.equal(result.evidence.workflows, []);
  const commit = server.requests.find((r) => r.path === `/repos/acme/payments/commits/${NO_WORKFLOWS_COMMIT}`)!;
  assert.is(commit.headers.accept, 'application/vnd.github.sha');
});

github('a commit GitHub does not have makes workflows unavailable', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, commit: 'deadbeef' });
  assert.is(result.unavailable.workflows, 'GitHub answered 422: No commit found for SHA: deadbeef');
});

github('a repository GitHub does not know makes both kinds unavailable with GitHub\'s message', async ({ server }) => {
  const result = await collect(server, { ...SOURCE, repository: 'github.com/acme/nope' });
  assert.equal(result.evidence, {});
  assert.equal(result.unavailable, allUnavailable('GitHub answered 404: Not Found'));
});

github('401 Bad credentials', async ({ server }) => {
  const result = await collect(server, SOURCE, { token: 'ghp_revoked' });
  assert.equal(result.unavailable, allUnavailable('GitHub answered 401: Bad credentials'));
});

github('403 rate limit names when the limit resets', async ({ server }) => {
  server.override(/^\/repos\//, {
    status: 403,
    headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1795874400' },
    body: { message: 'API rate limit exceeded for installation ID 1234.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
  });
  const result = await collect(server, SOURCE);
  assert.is(result.unavailable.branch_protection, 'GitHub answered 403: API rate limit exceeded for installation ID 1234.; the rate limit resets at 2026-11-28T14:00:00.000Z');
});

github('403 for a token without admin read names GitHub\'s reason', async ({ server }) => {
  server.override('/repos/acme/payments/branches/main/protection', { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' } });
  const result = await collect(server, SOURCE);
  assert.is(result.unavailable.branch_protection, 'GitHub answered 403: Resource not accessible by integration');
  assert.ok(result.evidence.workflows, 'workflows are still read');
});

github('500 from GitHub', async ({ server }) => {
  server.override(/\/rules\//, { status: 500, body: { message: 'Server Error' } });
  const result = await collect(server, SOURCE);
  assert.is(result.unavailable.branch_protection, 'GitHub answered 500: Server Error');
});

github('malformed JSON names what was asked', async ({ server }) => {
  server.override('/repos/acme/payments/branches/main/protection', MALFORMED_JSON);
  server.override('/repos/acme/payments/contents/.github/workflows', MALFORMED_JSON);
  const result = await collect(server, SOURCE);
  assert.match(result.unavailable.branch_protection!, /^GitHub answered 200 with malformed JSON for the protection of branch main: /);
  assert.match(result.unavailable.workflows!, new RegExp(`^GitHub answered 200 with malformed JSON for the \\.github/workflows folder at ${COMMIT}: `));
});

github('a slow GitHub times out through the runner, which answers within the timeout', async ({ server }) => {
  server.override('/repos/acme/payments/branches/main/protection', { status: 200, body: fixtureJson('github/branch-protection-full.json'), delayMs: 5000 });
  const runner = new CollectorRunner([collector(server, { timeout_ms: 300 })]);
  const input: InputDocument = { evidence: {}, unavailable: {} };
  const started = performance.now();
  await runner.collect(request(SOURCE), input);
  const elapsed = performance.now() - started;
  assert.equal(input.unavailable, allUnavailable('github timed out after 300 ms'));
  assert.ok(elapsed < 300 + 250, `collect took ${elapsed.toFixed(0)} ms`);
});

github('an unreachable GitHub says where it tried', async () => {
  const closed = await startFakeGitHub(state());
  const url = closed.url;
  await closed.close();
  const result = await createGitHubCollector({ base_url: url, token: TOKEN, hosts: ['github.com'] })
    .collect({ request: request(SOURCE), input: {} as InputDocument, signal: new AbortController().signal });
  assert.is(result.unavailable.branch_protection, `cannot reach GitHub at ${url}: connect ECONNREFUSED ${url.slice('http://'.length)}`);
});

github('GitHub Enterprise Server: the /api/v3 prefix is kept and the repository host is the server\'s', async () => {
  const enterprise = await startFakeGitHub({ ...state(), pathPrefix: '/api/v3' });
  try {
    const host = new URL(enterprise.url).host;
    const result = await createGitHubCollector({ base_url: `${enterprise.url}/api/v3/`, token: TOKEN })
      .collect({ request: request({ ...SOURCE, repository: `https://${host}/acme/payments.git` }), input: {} as InputDocument, signal: new AbortController().signal });
    assert.equal(result.unavailable, {});
    assert.is((result.evidence.branch_protection as { protected: boolean }).protected, true);
    assert.ok(enterprise.requests.every((r) => r.path === '/api/v3/repos/acme/payments' || r.path.startsWith('/api/v3/repos/acme/payments/')));
  } finally {
    await enterprise.close();
  }
});

github('a repository on another host, or no source at all, is unavailable without asking GitHub', async ({ server }) => {
  const other = await collect(server, { ...SOURCE, repository: 'gitlab.com/acme/payments' });
  assert.is(other.unavailable.branch_protection, 'source repository gitlab.com/acme/payments is not on the GitHub dfw is configured for (github.com)');
  const none = await collect(server, undefined);
  assert.equal(none.unavailable, allUnavailable('the request names no source repository'));
  const noBranch = await collect(server, { repository: 'acme/payments' });
  assert.is(noBranch.unavailable.branch_protection, 'the request names no source branch');
  assert.is(noBranch.unavailable.workflows, 'the request names no source commit, so the workflows it was built with cannot be read');
  assert.is(noBranch.unavailable.pull_request, 'the request names no source commit, so its pull request cannot be found');
  // Without branch or commit, only what belongs to the repository itself is asked for.
  assert.equal(server.requests.map((r) => r.path).sort(), ['/repos/acme/payments', '/repos/acme/payments/dependabot/alerts']);
});

github('repository references: host/owner/repo, URLs, scp-style and owner/repo', () => {
  assert.equal(parseRepository('github.com/acme/payments'), { host: 'github.com', owner: 'acme', repo: 'payments' });
  assert.equal(parseRepository('https://github.com/acme/payments'), { host: 'github.com', owner: 'acme', repo: 'payments' });
  assert.equal(parseRepository('https://github.com/acme/payments.git/'), { host: 'github.com', owner: 'acme', repo: 'payments' });
  assert.equal(parseRepository('git@github.com:acme/payments.git'), { host: 'github.com', owner: 'acme', repo: 'payments' });
  assert.equal(parseRepository('acme/payments'), { owner: 'acme', repo: 'payments' });
  assert.is(parseRepository('payments'), undefined);
  assert.is(parseRepository('github.com/acme/../x'), undefined);
});

github('answers are cached per source; inline evidence skips GitHub', async ({ server }) => {
  const runner = new CollectorRunner([collector(server)]);
  await runner.collect(request(SOURCE), { evidence: {}, unavailable: {} });
  const asked = server.requests.length;
  const input: InputDocument = { evidence: {}, unavailable: {} };
  await runner.collect(request(SOURCE), input);
  assert.is(server.requests.length, asked, 'the second check is answered from the cache');
  assert.ok((input.evidence as Record<string, unknown>).branch_protection);
  const inline = collector(server).cacheKey({
    request: request(SOURCE, { branch_protection: { protected: true }, workflows: [], repository: {}, dependabot_alerts: { open: [] }, pull_request: { approved_by: [] } }),
    input: {},
  });
  assert.is(inline, null);
});

github('end to end: GitHub refusing the token denies in production with "cannot verify" and the reason', async (ctx) => {
  const { decision } = await checkWithCollectors(await evaluator(ctx), request(SOURCE), [collector(ctx.server, { token: 'ghp_revoked' })]);
  assert.is(decision.allow, false);
  const git = violationsOf(decision, 'DFW-GIT-001');
  assert.equal(git.deny.map((v) => v.message), ['cannot verify branch protection of github.com/acme/payments@main: GitHub answered 401: Bad credentials']);
  assert.is(git.deny[0]!.severity, 'critical');
  const build = violationsOf(decision, 'DFW-BUILD-001');
  assert.equal(build.deny.map((v) => v.message), ['cannot verify the workflow token permissions of github.com/acme/payments@main: GitHub answered 401: Bad credentials']);
});

github('end to end: a ruleset-protected branch and least-privilege workflows satisfy DFW-GIT-001 and DFW-BUILD-001', async (ctx) => {
  const body = request({ ...SOURCE, branch: 'ruleset-only' });
  // Only the scorecard workflow (read-all, writes granted per job) is at this commit.
  ctx.server.override('/repos/acme/payments/contents/.github/workflows', (req) => ({
    body: [{ name: 'scorecard.yml', path: '.github/workflows/scorecard.yml', type: 'file', size: 1, sha: 'x', url: req.path }],
  }));
  const { decision, report } = await checkWithCollectors(await evaluator(ctx), body, [collector(ctx.server)]);
  assert.equal(report.sources, { branch_protection: 'github', workflows: 'github', repository: 'github', dependabot_alerts: 'github', pull_request: 'github' });
  assert.equal(violationsOf(decision, 'DFW-GIT-001'), { deny: [], warn: [] });
  assert.equal(violationsOf(decision, 'DFW-BUILD-001'), { deny: [], warn: [] });
});

github('end to end: an unprotected branch and a write-all workflow are denied on the facts', async (ctx) => {
  const { decision } = await checkWithCollectors(await evaluator(ctx), request({ ...SOURCE, branch: 'feature/x', commit: BROAD_COMMIT }), [collector(ctx.server)]);
  assert.equal(violationsOf(decision, 'DFW-GIT-001').deny.map((v) => v.message), ['branch github.com/acme/payments@feature/x is not protected']);
  const build = violationsOf(decision, 'DFW-BUILD-001').deny.map((v) => v.message);
  assert.ok(build.includes('workflow .github/workflows/write-all.yml grants write-all at the top level; every job\'s token can write to every scope'), build.join('\n'));
  assert.ok(build.includes('workflow .github/workflows/default.yml declares no top-level permissions; the token gets the repository default'), build.join('\n'));
});

github.run();
