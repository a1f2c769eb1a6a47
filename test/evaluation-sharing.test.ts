// Small checks share the evaluation thread only while the server has other checks in hand
// (src/host/checks-in-flight.ts, the pool's `busy`): a lone check is evaluated on the server
// thread and starts no thread; concurrent ones go to the evaluation thread, are decided as the
// lone one was, and are each recorded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckContext, CheckOutcome, CheckService } from '../src/decide/index.js';
import type { Decision } from '../src/engine/index.js';
import { checksInFlight } from '../src/host/checks-in-flight.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const test = suite('evaluation sharing');

test('checks in flight are counted from their start until they settle, failures included', async () => {
  const inFlight = checksInFlight();
  const seen: number[] = [];
  const gates: Array<() => void> = [];
  const service: CheckService = {
    check: (request) =>
      new Promise<CheckOutcome>((resolve, reject) => {
        seen.push(inFlight.count);
        gates.push(() => ((request as { fail?: boolean }).fail ? reject(new Error('refused')) : resolve({} as CheckOutcome)));
      }),
  };
  const tracked = inFlight.track(service);
  const context = { via: 'api' } as CheckContext;
  const first = tracked.check({} as never, context);
  const second = tracked.check({ fail: true } as never, context);
  assert.equal(seen, [1, 2]);
  gates[1]!();
  await second.then(() => assert.unreachable('the failing check resolved'), (err: Error) => assert.is(err.message, 'refused'));
  assert.is(inFlight.count, 1, 'a failed check is no longer counted');
  gates[0]!();
  await first;
  assert.is(inFlight.count, 0);
});

/** What the policy decided, without what differs from one check to the next. */
const verdict = (d: Decision) => ({ revision: d.bundle.revision, allow: d.allow, deny: d.deny, warn: d.warn, waived: d.waived });

test('dfw serve evaluates a lone check on the server thread and concurrent ones on the evaluation thread, deciding and recording each the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-evaluation-sharing-'));
  let serve: ServerProcess | undefined;
  try {
    serve = await startDfw(['--host', '127.0.0.1'], { DFW_EVALUATION_THREADS: '1', DFW_STORE_URL: `sqlite:${join(dir, 'dfw.db')}` });
    const url = serve.url;
    const body = readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8');
    const check = async () => {
      const res = await fetch(`${url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.is(res.status, 200);
      return (await res.json()) as Decision;
    };
    const metrics = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
      return {
        threads: read(/^dfw_evaluation_threads (\d+)$/m),
        here: read(/^dfw_evaluations_total\{thread="server_thread"\} (\d+)$/m),
        there: read(/^dfw_evaluations_total\{thread="evaluation_thread"\} (\d+)$/m),
      };
    };

    const lone = [await check(), await check(), await check()];
    assert.equal(await metrics(), { threads: 0, here: 3, there: 0 }, 'checks one at a time stay on the server thread');

    const concurrent = await Promise.all(Array.from({ length: 64 }, () => check()));
    const after = await metrics();
    assert.is(after.threads, 1, 'the evaluation thread started');
    assert.ok(after.there > 0, `concurrent checks went to the evaluation thread: ${JSON.stringify(after)}`);
    assert.is(after.here + after.there, 3 + 64);
    for (const decision of [...lone, ...concurrent]) assert.equal(verdict(decision), verdict(lone[0]!));

    const ids = new Set([...lone, ...concurrent].map((d) => d.decision_id));
    assert.is(ids.size, 67, 'every check has its own decision id');
    for (const id of [concurrent[0]!.decision_id, concurrent[63]!.decision_id]) {
      const res = await fetch(`${url}/v1/decisions/${id}`);
      assert.is(res.status, 200, `decision ${id} was recorded`);
    }
  } finally {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
