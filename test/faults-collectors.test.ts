// Collectors that misbehave, and an admission that runs out of time. A live source that
// hangs costs its timeout and becomes "unavailable" (the rules then deny for missing
// evidence); one that answers garbage does the same; neither is ever a 5xx or an allow. An
// AdmissionReview denied at its deadline leaves no decision in the log that says otherwise:
// the checks still running are abandoned before they record anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { handleError } from '../src/api/error-table.js';
import type { Collector } from '../src/collect/collector.js';
import { createGitHubCollector } from '../src/collect/collectors/index.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Decision, type Evaluator } from '../src/engine/index.js';
import { admissionRoutes, createEnvironmentMapper, decideAdmission, type AdmissionReviewResponse } from '../src/integrations/kubernetes/index.js';
import { parseAdmissionReview } from '../src/integrations/kubernetes/admission-review.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { FakeServer } from './helpers/fake-servers.js';
import { readReview, variant } from './helpers/k8s-admission.js';

/** The kube-review Deployment in namespace `payments` (production). */
const paymentsReview = () => variant(readReview('kube-review-deployment-v1-request.json'), (r) => (r.request.namespace = 'payments'));

interface Ctx {
  evaluator: Evaluator;
  compliant: Record<string, unknown>;
  dir: string;
}
const faults = suite<Ctx>('faults-collectors');

faults.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'faults-collectors' });
  ctx.compliant = readExamples().get('compliant.allow.json')!;
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-faults-collectors-'));
});
faults.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

let stores = 0;
async function storeIn(ctx: Ctx): Promise<Store> {
  return openStore(`sqlite:${join(ctx.dir, `${++stores}.db`)}`);
}

function policyOf(ctx: Ctx): ActivePolicy {
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  return policy;
}

/** The compliant request without its inline branch protection, so the GitHub collector is asked. */
function requestNeedingGitHub(ctx: Ctx): Record<string, unknown> {
  const evidence = { ...(ctx.compliant.evidence as Record<string, unknown>) };
  delete evidence.branch_protection;
  return { ...ctx.compliant, evidence };
}

async function check(ctx: Ctx, collector: Collector, store: Store): Promise<{ status: number; decision: Decision; ms: number }> {
  const policy = policyOf(ctx);
  const app = createApp({ policy, logger: createMemoryLogger(), store, checks: createCheckService(policy, { store, collectors: new CollectorRunner([collector]) }) });
  const started = performance.now();
  const res = await app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(requestNeedingGitHub(ctx)) });
  return { status: res.status, decision: (await res.json()) as Decision, ms: performance.now() - started };
}

const rulesOf = (d: Decision) => Object.values(d.deny).flat().map((v) => v.rule);

faults('a GitHub that never answers costs its timeout, is unavailable, and the check denies — no 5xx, no allow', async (ctx) => {
  const github = await new FakeServer(() => ({ delayMs: 60_000, body: {} })).start();
  const store = await storeIn(ctx);
  try {
    const { status, decision, ms } = await check(ctx, createGitHubCollector({ base_url: github.url, token: 't', hosts: ['github.com'], timeout_ms: 300 }), store);
    assert.is(status, 200);
    assert.is(decision.allow, false);
    assert.ok(rulesOf(decision).includes('DFW-GIT-001'), rulesOf(decision).join(','));
    assert.ok(ms < 5_000, `answered after the collector's timeout, not GitHub's silence (${Math.round(ms)} ms)`);
    const logged = await store.getDecision(decision.decision_id);
    assert.match(String((logged!.input as { unavailable?: Record<string, string> }).unavailable?.branch_protection), 'timed out');
  } finally {
    await store.close();
    await github.close();
  }
});

