// What the GitHub collector records for the rule pack of issue 16, against a local server
// serving GitHub's documented REST shapes: workflow triggers, runners and steps (the build
// rules), required signatures (DFW-GIT-006), repository settings (DFW-SOURCE-001 and
// DFW-BUILD-005), open Dependabot alerts (DFW-SOURCE-002) and the deployed commit's pull
// request with its approvals (DFW-CHANGE-003); each through the real policy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckRequest } from '../src/collect/check-request.js';
import type { CollectorResult } from '../src/collect/collector.js';
import { createGitHubCollector } from '../src/collect/collectors/index.js';
import type { Evaluator, InputDocument } from '../src/engine/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { checkWithCollectors, fixtureJson, fixtureText, startFakeGitHub, violationsOf, type FakeGitHubState, type FakeServer } from './helpers/fake-servers.js';

const TOKEN = 'ghp_test_only_pack';
const COMMIT = '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e';
const DIRECT_COMMIT = '4444444444444444444444444444444444444444';
const PRT_COMMIT = '5555555555555555555555555555555555555555';

/** A Dependabot alert as "List Dependabot alerts for a repository" returns it (abridged). */
function alert(number: number, severity: string, name: string, ghsa: string, cve: string | null) {
  return {
    number, state: 'open',
    dependency: { package: { ecosystem: 'npm', name }, manifest_path: 'package-lock.json', scope: 'runtime' },
    security_advisory: { ghsa_id: ghsa, cve_id: cve, summary: `${name} advisory`, severity, identifiers: [{ value: ghsa, type: 'GHSA' }] },
    security_vulnerability: { package: { ecosystem: 'npm', name }, severity, vulnerable_version_range: '< 9.0.0', first_patched_version: { identifier: '9.0.0' } },
    url: `https://api.github.com/repos/acme/payments/dependabot/alerts/${number}`, created_at: '2026-11-01T10:00:00Z',
  };
}

const PULL_REQUEST_TARGET = `name: preview
on:
  pull_request_target:
    types: [opened, synchronize]
permissions:
  contents: read
jobs:
  preview:
    runs-on: [self-hosted, linux]
    permissions:
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.event.pull_request.head.sha }}
      - name: announce
        run: echo "Building \${{ github.event.pull_request.title }}"
  release:
    uses: octo-org/shared/.github/workflows/release.yml@main
`;

function state(): FakeGitHubState {
  return {
    token: TOKEN,
    rulesPageSize: 10,
    repositories: {
      'acme/payments': {
        protection: { main: { ...fixtureJson<Record<string, unknown>>('github/branch-protection-full.json'), required_signatures: { enabled: true } } },
        rules: { 'signed-by-ruleset': [{ type: 'required_signatures', ruleset_source_type: 'Organization', ruleset_source: 'acme', ruleset_id: 9 }] },
        commits: {
          [COMMIT]: { '.github/workflows/scorecard.yml': fixtureText('github/workflows/least-privilege-scorecard.yml') },
          [DIRECT_COMMIT]: { '.github/workflows/ci.yml': fixtureText('github/workflows/write-all.yml') },
          [PRT_COMMIT]: { '.github/workflows/preview.yml': PULL_REQUEST_TARGET },
        },
        pulls: {
          // A commit in two pull requests: the merged one counts.
          [COMMIT]: [
            { number: 1290, state: 'open', user: { login: 'mallory' }, merged_at: null },
            { number: 1287, state: 'closed', user: { login: 'alice' }, merged_at: '2026-11-27T17:40:02Z', merged_by: { login: 'bob' } },
          ],
          [PRT_COMMIT]: [{ number: 7, state: 'closed', user: { login: 'alice' }, merged_at: '2026-11-20T09:00:00Z' }],
        },
        reviews: {
          1287: [
            { id: 1, user: { login: 'bob' }, state: 'CHANGES_REQUESTED', submitted_at: '2026-11-27T15:00:00Z' },
            { id: 2, user: { login: 'carol' }, state: 'APPROVED', submitted_at: '2026-11-27T15:10:00Z' },
            { id: 3, user: { login: 'bob' }, state: 'APPROVED', submitted_at: '2026-11-27T17:30:00Z' },
            { id: 4, user: { login: 'carol' }, state: 'DISMISSED', submitted_at: '2026-11-27T17:35:00Z' },
            { id: 5, user: { login: 'dave' }, state: 'COMMENTED', submitted_at: '2026-11-27T17:36:00Z' },
          ],
          // alice approving her own pull request is not possible on GitHub; her deployer is the only approver.
          7: [{ id: 6, user: { login: 'spinnaker-bot' }, state: 'APPROVED', submitted_at: '2026-11-20T08:00:00Z' }],
        },
        repository: {
          id: 1, name: 'payments', full_name: 'acme/payments', private: false, visibility: 'public', default_branch: 'main',
          security_and_analysis: { secret_scanning: { status: 'enabled' }, secret_scanning_push_protection: { status: 'disabled' } },
        },
        dependabotAlerts: [alert(31, 'low', 'cookie', 'GHSA-pxg6-pf52-xh8x', 'CVE-2024-47764'), alert(44, 'critical', 'jsonwebtoken', 'GHSA-8cf7-32gw-wr33', 'CVE-2022-23539')],
      },
      'acme/ledger': {
        protection: {},
        rules: {},
        commits: { [COMMIT]: {} },
        // An old GitHub Enterprise Server: only `private`, no security_and_analysis for this token.
        repository: { id: 2, name: 'ledger', full_name: 'acme/ledger', private: true, default_branch: 'trunk' },
        dependabotAlerts: 'Dependabot alerts are disabled for this repository.',
      },
    },
  };
}

