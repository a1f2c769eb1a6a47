// The GitHub custom deployment protection rule end to end: signed deliveries of the real
// payload go through app.request(), a real policy decides, and a fake GitHub on 127.0.0.1
// checks the exact token request (app JWT verified with the App's public key) and review.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { importPKCS8, jwtVerify, importSPKI, SignJWT } from 'jose';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createCheckService, type CheckService } from '../src/decide/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { handleError } from '../src/api/error-table.js';
import { ActivePolicy, type Decision, type Evaluator, type Violation } from '../src/engine/index.js';
import {
  COMMENT_LIMIT,
  createMemoryDeliveryLog,
  githubProtectionRoutes,
  importAppPrivateKey,
  resolveCallbackUrl,
  reviewForDecision,
  signWebhookBody,
  toPkcs8Pem,
  type GitHubProtectionApp,
  type GitHubProtectionDeps,
  type ProtectionOutcome,
} from '../src/integrations/github/index.js';
import { signedMaterial } from './helpers/example-input.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { deliver, protectionRulePayload, type ProtectionRulePayload } from './helpers/github-delivery.js';
import { startFakeGitHub, type FakeGitHub } from './helpers/github-fake.js';
import { ROOT } from './helpers/opa.js';

const SECRET = 'It’s a Secret to Everybody';
const APP_ID = '123456';
const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 5000 };

interface Ctx {
  evaluator: Evaluator;
  github: FakeGitHub;
  privateKeyPem: string;
  publicKeyPem: string;
  compliant: Record<string, unknown>;
}

const gh = suite<Ctx>('github-protection');

gh.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'github-test' });
  // GitHub hands out App keys as PKCS#1 PEM; use the same format.
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  ctx.privateKeyPem = keys.privateKey;
  ctx.publicKeyPem = keys.publicKey;
  ctx.github = await startFakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKey });
  ctx.compliant = JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8'));
});

gh.after(async (ctx) => {
  await ctx.github.close();
});

gh.before.each((ctx) => {
  ctx.github.reset();
});

interface Harness {
  app: Hono;
  routes: GitHubProtectionApp;
  logger: ReturnType<typeof createMemoryLogger>;
  outcomes: ProtectionOutcome[];
  payload: ProtectionRulePayload;
}

function harness(ctx: Ctx, options: Partial<GitHubProtectionDeps> & { evaluator?: Evaluator | null } = {}): Harness {
  const policy = new ActivePolicy();
  const evaluator = options.evaluator === undefined ? ctx.evaluator : options.evaluator;
  if (evaluator) policy.activate(evaluator);
  const logger = createMemoryLogger();
  const outcomes: ProtectionOutcome[] = [];
  const routes = githubProtectionRoutes({
    checks: createCheckService(policy),
    logger,
    webhookSecret: SECRET,
    app: { appId: APP_ID, privateKeyPem: ctx.privateKeyPem, apiBaseUrl: ctx.github.url },
    imageTemplate: 'ghcr.io/{full_name}:{sha}',
    retry: FAST_RETRY,
    onSettled: (o) => outcomes.push(o),
    ...options,
  });
  // Mounted as the lead's app mounts route groups, with the one onError.
  const app = new Hono();
  app.onError(handleError(logger));
  app.route('/', routes);
  return { app, routes, logger, outcomes, payload: protectionRulePayload(ctx.github.url) };
}

/** Wraps the check service so a request carries the compliant example's inline evidence. */
function withCompliantEvidence(inner: CheckService, compliant: Record<string, unknown>): CheckService {
  return {
    check: (request, context) => inner.check({ ...request, evidence: compliant.evidence as Record<string, unknown>, change_ticket: compliant.change_ticket as string }, context),
  };
}

/** Keeps every decision the inner service returns. */
function recordingDecisions(inner: CheckService, decided: Decision[]): CheckService {
  return {
    check: async (request, context) => {
      const outcome = await inner.check(request, context);
      decided.push(outcome.decision);
      return outcome;
    },
  };
}

function expectedCallbackPath(payload: ProtectionRulePayload): string {
  return new URL(payload.deployment_callback_url).pathname;
}