faults('a GitHub that answers garbage (HTML, truncated JSON, wrong shapes, 500) is unavailable with a reason, never a 5xx or an allow', async (ctx) => {
  const answers = [
    { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in</body></html>' },
    { status: 200, headers: { 'content-type': 'application/json' }, body: '{"required_pull_request_reviews": {"required_approving_review_count": 2' },
    { status: 200, body: [1, 2, 3] },
    { status: 200, body: { required_pull_request_reviews: 'yes', allow_force_pushes: { enabled: 'no' } } },
    { status: 500, body: { message: 'Server Error' } },
    { status: 200, headers: { 'content-type': 'application/json' }, body: '\u0000\u0001\u0002' },
  ];
  for (const answer of answers) {
    const github = await new FakeServer(() => answer).start();
    const store = await storeIn(ctx);
    try {
      const { status, decision } = await check(ctx, createGitHubCollector({ base_url: github.url, token: 't', hosts: ['github.com'], timeout_ms: 2_000, rulesets: false }), store);
      const shown = JSON.stringify(answer.body).slice(0, 60);
      assert.is(status, 200, shown);
      assert.is(decision.allow, false, shown);
      assert.ok(rulesOf(decision).includes('DFW-GIT-001'), `${shown}: ${rulesOf(decision).join(',')}`);
      assert.ok(await store.getDecision(decision.decision_id), 'the decision is in the log');
    } finally {
      await store.close();
      await github.close();
    }
  }
});

faults('an admission denied at its deadline leaves no decision in the log: the running checks are abandoned before they record', async (ctx) => {
  // A source slower than the admission deadline but within its own timeout: before the fix
  // the check went on, decided, and recorded a decision Kubernetes was never told.
  const slow: Collector = {
    name: 'slow-source',
    kinds: ['security_review'],
    timeoutMs: 5_000,
    cacheTtlMs: 0,
    cacheKey: () => 'always',
    collect: () => new Promise((resolve) => setTimeout(() => resolve({ evidence: {}, unavailable: { security_review: 'slow source answered late' } }), 800)),
  };
  const store = await storeIn(ctx);
  const policy = policyOf(ctx);
  const logger = createMemoryLogger();
  const checks = createCheckService(policy, { store, collectors: new CollectorRunner([slow]) });
  const app = new Hono();
  app.onError(handleError(logger));
  app.route('/', admissionRoutes({ checks, logger, timeoutMs: 200, environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production' } }) }));
  try {
    const review = paymentsReview();
    const res = await app.request('/k8s/admission', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) });
    assert.is(res.status, 200);
    const answer = (await res.json()) as AdmissionReviewResponse;
    assert.is(answer.response.allowed, false);
    assert.match(answer.response.status!.message, 'no decision within 200 ms', JSON.stringify(answer.response));
    // Wait until the slow source has answered and the abandoned checks would have recorded.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const logged = await store.listDecisions();
    assert.equal(logged.items.map((d) => ({ id: d.decision_id, allow: d.allow })), [], 'no decision recorded for a review answered by its deadline');
    assert.equal(logger.lines.filter((l) => l.level === 'error'), []);
    assert.ok(logger.lines.some((l) => l.msg === 'admission failed closed'));
  } finally {
    await store.close();
  }
});

faults('an abandoned check stops waiting for its collectors at once, and tells them to stop', async (ctx) => {
  let told: AbortSignal | undefined;
  const silent: Collector = {
    name: 'silent-source',
    kinds: ['security_review'],
    timeoutMs: 60_000,
    cacheTtlMs: 0,
    cacheKey: () => 'always',
    collect: ({ signal }) => {
      told = signal;
      return new Promise(() => undefined); // never answers
    },
  };
  const caller = new AbortController();
  setTimeout(() => caller.abort(new Error('the caller left')), 50);
  const request = requestNeedingGitHub(ctx) as never;
  const input: Record<string, unknown> = {};
  // Without the abandonment the collection would wait out the collector's 60 s timeout.
  const outcome = await Promise.race([
    new CollectorRunner([silent]).collect(request, input, caller.signal).then(() => 'returned'),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000).unref()),
  ]);
  assert.is(outcome, 'returned');
  assert.is(told?.aborted, true, 'the collector was told to stop');
  assert.match(String((input.unavailable as Record<string, string>).security_review), 'silent-source was not waited for: the check was abandoned');
});

