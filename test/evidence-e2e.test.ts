// Evidence end to end against a real `dfw serve` child process: CI pushes real scanner
// reports (`dfw evidence push`, POST /v1/evidence) into a real SQLite store, a CD tool checks
// a production deployment and the store collector's evidence decides; a GitHub that hangs
// or is down costs at most its timeout and fails closed with the reason logged; the store
// survives a restart; malformed reports are refused whole and leave nothing behind.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Decision } from '../src/engine/index.js';
import { openStore } from '../src/store/index.js';
import { buildBundle } from './helpers/bundle.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { runDfwAsync } from './helpers/edge-servers.js';
import {
  checkDeployment,
  deploymentRequest,
  denyingRules,
  loggedDecision,
  pushEvidence,
  randomCommit,
  randomDigest,
  SECRETS,
  violationsOf,
  writeServerConfig,
  type CheckRequestBody,
} from './helpers/evidence-e2e.js';
import { FakeServer, FIXTURES, fixtureText } from './helpers/fake-servers.js';

const GITHUB_TIMEOUT_MS = 1500;
/** What a check may take beyond the slowest collector's timeout (evaluation, logging, HTTP). */
const MARGIN_MS = 1500;
const TRIVY = 'trivy/alpine-39-high-critical.json';
// The only Grype fixture with a Critical match (CVE-1999-0002 in package-2; CVE-1999-0001 is Low).
const GRYPE = 'grype/grype-image-matches.json';
// Semgrep results without a level take the rule's defaultConfiguration.level "error": high.
const SARIF = 'sarif/semgrep-cwe-tag.sarif.json';

interface Ctx {
  dir: string;
  config: string;
  storeFile: string;
  github: FakeServer;
  server?: ServerProcess;
  /** Requests already decided from pushed evidence, re-checked after the restart. */
  decided: Array<{ name: string; request: CheckRequestBody; deny: Decision['deny'] }>;
  /** The subject of the malformed pushes, and the hashes of the valid reports pushed for it. */
  badSubject: string;
  validHashes: Map<string, string>;
}

const e2e = suite<Ctx>('evidence-e2e');

const serverUrl = (ctx: Ctx): string => {
  if (!ctx.server) throw new Error('dfw serve is not running');
  return ctx.server.url;
};

function start(ctx: Ctx): Promise<ServerProcess> {
  // Environment overrides would point the server elsewhere than this suite's dfw.yaml.
  return startDfw(['--config', ctx.config], { DFW_STORE_URL: '', DFW_BUNDLE_PATH: '', DFW_BUNDLE_URL: '', DFW_LOG_LEVEL: '' });
}

const pushWithCli = (ctx: Ctx, kind: string, subject: string, file: string) =>
  runDfwAsync(['evidence', 'push', '--kind', kind, '--subject', subject, file, '--server', serverUrl(ctx), '--token', SECRETS.evidence]);

e2e.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-evidence-e2e-'));
  ctx.storeFile = join(ctx.dir, 'store', 'dfw.db');
  // A GitHub that accepts connections and never answers within the collector's timeout.
  ctx.github = await new FakeServer(() => ({ delayMs: 60_000, body: {} })).start();
  ctx.config = writeServerConfig(ctx.dir, { bundle: buildBundle(), storeFile: ctx.storeFile, github: { baseUrl: ctx.github.url, timeoutMs: GITHUB_TIMEOUT_MS } });
  ctx.decided = [];
  ctx.validHashes = new Map();
  ctx.badSubject = randomDigest();
  ctx.server = await start(ctx);
});

