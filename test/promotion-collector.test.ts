// DFW-PROMOTION-001 end to end: a digest checked in staging is recorded in dfw's own
// decision log, the promotion collector finds that decision when the same digest goes to
// production, and the rule lets it through only 24 hours later. On SQLite and PostgreSQL.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { createPromotionCollector } from '../src/collect/collectors/promotion.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Decision, type Evaluator } from '../src/engine/index.js';
import type { Store } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { openAt, postgresBackend, sqliteBackend, type StoreBackend } from './helpers/store-backends.js';

const T0 = Date.UTC(2026, 10, 28, 14);
const HOUR = 3_600_000;
/** The first allowed staging decision: half an hour before the one the check service records. */
const FIRST = T0 - HOUR / 2;
const DIGEST = 'sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b';
const OTHER_DIGEST = 'sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b';

interface Ctx {
  evaluator: Evaluator;
}

const Promotion = suite<Ctx>('promotion collector');

Promotion.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'promotion-test' });
});

/** The compliant example without inline promotion evidence, so the collector must supply it. */
function request(environment: string, digest?: string) {
  const body = structuredClone(readExamples().get('compliant.allow.json')!) as Record<string, any>;
  delete body.evidence.promotion;
  body.environment = environment;
  if (digest) {
    body.artifact.digest = digest;
    body.evidence.registry.digest = digest;
    body.evidence.registry.tags['1.5.0'] = digest;
  }
  return body as any;
}

const backends: Array<() => StoreBackend> = [sqliteBackend, postgresBackend];

for (const makeBackend of backends) {
  Promotion(`${makeBackend === sqliteBackend ? 'SQLite' : 'PostgreSQL'}: production gets a digest only 24 h after dfw allowed it in staging`, async ({ evaluator }) => {
    const backend = makeBackend();
    let store: Store | undefined;
    try {
      store = await openAt(backend.fresh());
      let now = T0;
      const clock = () => new Date(now);
      const policy = new ActivePolicy();
      policy.activate(evaluator);
      const checks = createCheckService(policy, { store, clock, collectors: new CollectorRunner([createPromotionCollector(store, { clock })]) });
      const check = async (environment: string, digest?: string) => (await checks.check(request(environment, digest), { via: 'api', caller: 'test' })).decision;

      const promotionOf = (d: Decision) => [...Object.values(d.deny), ...Object.values(d.warn)].flat().filter((v) => v.rule === 'DFW-PROMOTION-001').map((v) => v.message);

      // Nothing in the log yet: production has no staging decision to point to.
      assert.equal(promotionOf(await check('production')), [`${DIGEST} was never allowed in staging; deploy it there before production`]);

      // Staging decisions as the check service records them, whatever else the pack says
      // about this request: one allowed, one later allowed again, one dry run, one denied.
      const staging = await check('staging');
      const recorded = await store.getDecision(staging.decision_id);
      assert.ok(recorded, 'the staging decision is in the log');
      await store.recordDecision({ ...recorded!, decision_id: 'staging-allowed-first', time: new Date(FIRST), allow: true });
      await store.recordDecision({ ...recorded!, decision_id: 'staging-allowed-again', time: new Date(T0 + HOUR), allow: true });
      await store.recordDecision({ ...recorded!, decision_id: 'staging-dry-run', time: new Date(T0 - 48 * HOUR), allow: true, dry_run: true });
      await store.recordDecision({ ...recorded!, decision_id: 'staging-denied', time: new Date(T0 - 72 * HOUR), allow: false });

      now = T0 + 2 * HOUR;
      assert.equal(promotionOf(await check('production')), [
        `${DIGEST} was first allowed in staging at ${new Date(FIRST).toISOString()}, less than 24 hours before this request`,
      ]);

      now = T0 + 25 * HOUR;
      const promoted = await check('production');
      assert.equal(promotionOf(promoted), []);
      const logged = await store.getDecision(promoted.decision_id);
      assert.equal((logged!.input as { evidence: { promotion: unknown } }).evidence.promotion, {
        allowed: { staging: { first_at: new Date(FIRST).toISOString(), decision_id: 'staging-allowed-first' } },
      });

      // Another digest of the same application was never in staging.
      assert.equal(promotionOf(await check('production', OTHER_DIGEST)), [`${OTHER_DIGEST} was never allowed in staging; deploy it there before production`]);
    } finally {
      await store?.close();
      await backend.cleanup();
    }
  });
}

Promotion('without an application or digest the collector says why promotion is unknown', async () => {
  const collector = createPromotionCollector({ firstAllowed: async () => [] });
  const signal = new AbortController().signal;
  const noDigest = await collector.collect({ request: {} as any, input: { request: { application: 'payments' }, artifact: {} } as any, signal });
  assert.equal(noDigest, { evidence: {}, unavailable: { promotion: 'the request names no image digest, so no earlier decision can be matched to it' } });
  const noApplication = await collector.collect({ request: {} as any, input: { request: {}, artifact: { digest: OTHER_DIGEST } } as any, signal });
  assert.equal(noApplication.unavailable, { promotion: 'the request names no application' });
});

Promotion.run();