gh('a wrong signature gets 401 and nothing reaches GitHub', async (ctx) => {
  const h = harness(ctx);
  const wrong = await deliver(h.app, h.payload, { secret: 'not the secret' });
  assert.is(wrong.status, 401);
  assert.is(((await wrong.json()) as { error: { code: string } }).error.code, 'signature_invalid');
  const garbled = await deliver(h.app, h.payload, { secret: SECRET, signature: 'sha256=zz' });
  assert.is(garbled.status, 401);
  const sha1Only = await deliver(h.app, h.payload, { secret: SECRET, signature: 'sha1=0123456789abcdef0123456789abcdef01234567' });
  assert.is(sha1Only.status, 401);
  const missing = await deliver(h.app, h.payload, { secret: SECRET, signature: null });
  assert.is(missing.status, 401);
  assert.is(((await missing.json()) as { error: { code: string } }).error.code, 'signature_missing');
  // The body signed, then changed in transit.
  const signedFor = JSON.stringify(h.payload);
  const tampered = await deliver(h.app, signedFor.replace('"requested"', '"requested" '), { secret: SECRET, signature: await signWebhookBody(SECRET, signedFor) });
  assert.is(tampered.status, 401);
  await h.routes.idle();
  assert.is(h.routes.pending(), 0);
  assert.equal(h.outcomes, []);
  assert.is(ctx.github.requests.length, 0, 'no request may reach GitHub');
});

gh('a violating deployment is rejected with one callback naming the blocking rules', async (ctx) => {
  const h = harness(ctx);
  const delivery = randomUUID();
  const started = Math.floor(Date.now() / 1000);
  const res = await deliver(h.app, h.payload, { secret: SECRET, delivery });
  assert.is(res.status, 202);
  assert.equal(await res.json(), { status: 'accepted', delivery });
  await h.routes.idle();

  const [token, ...moreTokens] = ctx.github.tokenRequests();
  assert.equal(moreTokens, []);
  assert.is(token!.path, `/app/installations/${h.payload.installation.id}/access_tokens`);
  assert.is(token!.headers.accept, 'application/vnd.github+json');
  assert.is(token!.headers['x-github-api-version'], '2022-11-28');
  assert.ok(token!.headers['user-agent'], 'GitHub requires a User-Agent');
  assert.ok(token!.jwt?.ok, `the app JWT must verify with the App's public key: ${token!.jwt?.error}`);
  assert.is(token!.jwt!.header!.alg, 'RS256');
  const { iat, exp, iss } = token!.jwt!.payload!;
  assert.is(iss, APP_ID);
  assert.ok(iat! <= started - 59 && iat! >= started - 62, `iat ${iat} should be 60 s before ${started}`);
  assert.ok(exp! > started && exp! - iat! <= 600 && exp! <= started + 600, `exp ${exp} must be at most 10 minutes ahead`);
  assert.equal(token!.json, { repository_ids: [h.payload.repository.id], permissions: { deployments: 'write' } });

  const callbacks = ctx.github.callbacks();
  assert.is(callbacks.length, 1, 'exactly one callback');
  const callback = callbacks[0]!;
  assert.is(callback.method, 'POST');
  assert.is(callback.path, expectedCallbackPath(h.payload));
  assert.is(callback.headers.authorization, `Bearer ghs_fake${'1'.padStart(32, '0')}`);
  assert.is(callback.headers.accept, 'application/vnd.github+json');
  assert.match(String(callback.headers['content-type']), /^application\/json/);
  assert.is(callback.status, 204);
  const body = callback.json as { environment_name: string; state: string; comment: string };
  assert.equal(Object.keys(body).sort(), ['comment', 'environment_name', 'state']);
  assert.is(body.environment_name, 'release');
  assert.is(body.state, 'rejected');
  assert.ok(body.comment.length <= COMMENT_LIMIT, `comment is ${body.comment.length} characters`);
  assert.match(body.comment, '**dfw rejected**');
  assert.match(body.comment, '`release-authenticator-example` to `release`');

  const [outcome] = h.outcomes;
  assert.is(outcome!.state, 'rejected');
  assert.is(outcome!.comment, body.comment);
  assert.equal(outcome!.callback, { sent: true, attempts: 1, status: 204 });
  // Every blocking rule is named, or counted in "…and N more".
  const decisionLine = h.logger.lines.find((l) => l.msg === 'decision')!;
  assert.is(decisionLine.decision_id, outcome!.decisionId);
  assert.is(decisionLine.allow, false);
  assert.is(decisionLine.caller, `github-app:${APP_ID}`);
  const named = [...body.comment.matchAll(/`(DFW-[A-Z]+-\d{3})`/g)].map((m) => m[1]);
  const more = Number(/…and (\d+) more/.exec(body.comment)?.[1] ?? 0);
  const total = Number(/: (\d+) blocking rules?/.exec(body.comment)?.[1]);
  assert.ok(named.length > 0, 'at least one rule is named');
  assert.is(named.length + more, total);
  assert.ok(named.includes('DFW-GIT-001') || more > 0);
  assert.ok(h.logger.lines.some((l) => l.msg === 'github review sent' && l.state === 'rejected' && l.delivery === delivery));
});