function request(source: CheckRequest['source'], requestedBy = 'spinnaker'): CheckRequest {
  return { application: 'payments', environment: 'production', artifact: { image: 'registry.example.com/payments/api:1.5.0' }, source, requested_by: requestedBy };
}

const SOURCE = { repository: 'github.com/acme/payments', branch: 'main', commit: COMMIT };

const Pack = suite<{ server: FakeServer; evaluator: Evaluator }>('collectors-github: the rule pack');

Pack.before(async (ctx) => {
  ctx.server = await startFakeGitHub(state());
  ctx.evaluator = await loadTestEvaluator({ revision: 'collectors-github-pack' });
});

Pack.after(async (ctx) => {
  await ctx.server.close();
});

Pack.before.each((ctx) => {
  ctx.server.reset();
});

function collect(server: FakeServer, source: CheckRequest['source']): Promise<CollectorResult> {
  return createGitHubCollector({ base_url: server.url, token: TOKEN, hosts: ['github.com'] })
    .collect({ request: request(source), input: {} as InputDocument, signal: new AbortController().signal });
}

Pack('workflows carry their triggers, each job\'s runners and steps, and reusable workflows', async ({ server }) => {
  const scorecard = (await collect(server, SOURCE)).evidence.workflows as Array<Record<string, any>>;
  assert.equal(scorecard[0]!.on, ['branch_protection_rule', 'schedule', 'push']);
  assert.equal(scorecard[0]!.jobs[0].runs_on, ['ubuntu-latest']);
  assert.equal(scorecard[0]!.jobs[0].steps.map((s: { uses?: string }) => s.uses), [
    'actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11',
    'ossf/scorecard-action@0864cf19026789058feabb7e87baa5f140aac736',
    'actions/upload-artifact@5d5d22a31266ced268874388b861e4b58bb5c2f3',
    'github/codeql-action/upload-sarif@83a02f7883b12e0e4e1a146174f5e2292a01e601',
  ]);
  assert.equal(scorecard[0]!.jobs[0].steps[0].with, { 'persist-credentials': false });
  const preview = (await collect(server, { ...SOURCE, commit: PRT_COMMIT })).evidence.workflows as Array<Record<string, any>>;
  assert.equal(preview[0]!.on, ['pull_request_target']);
  assert.equal(preview[0]!.jobs.map((j: { name: string; runs_on?: string[]; uses?: string }) => [j.name, j.runs_on, j.uses]), [
    ['preview', ['self-hosted', 'linux'], undefined],
    ['release', undefined, 'octo-org/shared/.github/workflows/release.yml@main'],
  ]);
  assert.equal(preview[0]!.jobs[0].steps[1], { name: 'announce', run: 'echo "Building ${{ github.event.pull_request.title }}"' });
});

Pack('required signatures come from classic protection and from a required_signatures ruleset rule', async ({ server }) => {
  const classic = (await collect(server, SOURCE)).evidence.branch_protection as { required_signatures: boolean };
  assert.is(classic.required_signatures, true);
  const ruleset = (await collect(server, { ...SOURCE, branch: 'signed-by-ruleset' })).evidence.branch_protection as { required_signatures: boolean };
  assert.is(ruleset.required_signatures, true);
});

