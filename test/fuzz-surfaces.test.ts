// Property-based fuzzing (fast-check) of every HTTP surface that takes bytes from outside:
// check requests, waiver bodies and waiver requests, AdmissionReviews, and signed GitHub
// webhook deliveries (evidence reports: fuzz-evidence.test.ts) — through the real app, the real
// bundle and a real SQLite decision log. Invariants: never a 5xx; never an allow for a
// request whose unfuzzed form the policy denies, when the fuzzing cannot change its meaning;
// every decision answered 200 is in the log. Fixed seeds; DFW_FUZZ_RUNS sets the cases per
// surface (`make fuzz` runs 10,000) and each surface prints how many it ran.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Hono } from 'hono';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp, type ApiToken } from '../src/api/index.js';
import { handleError } from '../src/api/error-table.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Decision, type Evaluator } from '../src/engine/index.js';
import { githubProtectionRoutes } from '../src/integrations/github/index.js';
import { admissionRoutes, createEnvironmentMapper, type AdmissionReviewResponse } from '../src/integrations/kubernetes/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { deliver, protectionRulePayload } from './helpers/github-delivery.js';
import { readReview, variant } from './helpers/k8s-admission.js';
import { FUZZ_RUNS, fuzzSeed, jsonMutation, byteMutation, meaningPreserving, report, Tally } from './helpers/fuzz.js';

interface Ctx {
  evaluator: Evaluator;
  dir: string;
  store: Store;
  app: Hono;
  examples: Map<string, Record<string, unknown>>;
}
const fuzz = suite<Ctx>('fuzz-surfaces');

const ADMIN = 'fuzz-admin-token';
const SECRET = 'fuzz-webhook-secret';

