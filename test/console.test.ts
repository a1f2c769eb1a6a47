// The web console in real Chromium (playwright-core, Debian's chromium) against a real
// server from source: a viewer signs in, filters decisions, opens a denied one (violations,
// evidence) and replays it; a viewer has no grant button and a forged grant is refused
// with 403; an admin grants a waiver that the next check honours, and revokes it; axe-core
// finds no serious accessibility violation on any page; strict CSP and session cookies.
// DFW_CONSOLE_SCREENSHOTS=docs/console also saves a screenshot of every page.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBundle, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { FIXTURES } from './helpers/fake-servers.js';
import { api, startReceiver, startServer, TOKENS, waitFor, writeConfig, type Receiver, type ServerProcess } from './helpers/notify-server.js';
import { ROOT } from './helpers/opa.js';
import { openStore } from '../src/store/index.js';
import { randomUUID } from 'node:crypto';

const CHROMIUM = process.env.DFW_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.DFW_CONSOLE_SCREENSHOTS ? resolve(ROOT, process.env.DFW_CONSOLE_SCREENSHOTS) : undefined;
const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface Ctx {
  dir: string;
  server: ServerProcess;
  receiver: Receiver;
  browser: Browser;
  denied: string;
}

const test = suite<Ctx>('console');

function example(name: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(readExamples().get(name)!), ...changes };
}

