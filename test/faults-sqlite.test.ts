// A full disk under the SQLite decision log: a 2 MiB tmpfs mounted for this test (as root;
// elsewhere the test says it cannot run). Checks keep coming while the disk fills: once a
// decision cannot be written, checks fail closed with 503 and Retry-After — never a 500,
// never a 200 whose decision is not in the log — and when space is freed they are answered
// again without a restart.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';

const faults = suite('faults-sqlite');

function mountTmpfs(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'dfw-faults', dir], { encoding: 'utf8' });
  return r.status === 0 ? undefined : (r.stderr || r.error?.message || 'mount failed').trim();
}

faults('a full disk under SQLite: checks fail closed with 503 while it is full, every 200 is in the log, and they recover when space is freed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-faults-sqlite-'));
  const mount = join(dir, 'disk');
  const refused = mountTmpfs(mount);
  if (refused) {
    console.log(`faults-sqlite: cannot mount a tmpfs here (${refused}); run as root to test a full disk`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const evaluator = await loadTestEvaluator({ revision: 'faults-sqlite' });
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  const store = await openStore(`sqlite:${join(mount, 'dfw.db')}`);
  const app = createApp({ policy, logger: createMemoryLogger(), store, checks: createCheckService(policy, { store }) });
  const body = JSON.stringify({ ...readExamples().get('compliant.allow.json')!, padding: 'p'.repeat(8_000) });
  const answered: string[] = [];
  const statuses = new Map<number, number>();
  const check = async () => {
    const res = await app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { decision_id?: string; error?: { code: string } };
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 200) answered.push(json.decision_id!);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: json.error?.code };
  };
  try {
    // Leave a little room, then fill it with decisions.
    writeFileSync(join(mount, 'filler'), new Uint8Array(1024 * 1024));
    let full: Awaited<ReturnType<typeof check>> | undefined;
    for (let i = 0; i < 2_000 && !full; i++) {
      const answer = await check();
      if (answer.status !== 200) full = answer;
    }
    assert.ok(full, 'the disk filled up');
    assert.is(full!.status, 503, JSON.stringify(full));
    assert.is(full!.retryAfter, '5');
    assert.is(full!.code, 'decision_log_failed');
    for (let i = 0; i < 5; i++) assert.is((await check()).status, 503, 'still full: still failing closed');

    rmSync(join(mount, 'filler'));
    let recovered = false;
    for (let i = 0; i < 20 && !recovered; i++) recovered = (await check()).status === 200;
    assert.ok(recovered, 'answered again once space was freed');
    assert.equal([...statuses.keys()].filter((s) => s !== 200 && s !== 503), [], `only 200 and 503: ${JSON.stringify([...statuses])}`);
    for (const id of answered) assert.ok(await store.getDecision(id), `answered ${id} is in the log`);
    console.log(`faults-sqlite: ${statuses.get(200)} answered (all in the log), ${statuses.get(503)} refused 503 while the disk was full`);
  } finally {
    await store.close().catch(() => undefined);
    spawnSync('umount', [mount]);
    rmSync(dir, { recursive: true, force: true });
  }
});

faults.run();
