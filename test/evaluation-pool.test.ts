// The evaluation pool (src/host/evaluation-pool.ts), with real bundles and real threads: a
// large input is evaluated on a pool thread and decided as on the calling thread; each check
// keeps the revision it started with while revisions change; a failure there fails closed.
// (test/differential.test.ts runs every example and generated input through the pool too.)
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBenchInputs, type BenchInput } from '../bench/inputs.js';
import { createEvaluator, EvaluationError, loadBundle, SEVERITIES, type Decision, type Evaluator } from '../src/engine/index.js';
import { DEFAULT_MIN_LENGTH, EvaluationPool } from '../src/host/evaluation-pool.js';
import { buildBundle, buildBundleWithRuleOff } from './helpers/bundle.js';

const NOW = new Date('2026-11-28T14:00:00Z');
const RULE_OFF = 'DFW-VULN-001';

interface Context {
  typical: BenchInput;
  large: BenchInput;
  /** rego/ as it is, and rego/ with RULE_OFF off in production. */
  full: Evaluator;
  ruleOff: Evaluator;
}

const test = suite<Context>('evaluation pool');

test.before(async (context) => {
  const inputs = await loadBenchInputs();
  context.typical = inputs.typical;
  context.large = inputs.large;
  const load = async (path: string, options = {}) => createEvaluator(await loadBundle(readFileSync(path)), options);
  context.full = await load(buildBundle({ revision: 'pool-full' }));
  context.ruleOff = await load(buildBundleWithRuleOff(RULE_OFF, { revision: 'pool-rule-off' }));
});

/** The policy's part of a decision, with the revision that made it. */
const verdict = (d: Decision) => ({ revision: d.bundle.revision, allow: d.allow, deny: d.deny, warn: d.warn, waived: d.waived });
const denies = (d: Decision, rule: string) => SEVERITIES.some((s) => d.deny[s].some((v) => v.rule === rule));

/** A pool whose thread events are kept, to show which thread answered. */
function poolOf(current: () => Evaluator, options: { threads: number; minLength?: number; busy?: () => boolean }) {
  const events: string[] = [];
  const pool = new EvaluationPool({ ...options, current, onThread: (event, detail) => events.push(`${event} ${detail.thread}${detail.reason ? `: ${detail.reason}` : ''}`) });
  return { pool, events };
}

test('a large input is decided on a pool thread as on this thread; a small one stays here and starts no thread', async (context) => {
  assert.ok(JSON.stringify(context.typical.input).length < DEFAULT_MIN_LENGTH && JSON.stringify(context.large.input).length > DEFAULT_MIN_LENGTH);
  const { pool, events } = poolOf(() => context.full, { threads: 1 });
  try {
    const small = await pool.evaluate(context.full, context.typical.input, { now: NOW });
    assert.is(pool.running, 0, 'the typical input started a thread');
    assert.equal(verdict(small), verdict(context.full.evaluate(context.typical.input, { now: NOW })));

    const large = await pool.evaluate(context.full, context.large.input, { now: NOW, decisionId: 'pool-large' });
    assert.is(pool.running, 1, 'the large input did not go to a thread');
    assert.equal(verdict(large), verdict(context.full.evaluate(context.large.input, { now: NOW })));
    assert.is(large.decision_id, 'pool-large');
    assert.is(large.evaluated_at, NOW.toISOString());
    assert.not.ok(large.allow, 'the large input denies');
    assert.equal(events, ['started 0']);
    await pool.evaluate(context.full, context.large.input, { now: NOW });
    assert.equal(pool.stats(), { running: 1, evaluated: { here: 1, thread: 2 }, lost: 0, loads: 1 }, 'the active policy stays on the thread between checks');
  } finally {
    await pool.close();
  }
});

test('a small input goes to a pool thread only while the calling thread is busy, and is decided the same there', async (context) => {
  let busy = false;
  const { pool, events } = poolOf(() => context.full, { threads: 1, busy: () => busy });
  try {
    const expected = verdict(context.full.evaluate(context.typical.input, { now: NOW }));
    assert.equal(verdict(await pool.evaluate(context.full, context.typical.input, { now: NOW })), expected);
    assert.is(pool.running, 0, 'a lone small check started a thread');
    busy = true;
    const shared = await Promise.all([1, 2, 3].map((n) => pool.evaluate(context.full, context.typical.input, { now: NOW, decisionId: `shared-${n}` })));
    for (const [i, decision] of shared.entries()) {
      assert.equal(verdict(decision), expected);
      assert.is(decision.decision_id, `shared-${i + 1}`);
    }
    assert.equal(events, ['started 0']);
    busy = false;
    await pool.evaluate(context.full, context.typical.input, { now: NOW });
    assert.equal(pool.stats().evaluated, { here: 2, thread: 3 });
  } finally {
    await pool.close();
  }
});

test('a small check never waits behind a large one on the thread, and a small check on a lost thread fails closed while the next gets a fresh thread', async (context) => {
  const { pool, events } = poolOf(() => context.full, { threads: 1, busy: () => true });
  try {
    const expected = verdict(context.full.evaluate(context.typical.input, { now: NOW }));
    const large = pool.evaluate(context.full, context.large.input, { now: NOW });
    const small = await pool.evaluate(context.full, context.typical.input, { now: NOW });
    assert.equal(verdict(small), expected);
    assert.equal(pool.stats().evaluated, { here: 1, thread: 0 }, 'the small check was evaluated here while the large one held the thread');
    await large;

    // The thread dies with the small check on it. It is stopped first and the check sent
    // while it stops, before the pool hears of it: a check sent first could be answered
    // before the thread stops, and prove nothing.
    const threads = (pool as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } } | undefined> }).threads;
    const stopped = threads[0]!.worker.terminate();
    const inFlight = pool.evaluate(context.full, context.typical.input, { now: NOW });
    assert.is(pool.stats().evaluated.here, 1, 'the check was not sent to the thread');
    await stopped;
    try {
      await inFlight;
      assert.unreachable('a check on a lost thread was decided');
    } catch (err) {
      assert.instance(err, EvaluationError);
      assert.is((err as EvaluationError).code, 'evaluation_failed');
    }
    assert.equal(verdict(await pool.evaluate(context.full, context.typical.input, { now: NOW })), expected);
    assert.equal(events, ['started 0', 'lost 0: exited (code 1)', 'started 0']);
  } finally {
    await pool.close();
  }
});