test.before(async (ctx) => { try { await setUp(ctx); } catch (err) { console.error(err); throw err; } });
async function setUp(ctx: Ctx): Promise<void> {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-console-'));
  const secret = join(ctx.dir, 'secret');
  writeFileSync(secret, 'test-only-console-hmac');
  // A receiver that refuses everything: its events end as dead letters on the console.
  ctx.receiver = await startReceiver(() => 500);
  const config = writeConfig(ctx.dir, {
    bundle: buildBundle({ revision: '2026.12.01-a1b2c3d', signingKey: SIGNING_KEY }),
    publicKey: SIGNING_PUB,
    publishDir: join(ctx.dir, 'published'),
    storeFile: join(ctx.dir, 'dfw.db'),
    notifications: [
      '  receivers:',
      `    - { name: siem, type: cloudevents, url: ${JSON.stringify(ctx.receiver.url)}, secret_file: ${JSON.stringify(secret)}, events: [audit.drifted] }`,
      '  max_attempts: 2',
      '  backoff_initial_ms: 10',
      '  poll_interval_ms: 50',
    ],
  });
  ctx.server = await startServer(config);
  const url = ctx.server.url;
  // Two published revisions, so Bundles has something to roll back to.
  for (const revision of ['2026.11.28-9f2c1e0', '2026.12.01-a1b2c3d']) {
    const bytes = readFileSync(buildBundle({ revision, signingKey: SIGNING_KEY }));
    const res = await fetch(`${url}/v1/bundles/firewall`, { method: 'PUT', headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/gzip' }, body: bytes });
    assert.is(res.status, 200, await res.text());
  }
  // A log with a little of everything: every example, in three environments.
  for (const [name, request] of readExamples()) {
    for (const environment of ['production', 'staging', 'development']) {
      if (environment !== 'production' && !name.includes('vuln') && !name.startsWith('compliant')) continue;
      const answer = await api(url, 'POST', '/v1/check', TOKENS.check, { ...request, environment, application: environment === 'production' ? (request.application as string) : `${request.application}-${environment}` });
      // Only what the tests open must be there; the rest is a varied log for the pages.
      const needed = name === 'dfw-vuln-001-critical-cves.deny.json' && environment === 'production';
      if (needed || name === 'compliant.allow.json') assert.is(answer.status, 200, `${name} in ${environment}: ${JSON.stringify(answer.body)}`);
      if (needed) ctx.denied = answer.body.decision_id;
    }
  }
  // Thirteen earlier days, so the chart has a history: copies of today's decisions, backdated.
  const store = await openStore(`sqlite:${join(ctx.dir, 'dfw.db')}`);
  const today = [];
  for await (const record of store.decisionsSince(new Date(Date.now() - 3_600_000))) today.push(record);
  for (let day = 1; day <= 13; day++) {
    for (let i = 0; i < 4 + ((day * 7) % 11); i++) {
      const record = today[(day * 13 + i * 5) % today.length]!;
      const id = randomUUID();
      await store.recordDecision({ ...record, decision_id: id, time: new Date(Date.now() - day * 86_400_000 - i * 60_000), decision: { ...record.decision, decision_id: id } });
    }
  }
  await store.close();
  // A critical CVE pushed for the deployed digest: the audit finds the deployment drifted.
  const compliant = example('compliant.allow.json');
  const digest = (compliant.artifact as { digest: string }).digest;
  const trivy = readFileSync(join(FIXTURES, 'trivy/alpine-39-high-critical.json'), 'utf8');
  assert.is((await api(url, 'POST', `/v1/evidence?kind=trivy&digest=${digest}`, TOKENS.evidence, trivy)).status, 201);
  await waitFor('the drift notification to become a dead letter', async () => {
    const page = await fetch(`${url}/metrics`).then((r) => r.text());
    return /dfw_notifications_queued\{state="dead"\} [1-9]/.test(page);
  });
  ctx.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
}

test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.server?.stop();
  await ctx.receiver?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

async function signIn(ctx: Ctx, token: string, options: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await ctx.browser.newContext({ viewport: { width: 1366, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${ctx.server.url}/ui/decisions`);
  assert.match(page.url(), /\/ui\/login\?next=%2Fui%2Fdecisions$/);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ui\/decisions$/);
  return { context, page, errors };
}

async function shoot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

test('a viewer signs in, filters decisions with a shareable URL, opens a denied decision, sees its violations and evidence, and replays it', async (ctx) => {
  const { context, page, errors } = await signIn(ctx, TOKENS.viewer);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'dfw_session')!;
  assert.ok(session.httpOnly, 'HttpOnly');
  assert.is(session.sameSite, 'Strict');
  assert.is(session.path, '/ui');

  await page.selectOption('select[name=verdict]', 'deny');
  await page.selectOption('select[name=environment]', 'production');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForURL(/verdict=deny/);
  assert.match(page.url(), /environment=production/);
  const verdicts = await page.locator('tbody .badge.deny').allTextContents();
  assert.ok(verdicts.length > 0 && verdicts.every((v) => v === 'denied'), `only denials listed: ${verdicts}`);
  await shoot(page, 'decisions');

  // The URL is the filter: opened fresh, it shows the same page.
  const shared = await context.newPage();
  await shared.goto(page.url());
  assert.equal(await shared.locator('tbody tr').count(), await page.locator('tbody tr').count());
  await shared.close();

  await page.goto(`${ctx.server.url}/ui/decisions/${ctx.denied}`);
  assert.is(await page.locator('.verdict strong').textContent(), 'Denied');
  const violation = page.locator('.violation.critical', { hasText: 'DFW-VULN-001' }).first();
  assert.ok(await violation.isVisible(), 'the critical CVE violation is shown');
  assert.match((await violation.textContent()) ?? '', /Remediation:/);
  const evidence = await page.locator('section[aria-labelledby=evidence] tbody tr').allTextContents();
  assert.ok(evidence.some((row) => row.startsWith('vulnerabilities') && row.includes('pushed in the check request')), evidence.join(' | '));
  assert.is(await page.locator('details pre').isVisible(), false, 'the input is folded');
  await page.click('section[aria-labelledby=replay] button[type=submit]');
  await page.waitForURL(/\/replay\?revision=active$/);
  assert.match((await page.locator('#replay-result').textContent()) ?? '', /identical to the logged decision/);
  await shoot(page, 'decision');
  // Against a kept revision of the bundle server, verified again before it runs.
  await page.selectOption('select[name=revision]', { label: 'revision 2026.11.28-9f2c1e0' });
  await page.click('section[aria-labelledby=replay] button[type=submit]');
  await page.waitForURL(/\/replay\?revision=[0-9a-f]{64}$/);
  assert.match((await page.locator('#replay-result h3').textContent()) ?? '', /Against revision 2026\.11\.28-9f2c1e0: denied/);
  assert.equal(errors, [], 'no script errors');
  await context.close();
});

test('a viewer has no grant button, and a grant it forges is refused with 403', async (ctx) => {
  const { context, page } = await signIn(ctx, TOKENS.viewer);
  await page.goto(`${ctx.server.url}/ui/waivers`);
  assert.is(await page.locator('text=Grant waiver').count(), 0);
  assert.is(await page.locator('button:has-text("Revoke")').count(), 0);
  const csrf = await page.locator('input[name=_csrf]').first().inputValue();
  const status = await page.evaluate(async (token) => {
    const body = new URLSearchParams({ _csrf: token, rule: 'DFW-VULN-001', application: 'payments', environment: 'production', reason: 'x', requested_by: 'someone', expires_at: '2099-01-01T00:00' });
    return (await fetch('/ui/waivers', { method: 'POST', body })).status;
  }, csrf);
  assert.is(status, 403);
  await context.close();
});

test('forms without the session CSRF token are refused', async (ctx) => {
  const { context, page } = await signIn(ctx, TOKENS.admin);
  const status = await page.evaluate(async () => {
    const body = new URLSearchParams({ _csrf: 'not-the-token', rule: 'DFW-VULN-001', application: 'payments', environment: 'production', reason: 'x', requested_by: 'someone', expires_at: '2099-01-01T00:00' });
    return (await fetch('/ui/waivers', { method: 'POST', body })).status;
  });
  assert.is(status, 403);
  await context.close();
});

test('an admin grants a waiver, the next check is waived; the requester cannot approve; revoked, the check denies again; bundles roll back and forward', async (ctx) => {
  const { context, page, errors } = await signIn(ctx, TOKENS.admin);
  const request = example('dfw-vuln-001-critical-cves.deny.json', { application: 'ledger' });
  const before = await api(ctx.server.url, 'POST', '/v1/check', TOKENS.check, request);
  assert.is(before.body.allow, false);

  await page.goto(`${ctx.server.url}/ui/waivers`);
  const expires = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
  const fill = async (requestedBy: string) => {
    await page.selectOption('select[name=rule]', 'DFW-VULN-001');
    await page.fill('input[name=application]', 'ledger');
    await page.selectOption('select[name=environment]', 'production');
    await page.fill('input[name=requested_by]', requestedBy);
    await page.fill('input[name=ticket]', 'SEC-4711');
    await page.fill('input[name=expires_at]', expires);
    await page.fill('input[name=reason]', 'musl fix ships next sprint; not reachable from the network');
    await page.click('button:has-text("Grant waiver")');
  };
  await fill(' ALICE ');
  assert.match((await page.locator('.notice.error').textContent()) ?? '', /cannot approve a waiver they requested/);
  await fill('dev-lead');
  await page.waitForURL(/done=granted/);
  assert.match((await page.locator('.notice.ok').textContent()) ?? '', /Waiver granted/);
  await shoot(page, 'waivers');

  const waived = await api(ctx.server.url, 'POST', '/v1/check', TOKENS.check, request);
  const rules = (waived.body.waived as Array<{ rule: string; approved_by: string }>).map((w) => `${w.rule}/${w.approved_by}`);
  assert.ok(rules.includes('DFW-VULN-001/alice'), rules.join());
  assert.is(waived.body.allow, true, JSON.stringify(waived.body.deny));

  await page.click('button[aria-label="Revoke the waiver of DFW-VULN-001 for ledger"]');
  await page.waitForURL(/done=revoked/);
  assert.ok(await page.locator('tbody tr', { hasText: 'ledger' }).locator('.badge.revoked').isVisible());
  const after = await api(ctx.server.url, 'POST', '/v1/check', TOKENS.check, request);
  assert.is(after.body.allow, false);

  // Roll the bundle server back to the earlier revision, then forward again.
  await page.goto(`${ctx.server.url}/ui/bundles`);
  await page.click('button:has-text("Roll back to 2026.11.28-9f2c1e0")');
  await page.waitForURL(/done=rolledback/);
  assert.match((await page.locator('tbody tr', { hasText: '2026.11.28-9f2c1e0' }).textContent()) ?? '', /active since/);
  const status = await api(ctx.server.url, 'GET', '/v1/status', TOKENS.viewer);
  assert.is(status.body.bundle.revision, '2026.11.28-9f2c1e0');
  await page.click('button:has-text("Roll back to 2026.12.01-a1b2c3d")');
  await page.waitForURL(/done=rolledback/);
  assert.is((await api(ctx.server.url, 'GET', '/v1/status', TOKENS.viewer)).body.bundle.revision, '2026.12.01-a1b2c3d');
  // The refused self-approval is answered 403 on purpose; nothing else may fail.
  assert.equal(errors.filter((e) => !e.includes('status of 403')), []);
  await context.close();
});

test('every page: readable without JavaScript, no serious accessibility violation (axe-core), strict CSP', async (ctx) => {
  const pages = ['', '/decisions', `/decisions/${ctx.denied}`, '/rules', '/waivers', '/bundles', '/audit', '/notifications'];
  // axe is injected into the page; the page's own CSP would refuse an injected script.
  const { context, page, errors } = await signIn(ctx, TOKENS.admin, { bypassCSP: true });
  for (const path of pages) {
    const res = await page.goto(`${ctx.server.url}/ui${path}`);
    const csp = res!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    if (path === '') await page.waitForFunction(() => (document.getElementById('decisions-chart') as HTMLCanvasElement | null)?.width! > 0);
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe.run({ resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: (v.nodes as Array<{ target: unknown; failureSummary?: string }>).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
    });
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.equal(serious, [], `${path || '/'}: ${JSON.stringify(serious)}`);
    if (path === '') await shoot(page, 'overview');
    for (const [name, at] of [['rules', '/rules'], ['bundles', '/bundles'], ['audit', '/audit'], ['notifications', '/notifications']] as const) if (path === at) await shoot(page, name);
  }
  assert.equal(errors, []);
  await context.close();

  const noScript = await ctx.browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto(`${ctx.server.url}/ui/login`);
  await plain.fill('input[name=token]', TOKENS.viewer);
  await plain.click('button[type=submit]');
  await plain.waitForURL(/\/ui$/);
  for (const path of pages) {
    await plain.goto(`${ctx.server.url}/ui${path}`);
    assert.ok((await plain.locator('h1').count()) > 0, `${path}: rendered on the server`);
  }
  assert.ok(await plain.locator('text=Drifted').count(), 'the audit page says what drifted');
  await noScript.close();
});

test.run();