fuzz.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'fuzz-surfaces' });
  ctx.examples = readExamples();
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-fuzz-'));
  ctx.store = await openStore(`sqlite:${join(ctx.dir, 'dfw.db')}`);
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const tokens: ApiToken[] = [{ name: 'fuzz-admin', sha256: await sha256Hex(ADMIN), roles: ['admin'] }];
  ctx.app = createApp({ policy, logger: createMemoryLogger(), store: ctx.store, tokens, checks: createCheckService(policy, { store: ctx.store }) });
});
fuzz.after(async (ctx) => {
  await ctx.store.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${ADMIN}` };

async function post(app: Hono, path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** Every decision answered 200 must be in the log; checked in batches to keep runs fast. */
async function assertLogged(store: Store, ids: string[]): Promise<void> {
  for (const id of ids) assert.ok(await store.getDecision(id), `answered decision ${id} is in the log`);
  ids.length = 0;
}

fuzz('check requests: never a 5xx, never an allow for a denied request, every 200 in the log', async (ctx) => {
  const denied = ctx.examples.get('dfw-vuln-001-critical-cves.deny.json')!;
  const compliant = ctx.examples.get('compliant.allow.json')!;
  const answered: string[] = [];
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        meaningPreserving(denied).map((text) => ({ text, mustDeny: true })),
        jsonMutation(compliant).map((text) => ({ text, mustDeny: false })),
        byteMutation(JSON.stringify(compliant)).map((bytes) => ({ text: bytes, mustDeny: false })),
      ),
      async ({ text, mustDeny }) => {
        const { status, json } = await post(ctx.app, '/v1/check', text);
        tally.add(status === 200 ? ((json as Decision).allow ? '200 allow' : '200 deny') : status);
        assert.ok(status < 500, `5xx ${status}: ${JSON.stringify(json).slice(0, 300)}`);
        if (status === 200) {
          const decision = json as Decision;
          if (mustDeny) assert.is(decision.allow, false, 'a meaning-preserving variant of a denied request was allowed');
          answered.push(decision.decision_id);
        }
        if (answered.length >= 50) await assertLogged(ctx.store, answered);
      },
    ),
    { seed: fuzzSeed('check'), numRuns: FUZZ_RUNS },
  );
  await assertLogged(ctx.store, answered);
  report('check requests', tally);
});

fuzz('waiver bodies and waiver requests: never a 5xx; a created waiver never names its approver as requester', async (ctx) => {
  const base = { rule: 'DFW-VULN-001', application: 'payments', environment: 'staging', reason: 'fix next week', requested_by: 'alice', expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString() };
  const names = fc.oneof(fc.constantFrom('fuzz-admin', 'FUZZ-ADMIN', ' fuzz-admin', 'fuzz-admin\u200b', 'fuzz-\u0430dmin', 'ｆｕｚｚ-ａｄｍｉｎ', 'alice'), fc.string({ unit: 'binary' }));
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.record({ requested_by: names }).map((r) => JSON.stringify({ ...base, ...r })),
        jsonMutation(base),
        byteMutation(JSON.stringify(base)),
      ),
      fc.boolean(),
      async (body, twoStep) => {
        const { status, json } = await post(ctx.app, twoStep ? '/v1/waiver-requests' : '/v1/waivers', body);
        tally.add(status);
        assert.ok(status < 500, `5xx ${status}: ${JSON.stringify(json).slice(0, 300)}`);
        if (status === 201 && !twoStep) {
          const normal = (s: string) => s.normalize('NFKC').trim().toUpperCase().toLowerCase();
          assert.is.not(normal((json as { requested_by: string }).requested_by), 'fuzz-admin', 'self-approved waiver');
        }
      },
    ),
    { seed: fuzzSeed('waivers'), numRuns: FUZZ_RUNS },
  );
  report('waiver bodies and requests', tally);
});

fuzz('AdmissionReviews: never a 5xx; every decision the answer names is in the log', async (ctx) => {
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const logger = createMemoryLogger();
  const app = new Hono();
  app.onError(handleError(logger));
  app.route('/', admissionRoutes({ checks: createCheckService(policy, { store: ctx.store }), logger, environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production', connaisseur: 'staging' } }) }));
  const bases = ['kube-review-deployment-v1-request.json', 'connaisseur-02-pod-v1-request.json', 'connaisseur-09-deployment-multi-image-v1beta1-request.json'].map((f) => variant(readReview(f), (r) => (r.request.namespace ??= 'payments')));
  const answered: string[] = [];
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...bases).chain((base) => fc.oneof(jsonMutation(base), byteMutation(JSON.stringify(base)))),
      async (body) => {
        const { status, json } = await post(app, '/k8s/admission', body);
        tally.add(status === 200 ? ((json as AdmissionReviewResponse).response.allowed ? '200 allowed' : '200 denied') : status);
        assert.ok(status < 500, `5xx ${status}: ${JSON.stringify(json).slice(0, 300)}`);
        if (status === 200) {
          const ids = (json as AdmissionReviewResponse).response.auditAnnotations?.['decision-ids'];
          if (ids) answered.push(...ids.split(','));
        }
        if (answered.length >= 50) await assertLogged(ctx.store, answered);
      },
    ),
    { seed: fuzzSeed('admission'), numRuns: FUZZ_RUNS },
  );
  await assertLogged(ctx.store, answered);
  report('AdmissionReviews', tally);
});

fuzz('GitHub webhook deliveries, signed with the secret: never a 5xx', async (ctx) => {
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const logger = createMemoryLogger();
  // GitHub itself answers 404 at once: each accepted delivery settles without retries.
  const routes = githubProtectionRoutes({
    checks: createCheckService(policy, { store: ctx.store }),
    logger,
    webhookSecret: SECRET,
    app: { appId: '1', privateKeyPem: 'not a key', apiBaseUrl: 'http://127.0.0.1:9' },
    fetch: async () => Response.json({ message: 'Not Found' }, { status: 404 }),
    retry: { attempts: 1, timeoutMs: 1_000 },
    maxInFlight: 1_000_000,
  });
  const app = new Hono();
  app.onError(handleError(logger));
  app.route('/', routes);
  const base = protectionRulePayload('http://127.0.0.1:9');
  const tally = new Tally();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(jsonMutation(base), byteMutation(JSON.stringify(base))), async (body) => {
      const res = await deliver(app, typeof body === 'string' ? body : new TextDecoder().decode(body), { secret: SECRET, delivery: `fuzz-${++n}` });
      tally.add(res.status);
      assert.ok(res.status < 500, `5xx ${res.status}: ${(await res.text()).slice(0, 300)}`);
      await res.arrayBuffer().catch(() => undefined);
      if (n % 100 === 0) await routes.idle();
    }),
    { seed: fuzzSeed('github'), numRuns: FUZZ_RUNS },
  );
  await routes.idle();
  assert.equal(logger.lines.filter((l) => l.msg === 'github delivery handling crashed'), []);
  report('GitHub deliveries', tally);
});

fuzz.run();