test('checks in flight on two revisions at once each get their own revision\'s decision, and an old revision still decides after a newer one', async (context) => {
  const { pool } = poolOf(() => context.full, { threads: 2 });
  try {
    const order = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? context.ruleOff : context.full));
    const decisions = await Promise.all(order.map((evaluator) => pool.evaluate(evaluator, context.large.input, { now: NOW })));
    decisions.forEach((d, i) => {
      const off = order[i] === context.ruleOff;
      assert.is(d.bundle.revision, off ? 'pool-rule-off' : 'pool-full', `check ${i}`);
      assert.is(denies(d, RULE_OFF), !off, `check ${i}: ${RULE_OFF} on revision ${d.bundle.revision}`);
    });
    // The threads keep only the current evaluator's policy once the jobs are done; a check
    // that started on another is sent it again.
    const late = await pool.evaluate(context.ruleOff, context.large.input, { now: NOW });
    assert.equal(verdict(late), verdict(context.ruleOff.evaluate(context.large.input, { now: NOW })));
    assert.is(pool.running, 2);
  } finally {
    await pool.close();
  }
});

test('a policy that runs out of memory on a pool thread fails closed with the error this thread gives, and the thread goes on', async (context) => {
  const small = await createEvaluator(context.full.bundle, { maxMemoryBytes: 4 * 1024 * 1024 });
  const here = (() => {
    try {
      small.evaluate(context.large.input, { now: NOW });
    } catch (err) {
      return err as EvaluationError;
    }
    return undefined;
  })();
  assert.instance(here, EvaluationError, 'the 4 MiB policy should fail on the large input here too');
  const { pool, events } = poolOf(() => small, { threads: 1, minLength: 0 });
  try {
    const there = await Promise.resolve(pool.evaluate(small, context.large.input, { now: NOW })).then(
      (d) => assert.unreachable(`decided allow=${d.allow} beyond the memory limit`),
      (err: unknown) => err,
    );
    assert.instance(there, EvaluationError);
    assert.is((there as EvaluationError).code, here!.code);
    assert.match((there as Error).message, /opa_malloc|memory/i);
    // The same policy on the same thread decides the next input that fits.
    const after = await pool.evaluate(small, context.typical.input, { now: NOW });
    assert.equal(verdict(after), verdict(small.evaluate(context.typical.input, { now: NOW })));
    assert.equal(events, ['started 0'], 'the same thread answered');
  } finally {
    await pool.close();
  }
});

test('a thread that cannot load the policy it is sent is retired: the check, and later ones on that policy, are decided here; other policies get a fresh thread', async (context) => {
  // The server thread's evaluator is whole; the copy sent to the thread is not Wasm.
  const broken: Evaluator = { ...context.full, bundle: { ...context.full.bundle, wasm: new TextEncoder().encode('not wasm') } };
  const { pool, events } = poolOf(() => context.full, { threads: 1 });
  try {
    const expected = verdict(context.full.evaluate(context.large.input, { now: NOW }));
    assert.equal(verdict(await pool.evaluate(broken, context.large.input, { now: NOW })), expected, 'decided here instead');
    assert.equal(events.length, 2, events.join('; '));
    assert.match(events[1]!, /^lost 0: could not load a policy: policy\.wasm cannot be loaded/);
    assert.equal(verdict(await pool.evaluate(broken, context.large.input, { now: NOW })), expected);
    assert.is(events.length, 2, 'no thread is started for a policy no thread could load');
    assert.equal(pool.stats().evaluated, { here: 2, thread: 0 });

    const next = await pool.evaluate(context.full, context.large.input, { now: NOW });
    assert.equal(verdict(next), expected);
    assert.equal(events.filter((e) => e.startsWith('started')), ['started 0', 'started 0'], 'a new thread in its place');
    assert.equal(pool.stats(), { running: 1, evaluated: { here: 2, thread: 1 }, lost: 1, loads: 2 });
  } finally {
    await pool.close();
  }
});

test('checks still on a thread when the pool closes fail with evaluation_failed, never with a decision', async (context) => {
  const { pool } = poolOf(() => context.full, { threads: 1 });
  // Closed at once: the thread is still starting, so all four are in flight.
  const inFlight = Array.from({ length: 4 }, () => pool.evaluate(context.full, context.large.input, { now: NOW }));
  await pool.close();
  const outcomes = await Promise.allSettled(inFlight);
  assert.equal(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected', 'rejected']);
  for (const outcome of outcomes) {
    const err = (outcome as PromiseRejectedResult).reason as EvaluationError;
    assert.instance(err, EvaluationError);
    assert.is(err.code, 'evaluation_failed');
  }
  // A closed pool evaluates on the calling thread.
  assert.equal(verdict(await pool.evaluate(context.full, context.typical.input, { now: NOW })), verdict(context.full.evaluate(context.typical.input, { now: NOW })));
});

test.run();