/** `real`, whose recordDecision takes `ms` before it writes: a slow disk or a busy database. */
function slowToRecord(real: Store, ms: number): Pick<Store, 'activeWaivers' | 'recordDecision'> {
  return {
    activeWaivers: real.activeWaivers.bind(real),
    recordDecision: async (record) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return real.recordDecision(record);
    },
  };
}

faults('an admission whose decision is being recorded at its deadline waits for the record and answers with that decision: the answer and the log agree', async (ctx) => {
  // Past its last abort point the check has handed its record to the store; before the fix
  // the review was denied 250 ms later ("no decision within 300 ms") and the record then
  // committed a decision Kubernetes was never told.
  const real = await storeIn(ctx);
  const logger = createMemoryLogger();
  const checks = createCheckService(policyOf(ctx), { store: slowToRecord(real, 600) });
  const deps = { checks, logger, environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production' } }) };
  try {
    const outcome = await decideAdmission(parseAdmissionReview(paymentsReview()), deps, 300);
    const answered = outcome.images.flatMap((v) => (v.decision ? [v.decision.decision_id] : []));
    assert.is(outcome.failedClosed, undefined, outcome.failedClosed);
    assert.is(answered.length, outcome.images.length, JSON.stringify(outcome.images));
    assert.equal(outcome.review.response.auditAnnotations?.['decision-ids']?.split(','), answered);
    // Long enough for any record still on its way to land.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const logged = (await real.listDecisions()).items.map((d) => d.decision_id);
    assert.equal(logged.sort(), [...answered].sort(), 'the log holds exactly the decisions the answer gave');
    assert.equal(logger.lines.filter((l) => l.level === 'error'), []);
  } finally {
    await real.close();
  }
});

faults('a record slower than the whole margin past the deadline: the review is denied, and the late decision is logged as an error with its id', async (ctx) => {
  const real = await storeIn(ctx);
  const logger = createMemoryLogger();
  const checks = createCheckService(policyOf(ctx), { store: slowToRecord(real, 1_500) });
  const deps = { checks, logger, environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production' } }) };
  try {
    const started = performance.now();
    const outcome = await decideAdmission(parseAdmissionReview(paymentsReview()), deps, 100, 400);
    assert.ok(performance.now() - started < 1_200, `answered by its answer-by time, not the record's (${Math.round(performance.now() - started)} ms)`);
    assert.is(outcome.review.response.allowed, false);
    assert.match(outcome.failedClosed ?? '', 'no decision within 100 ms');
    const late = await (async () => {
      for (let waited = 0; waited < 5_000; waited += 50) {
        const line = logger.lines.find((l) => l.msg === 'admission denied at its deadline, but its decision was recorded after it');
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return undefined;
    })();
    assert.ok(late, 'the late record is reported');
    const logged = (await real.listDecisions()).items.map((d) => d.decision_id);
    assert.equal(late!.decision_ids, logged);
  } finally {
    await real.close();
  }
});

faults('an admission answered before its deadline is recorded as answered', async (ctx) => {
  const store = await storeIn(ctx);
  const policy = policyOf(ctx);
  const logger = createMemoryLogger();
  const app = new Hono();
  app.onError(handleError(logger));
  app.route('/', admissionRoutes({ checks: createCheckService(policy, { store }), logger, timeoutMs: 5_000, environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production' } }) }));
  try {
    const res = await app.request('/k8s/admission', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(paymentsReview()) });
    const answer = (await res.json()) as AdmissionReviewResponse;
    const ids = answer.response.auditAnnotations?.['decision-ids']?.split(',') ?? [];
    assert.ok(ids.length > 0, JSON.stringify(answer.response));
    for (const id of ids) assert.ok(await store.getDecision(id), id);
  } finally {
    await store.close();
  }
});

faults.run();