gh('the check request carries repository, sha, ref, environment and sender', async (ctx) => {
  const seen: Array<Record<string, unknown>> = [];
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const inner = createCheckService(policy);
  const h = harness(ctx, {
    environmentMap: { release: 'production' },
    checks: { check: (request, context) => (seen.push({ request, context }), inner.check(request, context)) },
  });
  await deliver(h.app, h.payload, { secret: SECRET, delivery: 'd-request-shape' });
  await h.routes.idle();
  const { request, context } = seen[0] as { request: Record<string, unknown>; context: unknown };
  assert.equal(context, { via: 'github', caller: `github-app:${APP_ID}` });
  assert.is(request.application, 'release-authenticator-example');
  assert.is(request.environment, 'production');
  assert.equal(request.artifact, { image: `ghcr.io/zaniebot/release-authenticator-example:${h.payload.sha}` });
  assert.equal(request.source, { repository: 'github.com/zaniebot/release-authenticator-example', commit: h.payload.sha, branch: 'main' });
  assert.is(request.requested_by, 'zaniebot');
  assert.equal(request.github, {
    delivery: 'd-request-shape',
    environment: 'release',
    event: 'workflow_dispatch',
    ref: 'main',
    deployment_id: 4189575565,
    workflow_run_id: 23625057533,
    installation_id: 119022551,
    image_source: 'image_template',
  });
  // The review names the GitHub environment, the comment the one the policy decided for.
  const body = ctx.github.callbacks()[0]!.json as { environment_name: string; comment: string };
  assert.is(body.environment_name, 'release');
  assert.match(body.comment, 'to `production`');
});

for (const strict of [false, true]) {
gh(`a compliant deployment is approved${strict ? ' under environments.strict: the github field the rule adds is known through it' : ''}`, async (ctx) => {
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const compliant = ctx.compliant as { artifact: { image: string; digest: string }; source: { commit: string } };
  // The event's repository is the one the pipeline built: the provenance must name it
  // (DFW-PROV-001), so the build's provenance is signed again for that repository.
  const renamed = JSON.parse(JSON.stringify(ctx.compliant).replaceAll('github.com/acme/payments', 'github.com/zaniebot/release-authenticator-example')) as { evidence: Record<string, unknown> };
  Object.assign(renamed.evidence, signedMaterial({ ...compliant.artifact, repository: 'github.com/zaniebot/release-authenticator-example' }));
  const evidence = JSON.stringify(renamed);
  const decided: Decision[] = [];
  const h = harness(ctx, {
    checks: withCompliantEvidence(recordingDecisions(createCheckService(policy, { strict }), decided), JSON.parse(evidence) as Record<string, unknown>),
    environmentMap: { release: 'production' },
    applicationMap: { 'zaniebot/release-authenticator-example': 'payments' },
  });
  // The workflow names its image in the deployment payload, as a compliant pipeline would.
  h.payload.sha = compliant.source.commit;
  h.payload.deployment.payload = { image: compliant.artifact.image, digest: compliant.artifact.digest };
  const res = await deliver(h.app, h.payload, { secret: SECRET });
  assert.is(res.status, 202);
  await h.routes.idle();
  const callbacks = ctx.github.callbacks();
  assert.is(callbacks.length, 1);
  const body = callbacks[0]!.json as { environment_name: string; state: string; comment: string };
  assert.is(body.state, 'approved', body.comment);
  assert.is(body.environment_name, 'release');
  assert.match(body.comment, '**dfw approved**');
  assert.match(body.comment, '`payments` to `production`: no blocking rule');
  assert.ok(body.comment.length <= COMMENT_LIMIT);
  assert.is(decided.length, 1, 'decided, not refused as not strict');
  assert.equal((decided[0] as Decision & { warnings?: string[] }).warnings, undefined, 'no warning names the github field');
});
}

