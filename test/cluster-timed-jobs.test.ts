// `dfw serve --workers 2`: one worker runs the timed jobs (event scan, scheduled audit,
// pruning), so a deployment is audited once when the cluster starts, not once per worker,
// and the worker that replaces it when it dies takes the jobs over (src/host/cluster.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../src/store/index.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const timed = suite('dfw serve --workers 2: the timed jobs run in one worker');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function writeConfig(dir: string, name: string, storeUrl: string, audit: boolean): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'server: { host: 127.0.0.1, shutdown_timeout_seconds: 5 }',
      `bundle: { path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))} }`,
      `store: { url: ${JSON.stringify(storeUrl)} }`,
      `audit: { enabled: ${audit} }`,
      '',
    ].join('\n'),
  );
  return file;
}

/** The workers' "worker listening" lines: pid and whether it runs the timed jobs. */
function workers(server: ServerProcess): Array<{ pid: number; timed: boolean }> {
  return server.logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; pid?: number; timed_jobs?: boolean };
      return entry.msg === 'worker listening' && entry.pid ? [{ pid: entry.pid, timed: entry.timed_jobs === true }] : [];
    } catch {
      return [];
    }
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

timed('a deployment is audited once at start, not once per worker; a replacement worker takes the jobs over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-cluster-timed-'));
  const storeUrl = `sqlite:${join(dir, 'dfw.db')}`;
  let cluster: ServerProcess | undefined;
  try {
    // A deployment to audit: one allowed check through a single process with audits off.
    const single = await startDfw(['--config', writeConfig(dir, 'seed', storeUrl, false)]);
    const answer = await fetch(`${single.url}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8'),
    });
    assert.is(((await answer.json()) as { allow: boolean }).allow, true);
    assert.is(await single.stop(), 0);

    cluster = await startDfw(['--config', writeConfig(dir, 'cluster', storeUrl, true), '--workers', '2']);
    const started = workers(cluster);
    assert.is(started.length, 2, cluster.logs.join('\n'));
    assert.is(started.filter((w) => w.timed).length, 1, 'exactly one worker runs the timed jobs');

    const store = await openStore(storeUrl);
    try {
      const scheduled = () => store.audits.list({ trigger: 'schedule' });
      await until('the scheduled audit at start', async () => ((await scheduled()).length > 0 ? true : undefined));
      // Long enough for a second worker's audit of the same deployment to land, were there one.
      await sleep(2000);
      const records = await scheduled();
      assert.is(records.length, 1, JSON.stringify(records));
      assert.is(records[0]!.application, 'payments');
    } finally {
      await store.close();
    }

    const first = started.find((w) => w.timed)!;
    process.kill(first.pid, 'SIGKILL');
    const replacement = await until('a replacement worker', () => workers(cluster!).find((w) => !started.some((s) => s.pid === w.pid)));
    assert.ok(replacement.timed, 'the replacement of the timed-jobs worker runs them');
    assert.is(workers(cluster).filter((w) => w.timed && w.pid !== first.pid).length, 1);
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

timed.run();