Pack('repository settings, open Dependabot alerts and the merged pull request with each reviewer\'s last verdict', async ({ server }) => {
  const result = await collect(server, SOURCE);
  assert.equal(result.evidence.repository, { visibility: 'public', default_branch: 'main', secret_scanning: 'enabled', secret_scanning_push_protection: 'disabled' });
  assert.equal(result.evidence.dependabot_alerts, {
    open: [
      { number: 31, severity: 'low', package: 'cookie', ecosystem: 'npm', advisory: 'GHSA-pxg6-pf52-xh8x', cve: 'CVE-2024-47764' },
      { number: 44, severity: 'critical', package: 'jsonwebtoken', ecosystem: 'npm', advisory: 'GHSA-8cf7-32gw-wr33', cve: 'CVE-2022-23539' },
    ],
  });
  // bob's approval replaced his change request; carol's approval was dismissed; dave only commented.
  assert.equal(result.evidence.pull_request, { number: 1287, author: 'alice', approved_by: ['bob'], merged_by: 'bob' });
  const alerts = server.requests.find((r) => r.path === '/repos/acme/payments/dependabot/alerts')!;
  assert.is(alerts.query.get('state'), 'open');
  assert.is(alerts.headers.authorization, `Bearer ${TOKEN}`);
});

Pack('a commit no pull request contains, Dependabot switched off and settings the token cannot see say why', async ({ server }) => {
  const direct = await collect(server, { ...SOURCE, commit: DIRECT_COMMIT });
  assert.is(direct.unavailable.pull_request, `no pull request contains commit ${DIRECT_COMMIT}: it was pushed without review`);
  const ledger = await collect(server, { repository: 'github.com/acme/ledger', branch: 'trunk', commit: COMMIT });
  assert.is(ledger.unavailable.dependabot_alerts, 'GitHub answered 403: Dependabot alerts are disabled for this repository.');
  assert.equal(ledger.evidence.repository, { visibility: 'private', default_branch: 'trunk' });
});

Pack('end to end: what GitHub says decides DFW-GIT-006, DFW-SOURCE-001/-002, DFW-BUILD-002..005 and DFW-CHANGE-003', async (ctx) => {
  const main = await checkWithCollectors(ctx.evaluator, request(SOURCE), [createGitHubCollector({ base_url: ctx.server.url, token: TOKEN, hosts: ['github.com'] })]);
  assert.equal(violationsOf(main.decision, 'DFW-GIT-006'), { deny: [], warn: [] });
  assert.equal(violationsOf(main.decision, 'DFW-CHANGE-003'), { deny: [], warn: [] });
  assert.equal(violationsOf(main.decision, 'DFW-BUILD-002'), { deny: [], warn: [] });
  assert.equal(violationsOf(main.decision, 'DFW-SOURCE-001').deny.map((v) => v.message), ['secret scanning push protection of github.com/acme/payments is "disabled", not enabled']);
  assert.equal(violationsOf(main.decision, 'DFW-SOURCE-002').deny.map((v) => v.message), ['github.com/acme/payments has open Dependabot alert #44 (critical) for jsonwebtoken: GHSA-8cf7-32gw-wr33']);

  const preview = await checkWithCollectors(ctx.evaluator, request({ ...SOURCE, commit: PRT_COMMIT }, 'alice'), [createGitHubCollector({ base_url: ctx.server.url, token: TOKEN, hosts: ['github.com'] })]);
  const messages = (rule: string) => [...violationsOf(preview.decision, rule).deny, ...violationsOf(preview.decision, rule).warn].map((v) => v.message).sort();
  assert.equal(messages('DFW-BUILD-002'), [
    'job release in .github/workflows/preview.yml calls the reusable workflow octo-org/shared/.github/workflows/release.yml@main, which is not pinned to a commit SHA',
    'step actions/checkout@v4 of job preview in .github/workflows/preview.yml uses actions/checkout@v4, which is not pinned to a commit SHA',
  ]);
  assert.equal(messages('DFW-BUILD-003'), ["step actions/checkout@v4 of job preview in .github/workflows/preview.yml checks out the pull request's head in a workflow triggered by pull_request_target"]);
  assert.equal(messages('DFW-BUILD-004'), ['step announce of job preview in .github/workflows/preview.yml interpolates ${{ github.event.pull_request.title }} into its run script']);
  assert.equal(messages('DFW-BUILD-005'), ['job preview in .github/workflows/preview.yml runs on a self-hosted runner (self-hosted, linux) although github.com/acme/payments is public']);
  assert.equal(messages('DFW-CHANGE-003'), [`alice deploys commit ${PRT_COMMIT}, which they wrote (pull request #7)`]);
});

Pack.run();