gh('the same delivery id twice is handled once', async (ctx) => {
  const h = harness(ctx);
  const first = await deliver(h.app, h.payload, { secret: SECRET, delivery: 'same-id' });
  const second = await deliver(h.app, h.payload, { secret: SECRET, delivery: 'same-id' });
  assert.is(first.status, 202);
  assert.is(second.status, 200);
  assert.equal(await second.json(), { status: 'duplicate delivery', delivery: 'same-id' });
  await h.routes.idle();
  const third = await deliver(h.app, h.payload, { secret: SECRET, delivery: 'same-id' });
  assert.is(third.status, 200, 'still a duplicate after it was handled');
  await h.routes.idle();
  assert.is(ctx.github.callbacks().length, 1);
  assert.is(h.outcomes.length, 1);
});

gh('GitHub answering 500 once is retried, and the review arrives', async (ctx) => {
  const h = harness(ctx);
  ctx.github.fail('callback', 500, 1);
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  const callbacks = ctx.github.callbacks();
  assert.equal(callbacks.map((c) => c.status), [500, 204]);
  assert.equal(callbacks[0]!.json, callbacks[1]!.json, 'the same review is sent again');
  assert.equal(h.outcomes[0]!.callback, { sent: true, attempts: 2, status: 204 });
  const retried = h.logger.lines.find((l) => l.msg === 'github review failed, retrying');
  assert.ok(retried, 'the retry is logged');
  assert.is(retried!.status, 500);
});

gh('a token request answered 502 is retried too', async (ctx) => {
  const h = harness(ctx);
  ctx.github.fail('token', 502, 1);
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  assert.equal(ctx.github.tokenRequests().map((r) => r.status), [502, 201]);
  assert.is(ctx.github.callbacks().length, 1);
  assert.ok(h.outcomes[0]!.callback.sent);

  // A token that cannot be had is tried `attempts` times in all, not once per review attempt.
  ctx.github.reset();
  const fresh = harness(ctx);
  ctx.github.fail('token', 502, FAST_RETRY.attempts);
  await deliver(fresh.app, fresh.payload, { secret: SECRET });
  await fresh.routes.idle();
  assert.is(ctx.github.tokenRequests().length, FAST_RETRY.attempts);
  assert.is(ctx.github.callbacks().length, 0);
  assert.is(fresh.outcomes[0]!.callback.sent, false);
  assert.match(fresh.outcomes[0]!.callback.error!, 'access_tokens answered 502');

  // One loop, one budget: a token failure and callback failures share the same attempts.
  ctx.github.reset();
  const shared = harness(ctx);
  ctx.github.fail('token', 502, 1);
  ctx.github.fail('callback', 500, FAST_RETRY.attempts);
  await deliver(shared.app, shared.payload, { secret: SECRET });
  await shared.routes.idle();
  assert.equal(ctx.github.tokenRequests().map((r) => r.status), [502, 201]);
  assert.is(ctx.github.callbacks().length, FAST_RETRY.attempts - 1);
  assert.is(shared.outcomes[0]!.callback.attempts, FAST_RETRY.attempts);
  assert.is(shared.outcomes[0]!.callback.sent, false);
});