e2e.after(async (ctx) => {
  await ctx.server?.stop();
  await ctx.github?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

e2e('a Trivy report with critical CVEs pushed with `dfw evidence push` denies the deployment of that digest under deny.critical, from the store', async (ctx) => {
  const digest = randomDigest();
  const pushed = await pushWithCli(ctx, 'trivy', digest, join(FIXTURES, TRIVY));
  assert.is(pushed.status, 0, pushed.stderr);
  assert.match(pushed.stdout, new RegExp(`^stored: report \\S+ \\(trivy\\) for ${digest} -> vulnerabilities\\n$`));

  const request = deploymentRequest({ without: ['vulnerabilities'], digest });
  const requestFile = join(ctx.dir, 'trivy-request.json');
  writeFileSync(requestFile, JSON.stringify(request));
  const checked = await runDfwAsync(['check', '--server', serverUrl(ctx), '--token', SECRETS.check, '--input', requestFile, '--format', 'json']);
  assert.is(checked.status, 1, `dfw check exits 1 on deny\n${checked.stderr}`);
  const decision = JSON.parse(checked.stdout) as Decision;

  assert.is(decision.allow, false);
  assert.equal(denyingRules(decision), { critical: ['DFW-VULN-001'] }, 'the rest of the request is compliant');
  const messages = violationsOf(decision, 'DFW-VULN-001').map((v) => v.message);
  assert.is(messages.length, 2, messages.join('\n'));
  for (const pkg of ['musl', 'musl-utils']) {
    assert.ok(
      messages.some((m) => m.startsWith(`CVE-2019-14697 (critical) in ${pkg} 1.1.20-r4 of registry.example.com/payments/api:1.5.0 (${digest}): fixed in 1.1.20-r5`)),
      `${pkg}: ${messages.join('\n')}`,
    );
  }
  assert.ok(decision.deny.critical.every((v) => v.evidence.includes('(Trivy)')));
  assert.is(decision.evidence_sources?.vulnerabilities, 'store');
  assert.is(decision.evidence_sources?.branch_protection, 'inline');
  assert.type(decision.timing_ms.collect_store, 'number');
  assert.not.ok('collect_github' in decision.timing_ms, 'a collector whose kinds are all inline is not run');
  ctx.decided.push({ name: 'trivy', request, deny: decision.deny });
});

e2e('a Grype report with a Critical match pushed over HTTP denies the deployment of that digest under deny.critical, from the store', async (ctx) => {
  const digest = randomDigest();
  const pushed = await pushEvidence(serverUrl(ctx), 'grype', { digest }, fixtureText(GRYPE));
  assert.is(pushed.status, 201, JSON.stringify(pushed.body));
  assert.equal([pushed.body.created, pushed.body.evidence_kinds], [true, ['vulnerabilities']]);

  const request = deploymentRequest({ without: ['vulnerabilities'], digest });
  const { decision } = await checkDeployment(serverUrl(ctx), request);
  assert.is(decision.allow, false);
  assert.equal(denyingRules(decision), { critical: ['DFW-VULN-001'] });
  const messages = violationsOf(decision, 'DFW-VULN-001').map((v) => v.message);
  assert.equal(messages, [`CVE-1999-0002 (critical) in package-2 2.2.2 of registry.example.com/payments/api:1.5.0 (${digest}): no fix available`]);
  assert.not.ok(JSON.stringify(decision).includes('CVE-1999-0001'), 'the Low match neither denies nor warns under DFW-VULN-001');
  assert.is(decision.evidence_sources?.vulnerabilities, 'store');
  ctx.decided.push({ name: 'grype', request, deny: decision.deny });
});

e2e('a SARIF log with high findings pushed for repository@commit denies the deployment of that commit under DFW-SCAN-001, from the store', async (ctx) => {
  const commit = randomCommit();
  const request = deploymentRequest({ without: ['code_scanning'], commit });
  const pushed = await pushWithCli(ctx, 'sarif', `${request.source.repository}@${commit}`, join(FIXTURES, SARIF));
  assert.is(pushed.status, 0, pushed.stderr);
  assert.match(pushed.stdout, '-> code_scanning');

  const { decision } = await checkDeployment(serverUrl(ctx), request);
  assert.is(decision.allow, false);
  assert.equal(denyingRules(decision), { high: ['DFW-SCAN-001'] });
  const [finding] = violationsOf(decision, 'DFW-SCAN-001');
  assert.is(finding?.message, `Semgrep OSS found rules.rule-with-cwe-tag (high) at targets/basic/stupid.py:3 in commit ${commit}`);
  assert.is(decision.evidence_sources?.code_scanning, 'store');
  assert.is(decision.evidence_sources?.vulnerabilities, 'inline', 'the inline scan wins over nothing pushed for the digest');
  ctx.decided.push({ name: 'sarif', request, deny: decision.deny });
});

e2e('a GitHub that never answers costs at most the collector timeout: the check denies in production with DFW-GIT-001 "cannot verify … timed out", logged in input.unavailable', async (ctx) => {
  const request = deploymentRequest({ without: ['branch_protection', 'workflows'] });
  const { decision, ms } = await checkDeployment(serverUrl(ctx), request);
  assert.ok(ms < GITHUB_TIMEOUT_MS + MARGIN_MS, `answered in ${Math.round(ms)} ms`);
  assert.ok(ms >= GITHUB_TIMEOUT_MS - 50, `answered in ${Math.round(ms)} ms: the collector was waited for`);
  assert.ok(ctx.github.requests.length > 0, 'the collector asked GitHub');

  const reason = `github timed out after ${GITHUB_TIMEOUT_MS} ms`;
  assert.is(decision.allow, false);
  const [git] = violationsOf(decision, 'DFW-GIT-001');
  assert.is(git?.severity, 'critical');
  assert.is(git?.message, `cannot verify branch protection of github.com/acme/payments@main: ${reason}`);
  assert.ok(decision.deny.critical.some((v) => v.rule === 'DFW-GIT-001'));
  assert.ok(decision.timing_ms.collect_github! >= GITHUB_TIMEOUT_MS - 50 && decision.timing_ms.collect_github! < GITHUB_TIMEOUT_MS + MARGIN_MS, String(decision.timing_ms.collect_github));

  const logged = await loggedDecision(serverUrl(ctx), decision.decision_id);
  assert.is(logged.status, 200);
  assert.is(logged.body.input.unavailable?.branch_protection, reason);
  assert.is(logged.body.input.unavailable?.workflows, reason);
  assert.equal(logged.body.decision.deny, decision.deny);
});

e2e('a GitHub whose server is stopped: the check answers at once and denies with DFW-GIT-001 "cannot verify … cannot reach GitHub", logged in input.unavailable', async (ctx) => {
  await ctx.github.close();
  const request = deploymentRequest({ without: ['branch_protection', 'workflows'] });
  const { decision, ms } = await checkDeployment(serverUrl(ctx), request);
  assert.ok(ms < GITHUB_TIMEOUT_MS + MARGIN_MS, `answered in ${Math.round(ms)} ms`);

  assert.is(decision.allow, false);
  const [git] = violationsOf(decision, 'DFW-GIT-001');
  assert.match(git?.message ?? '', new RegExp(`^cannot verify branch protection of github\\.com/acme/payments@main: cannot reach GitHub at ${ctx.github.url.replace(/\./g, '\\.')}: .*ECONNREFUSED`));
  const logged = await loggedDecision(serverUrl(ctx), decision.decision_id);
  assert.is(logged.status, 200);
  assert.match(logged.body.input.unavailable?.branch_protection ?? '', `cannot reach GitHub at ${ctx.github.url}`);
  assert.ok(git?.message.endsWith(logged.body.input.unavailable!.branch_protection!), 'the decision names the logged reason');
});

e2e('stored evidence survives a restart of dfw serve: SIGTERM, start on the same store, the same denials from the store', async (ctx) => {
  assert.is(ctx.decided.length, 3, 'the three pushes above were decided');
  const server = ctx.server!;
  const code = await server.stop('SIGTERM');
  ctx.server = undefined;
  assert.is(code, 0, server.logs.join('\n'));
  assert.ok(server.logs.some((line) => line.includes('"stopped"')), 'shut down gracefully');

  ctx.server = await start(ctx);
  for (const { name, request, deny } of ctx.decided) {
    const { decision } = await checkDeployment(serverUrl(ctx), request);
    assert.is(decision.allow, false, name);
    assert.equal(decision.deny, deny, name);
    const kind = name === 'sarif' ? 'code_scanning' : 'vulnerabilities';
    assert.is(decision.evidence_sources?.[kind], 'store', name);
  }
});

e2e('a truncated Trivy report is refused whole: 400 naming the JSON error over HTTP, exit 2 with the message from `dfw evidence push`', async (ctx) => {
  const truncated = fixtureText(TRIVY).slice(0, 2000);
  const answer = await pushEvidence(serverUrl(ctx), 'trivy', { digest: ctx.badSubject }, truncated);
  assert.is(answer.status, 400);
  assert.is(answer.body.error?.code, 'invalid_report');
  assert.match(answer.body.error?.message ?? '', /trivy report: the report is not valid JSON: .*line 62, column 91/);

  const file = join(ctx.dir, 'truncated-trivy.json');
  writeFileSync(file, truncated);
  const pushed = await pushWithCli(ctx, 'trivy', ctx.badSubject, file);
  assert.is(pushed.status, 2, pushed.stdout);
  assert.is(pushed.stdout, '');
  assert.match(pushed.stderr, /dfw server answered 400: trivy report: the report is not valid JSON: .*line 62, column 91/);
});

e2e('a Grype report pushed as --kind trivy is refused whole: 400 invalid_report saying to push it as grype, exit 2 from the CLI', async (ctx) => {
  const answer = await pushEvidence(serverUrl(ctx), 'trivy', { digest: ctx.badSubject }, fixtureText(GRYPE));
  assert.is(answer.status, 400);
  assert.is(answer.body.error?.code, 'invalid_report');
  assert.is(answer.body.error?.message, 'trivy report: SchemaVersion is missing; expected the output of trivy --format json (it looks like a Grype JSON report: push it as kind grype)');

  const pushed = await pushWithCli(ctx, 'trivy', ctx.badSubject, join(FIXTURES, GRYPE));
  assert.is(pushed.status, 2, pushed.stdout);
  assert.match(pushed.stderr, 'dfw server answered 400: trivy report: SchemaVersion is missing');
  assert.match(pushed.stderr, 'push it as kind grype');
});

e2e('identical content pushed twice is stored once: 201 created, then 200 created:false with the same id; the CLI says so', async (ctx) => {
  const trivy = fixtureText(TRIVY);
  const first = await pushEvidence(serverUrl(ctx), 'trivy', { digest: ctx.badSubject }, trivy);
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.is(first.body.created, true);
  const second = await pushEvidence(serverUrl(ctx), 'trivy', { digest: ctx.badSubject }, trivy);
  assert.is(second.status, 200);
  assert.is(second.body.created, false);
  assert.is(second.body.id, first.body.id);

  const again = await pushWithCli(ctx, 'trivy', ctx.badSubject, join(FIXTURES, TRIVY));
  assert.is(again.status, 0, again.stderr);
  assert.is(again.stdout, `already stored (identical content): report ${first.body.id} (trivy) for ${ctx.badSubject} -> vulnerabilities\n`);

  // The Grype report refused as trivy above is fine as what it is.
  const grype = await pushEvidence(serverUrl(ctx), 'grype', { digest: ctx.badSubject }, fixtureText(GRYPE));
  assert.is(grype.status, 201);
  ctx.validHashes.set('trivy', createHash('sha256').update(trivy).digest('hex'));
  ctx.validHashes.set('grype', createHash('sha256').update(fixtureText(GRYPE)).digest('hex'));
});

e2e('after dfw serve stops, the store holds exactly the valid reports for the subject: nothing half-written from the refused pushes', async (ctx) => {
  const code = await ctx.server!.stop('SIGTERM');
  ctx.server = undefined;
  assert.is(code, 0);
  const store = await openStore(`sqlite:${ctx.storeFile}`);
  try {
    const reports = await store.listReports({ digest: ctx.badSubject });
    assert.equal(
      reports.map((r) => [r.kind, r.sha256, r.pushed_by, r.evidence_kinds]).sort(),
      [
        ['grype', ctx.validHashes.get('grype'), 'ci', ['vulnerabilities']],
        ['trivy', ctx.validHashes.get('trivy'), 'ci', ['vulnerabilities']],
      ],
    );
    const stored = await store.getReport(reports.find((r) => r.kind === 'trivy')!.id);
    assert.is(stored?.raw, readFileSync(join(FIXTURES, TRIVY), 'utf8'), 'the raw report is kept for audit, byte for byte');
    const latest = await store.latestEvidence({ digest: ctx.badSubject });
    assert.is(latest.vulnerabilities?.report_kind, 'grype', 'the newest report of the kind is the one used');
  } finally {
    await store.close();
  }
});

e2e.run();
