// A policy's Wasm memory grows to what the largest input it evaluated needed and never shrinks;
// a quiet thread replaces the instance with a fresh one (src/engine/evaluator.ts
// renewPolicyMemory, src/host/server.ts, src/host/evaluation-worker.ts). The fresh instance
// decides as the old one did.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEvaluator, createPolicyRunner, loadBundle, POLICY_MEMORY_RENEWAL_BYTES, renewPolicyMemory, type Decision } from '../src/engine/index.js';
import { loadBenchInputs } from '../bench/inputs.js';
import { generateLargeRequest } from '../bench/inputs.js';
import type { CheckRequest } from '../src/collect/check-request.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const test = suite('policy memory renewal');
const MIB = 1024 * 1024;
const NOW = new Date('2026-11-28T14:00:00Z');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const bundle = await loadBundle(new Uint8Array(readFileSync(join(ROOT, 'bundles/firewall.tar.gz'))));
const inputs = await loadBenchInputs();

/** The decision without what differs from one evaluation to the next. */
const comparable = ({ decision_id: _id, timing_ms: _t, ...rest }: Decision) => rest;

test('an evaluator renews its policy only once the memory grew, and the fresh instance decides the same', async () => {
  const evaluator = await createEvaluator(bundle);
  const typical = comparable(evaluator.evaluate(inputs.typical.input, { now: NOW }));
  assert.ok(evaluator.policyMemoryBytes() <= POLICY_MEMORY_RENEWAL_BYTES, 'a typical check leaves the memory small');
  assert.is(await evaluator.renewPolicyMemory(), false, 'nothing to renew');

  const large = comparable(evaluator.evaluate(inputs.large.input, { now: NOW }));
  const grown = evaluator.policyMemoryBytes();
  assert.ok(grown > POLICY_MEMORY_RENEWAL_BYTES, `the large input grew the memory to ${Math.round(grown / MIB)} MiB`);
  assert.is(await evaluator.renewPolicyMemory(), true);
  assert.ok(evaluator.policyMemoryBytes() < 2 * MIB, `renewed: ${evaluator.policyMemoryBytes()} bytes`);

  assert.equal(comparable(evaluator.evaluate(inputs.typical.input, { now: NOW })), typical);
  assert.equal(comparable(evaluator.evaluate(inputs.large.input, { now: NOW })), large);
});

test('a policy runner (an evaluation thread\'s copy) is renewed the same way', async () => {
  const evaluator = await createEvaluator(bundle);
  const runner = await createPolicyRunner(bundle);
  const prepared = evaluator.prepare(inputs.large.input, { now: NOW });
  const answer = runner(prepared.pieces);
  assert.is(await renewPolicyMemory(runner, bundle, {}, 64 * MIB), undefined, 'below the given bound: kept');
  const fresh = await renewPolicyMemory(runner, bundle, {});
  assert.ok(fresh, 'above the default bound: a fresh instance');
  assert.ok(fresh.memoryBytes() < runner.memoryBytes());
  assert.is(await renewPolicyMemory(fresh, bundle, {}, 0), undefined, 'a fresh instance has grown nothing: the data it loaded does not count');
  assert.is(fresh(prepared.pieces), answer, 'the same answer, byte for byte');
});

test('dfw serve renews its server thread\'s policy once it is quiet after a large check, and /metrics shows it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-policy-memory-'));
  let serve: ServerProcess | undefined;
  try {
    // No evaluation thread: the large check is evaluated on the server thread.
    serve = await startDfw(['--host', '127.0.0.1'], { DFW_LOG_LEVEL: 'debug', DFW_EVALUATION_THREADS: '0', DFW_STORE_URL: `sqlite:${join(dir, 'dfw.db')}` });
    const url = serve.url;
    const example = JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8')) as CheckRequest;
    const body = JSON.stringify(generateLargeRequest(example));
    const check = async () => {
      const res = await fetch(`${url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.is(res.status, 200);
      return comparable((await res.json()) as Decision);
    };
    const policyMemory = async () => Number(/^dfw_policy_memory_bytes (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    const first = await check();
    // Read right after the check: the server is not yet quiet for a whole second.
    const grown = await policyMemory();
    assert.ok(grown > POLICY_MEMORY_RENEWAL_BYTES, `grown to ${Math.round(grown / MIB)} MiB`);
    let renewed = grown;
    for (let waited = 0; renewed > POLICY_MEMORY_RENEWAL_BYTES && waited < 10_000; waited += 250) {
      await sleep(250);
      renewed = await policyMemory();
    }
    assert.ok(renewed < 2 * MIB, `renewed within 10 s: ${renewed} bytes`);
    assert.ok(serve.logs.some((line) => line.includes('"policy memory renewed"')), 'the renewal is logged at debug level');
    const again = await check();
    assert.equal({ ...again, evaluated_at: undefined }, { ...first, evaluated_at: undefined }, 'the renewed policy decides the same');
  } finally {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