gh('a callback that keeps failing is logged, and a redelivery of the id is handled again', async (ctx) => {
  const h = harness(ctx);
  ctx.github.fail('callback', 503, FAST_RETRY.attempts);
  await deliver(h.app, h.payload, { secret: SECRET, delivery: 'outage' });
  await h.routes.idle();
  assert.is(ctx.github.callbacks().length, FAST_RETRY.attempts);
  const outcome = h.outcomes[0]!;
  assert.is(outcome.callback.sent, false);
  assert.is(outcome.callback.attempts, FAST_RETRY.attempts);
  assert.match(outcome.callback.error!, '503');
  assert.ok(h.logger.lines.some((l) => l.msg === 'github review not sent; the deployment stays waiting' && l.level === 'error'));
  // GitHub's redelivery keeps the X-GitHub-Delivery id.
  const redelivered = await deliver(h.app, h.payload, { secret: SECRET, delivery: 'outage' });
  assert.is(redelivered.status, 202);
  await h.routes.idle();
  assert.is(ctx.github.callbacks().at(-1)!.status, 204);
});

gh('a 4xx answer is not retried', async (ctx) => {
  const h = harness(ctx);
  ctx.github.fail('callback', 422, 1);
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  assert.is(ctx.github.callbacks().length, 1);
  assert.equal(h.outcomes[0]!.callback.sent, false);
});

gh('an app JWT GitHub cannot verify (wrong key) is not retried', async (ctx) => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const h = harness(ctx, { app: { appId: APP_ID, privateKeyPem: other.privateKey, apiBaseUrl: ctx.github.url } });
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  assert.equal(ctx.github.tokenRequests().map((r) => r.status), [401]);
  assert.is(ctx.github.tokenRequests()[0]!.jwt!.ok, false);
  assert.is(ctx.github.callbacks().length, 0);
  assert.match(h.outcomes[0]!.callback.error!, 'A JSON web token could not be decoded');
});

gh('other events and actions are ignored with 202', async (ctx) => {
  const h = harness(ctx);
  const ping = await deliver(h.app, { zen: 'Keep it logically awesome.', hook_id: 1 }, { secret: SECRET, event: 'ping' });
  assert.is(ping.status, 202);
  assert.is(((await ping.json()) as { status: string }).status, 'ignored');
  const other = await deliver(h.app, { ...h.payload, action: 'completed' }, { secret: SECRET });
  assert.is(other.status, 202);
  assert.equal(await other.json(), { status: 'ignored', reason: 'action completed is not requested' });
  await h.routes.idle();
  assert.is(ctx.github.requests.length, 0);
  assert.equal(h.outcomes, []);
});

gh('the installation token is cached across deliveries and renewed when GitHub refuses it', async (ctx) => {
  const h = harness(ctx);
  await deliver(h.app, h.payload, { secret: SECRET });
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  assert.is(ctx.github.tokenRequests().length, 1, 'one token for three deliveries');
  const bearers = ctx.github.callbacks().map((c) => c.headers.authorization);
  assert.is(bearers.length, 3);
  assert.is(new Set(bearers).size, 1);

  ctx.github.revokeTokens();
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  assert.is(ctx.github.tokenRequests().length, 2, 'a refused token is replaced');
  assert.equal(ctx.github.callbacks().slice(-2).map((c) => c.status), [401, 204]);
  assert.ok(h.outcomes.every((o) => o.callback.sent));
});

gh('a callback URL off the configured GitHub API is never called (SSRF)', async (ctx) => {
  const h = harness(ctx);
  const elsewhere = { ...h.payload, deployment_callback_url: 'http://127.0.0.1:9/repos/zaniebot/release-authenticator-example/actions/runs/1/deployment_protection_rule' };
  await deliver(h.app, elsewhere, { secret: SECRET });
  const otherRepo = { ...h.payload, deployment_callback_url: `${ctx.github.url}/repos/someone/else/actions/runs/1/deployment_protection_rule` };
  await deliver(h.app, otherRepo, { secret: SECRET });
  const otherPath = { ...h.payload, deployment_callback_url: `${ctx.github.url}/app/installations/1/access_tokens` };
  await deliver(h.app, otherPath, { secret: SECRET });
  await h.routes.idle();
  assert.is(ctx.github.requests.length, 0, 'no token is even requested');
  assert.is(h.outcomes.length, 3);
  assert.ok(h.outcomes.every((o) => !o.callback.sent));
  assert.match(h.outcomes[0]!.callback.error!, 'not on the configured GitHub API host');
  assert.match(h.outcomes[1]!.callback.error!, 'the event names zaniebot/release-authenticator-example');
  assert.match(h.outcomes[2]!.callback.error!, 'not a deployment protection rule review endpoint');

  const base = new URL('https://ghe.example.com/api/v3');
  const ok = resolveCallbackUrl('https://ghe.example.com/api/v3/repos/Acme/App/actions/runs/42/deployment_protection_rule', base, 'acme/app');
  assert.is(ok.href, 'https://ghe.example.com/api/v3/repos/Acme/App/actions/runs/42/deployment_protection_rule');
  assert.throws(() => resolveCallbackUrl('https://ghe.example.com/repos/acme/app/actions/runs/42/deployment_protection_rule', base, 'acme/app'), /API base path/);
  assert.throws(() => resolveCallbackUrl('https://ghe.example.com.evil.test/api/v3/repos/acme/app/actions/runs/42/deployment_protection_rule', base, 'acme/app'), /host/);
  assert.throws(() => resolveCallbackUrl('https://user:pw@ghe.example.com/api/v3/repos/acme/app/actions/runs/42/deployment_protection_rule', base, 'acme/app'), /credentials/);
});

gh('an evaluation that fails is rejected, saying dfw failed closed', async (ctx) => {
  const h = harness(ctx, { evaluator: null });
  await deliver(h.app, h.payload, { secret: SECRET });
  await h.routes.idle();
  const body = ctx.github.callbacks()[0]!.json as { state: string; comment: string };
  assert.is(body.state, 'rejected');
  assert.match(body.comment, 'failed closed');
  assert.match(body.comment, 'no verified policy bundle is loaded');
  assert.ok(h.outcomes[0]!.error);
  assert.ok(h.logger.lines.some((l) => l.msg === 'github check failed; rejecting (fail closed)'));

  // No image anywhere: nothing to check is not an approval either.
  const noImage = harness(ctx, { imageTemplate: undefined });
  await deliver(noImage.app, noImage.payload, { secret: SECRET });
  await noImage.routes.idle();
  const second = ctx.github.callbacks()[1]!.json as { state: string; comment: string };
  assert.is(second.state, 'rejected');
  assert.match(second.comment, 'no image template is configured');

  // A deployment payload image that is not an image reference fails validation, closed.
  const badImage = harness(ctx);
  badImage.payload.deployment.payload = { image: 'Not An Image!' };
  await deliver(badImage.app, badImage.payload, { secret: SECRET });
  await badImage.routes.idle();
  const third = ctx.github.callbacks()[2]!.json as { state: string; comment: string };
  assert.is(third.state, 'rejected');
  assert.match(third.comment, 'artifact.image');
});

gh('a payload that cannot be answered gets 400 and no callback', async (ctx) => {
  const h = harness(ctx);
  const { installation: _installation, ...withoutInstallation } = h.payload;
  const res = await deliver(h.app, withoutInstallation, { secret: SECRET });
  assert.is(res.status, 400);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, 'installation.id');
  const notJson = await deliver(h.app, '{"action":', { secret: SECRET });
  assert.is(notJson.status, 400);
  await h.routes.idle();
  assert.is(ctx.github.requests.length, 0);
});

function decisionOf(deny: Violation[], warn: Violation[] = []): Decision {
  const bySeverity = (vs: Violation[]) => ({
    critical: vs.filter((v) => v.severity === 'critical'),
    high: vs.filter((v) => v.severity === 'high'),
    medium: vs.filter((v) => v.severity === 'medium'),
    low: vs.filter((v) => v.severity === 'low'),
  });
  return {
    decision_id: '0193aaaa-0000-7000-8000-000000000000',
    allow: deny.length === 0,
    environment: 'production',
    deny: bySeverity(deny),
    warn: bySeverity(warn),
    waived: [],
    bundle: { name: 'firewall', revision: 'r1' },
    evaluated_at: '2026-11-28T14:00:00Z',
    timing_ms: {},
  };
}

const violation = (rule: string, severity: Violation['severity'], title: string, message: string): Violation => ({
  rule,
  title,
  severity,
  category: 'test',
  message,
  remediation: 'fix it',
  evidence: '',
});

gh('the comment stays within 1,024 characters and counts the rules it leaves out', () => {
  const violations = Array.from({ length: 40 }, (_, i) =>
    violation(`DFW-TEST-${String(i).padStart(3, '0')}`, i < 10 ? 'critical' : 'high', `A rule with a <b>long</b> title ${'t'.repeat(40)}`, `message ${i} ${'x'.repeat(150)}`),
  );
  const { state, comment } = reviewForDecision(decisionOf(violations), { application: 'payments', environment: 'production' });
  assert.is(state, 'rejected');
  assert.ok(comment.length <= COMMENT_LIMIT, `${comment.length} characters`);
  const shown = [...comment.matchAll(/`(DFW-TEST-\d{3})`/g)].map((m) => m[1]);
  assert.ok(shown.length >= 5, `${shown.length} rules shown`);
  assert.equal(shown, violations.slice(0, shown.length).map((v) => v.rule), 'most severe first, in order');
  assert.match(comment, `…and ${40 - shown.length} more`);
  assert.match(comment, ': 40 blocking rules.');
  assert.match(comment, 'Decision `0193aaaa-0000-7000-8000-000000000000`');
  assert.not.match(comment, '<b>');
});

gh('the comment lists a few rules with their messages, escaped, and one line per rule', () => {
  const deny = [
    violation('DFW-GIT-001', 'critical', 'Deployed branch is protected', 'branch <img src=x> of acme/app@main allows *force pushes*; ping @security-team'),
    violation('DFW-VULN-001', 'critical', 'No critical CVEs', 'CVE-2019-14697 in musl'),
    violation('DFW-VULN-001', 'critical', 'No critical CVEs', 'CVE-2019-14698 in musl-utils'),
  ];
  const { comment } = reviewForDecision(decisionOf(deny, [violation('DFW-CLOUD-001', 'medium', 'Latest version', 'not the latest')]), { application: 'app', environment: 'production' });
  assert.match(comment, ': 2 blocking rules (3 violations).');
  assert.match(comment, '`DFW-VULN-001` No critical CVEs: CVE-2019-14697 in musl (2 violations)');
  assert.match(comment, 'branch \\<img src=x\\> of acme/app@main allows \\*force pushes\\*; ping @\u200bsecurity-team');
  assert.not.match(comment, 'DFW-CLOUD-001', 'warnings are not listed in a rejection');

  const approved = reviewForDecision(decisionOf([], [violation('DFW-CLOUD-001', 'medium', 'Latest version', 'not the latest')]), { application: 'app', environment: 'staging' });
  assert.is(approved.state, 'approved');
  assert.match(approved.comment, '**dfw approved** the deployment of `app` to `staging`: no blocking rule.');
  assert.match(approved.comment, 'Warnings (not blocking here):\n\n- **medium** `DFW-CLOUD-001` Latest version: not the latest');
});

gh('the App key is accepted as GitHub issues it (PKCS#1) and as PKCS#8', async (ctx) => {
  const pkcs8 = toPkcs8Pem(ctx.privateKeyPem);
  assert.match(pkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
  const publicKey = await importSPKI(ctx.publicKeyPem, 'RS256');
  for (const pem of [ctx.privateKeyPem, pkcs8]) {
    const key = await importAppPrivateKey(pem);
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer(APP_ID).sign(key);
    const { payload } = await jwtVerify(jwt, publicKey, { issuer: APP_ID });
    assert.is(payload.iss, APP_ID);
  }
  // The wrapped key is what openssl's PKCS#8 conversion gives: Node reads it as the same key.
  await importPKCS8(pkcs8, 'RS256');
  try {
    await importAppPrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----');
    assert.unreachable('an OpenSSH key must be refused');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'github_private_key_invalid');
  }
});

gh('the memory delivery log forgets the least recently seen ids first', () => {
  let now = 0;
  const log = createMemoryDeliveryLog({ maxEntries: 2, ttlMs: 1000, now: () => now });
  assert.ok(log.claim('a'));
  assert.ok(log.claim('b'));
  assert.not.ok(log.claim('a'));
  assert.ok(log.claim('c'), 'c pushes out b, the least recently seen');
  assert.is(log.size, 2);
  assert.ok(log.claim('b'));
  now = 5000;
  assert.ok(log.claim('c'), 'expired ids are new again');
  log.release('c');
  assert.ok(log.claim('c'));
});

gh.run();
