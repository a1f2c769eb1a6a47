// `dfw serve --workers 2`: one worker runs the timed jobs (event scan, scheduled audit,
// pruning, retention), so a deployment is audited once when the cluster starts, not once per
// worker; a waiver created through either worker is announced at once; and the worker that
// replaces the timed one when it dies takes the jobs over (src/host/cluster.ts).
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../src/store/index.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { startReceiver, TOKENS, waitFor, writeConfig, type Receiver } from './helpers/notify-server.js';
import { ROOT } from './helpers/opa.js';

const timed = suite('dfw serve --workers 2: the timed jobs run in one worker');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each worker's pid, from its "worker listening" line, and what its audit line says. */
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

/** The `audit` field of every "notifications and audit" line: which worker audits on schedule. */
const auditLines = (server: ServerProcess) =>
  server.logs.flatMap((line) => {
    const entry = JSON.parse(line) as { msg?: string; audit?: string };
    return entry.msg === 'notifications and audit' ? [entry.audit ?? ''] : [];
  });

/** POST on a connection of its own (no keep-alive): the cluster hands each new connection to the next worker. */
function post(base: string, path: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

timed('one scheduled audit per deployment at start, waivers announced at once through either worker, and a replacement takes the jobs over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-cluster-timed-'));
  const storeFile = join(dir, 'dfw.db');
  const bundle = join(ROOT, 'bundles/firewall.tar.gz');
  let receiver: Receiver | undefined;
  let cluster: ServerProcess | undefined;
  try {
    // A deployment to audit: one allowed check through a single process with audits off.
    const single = await startDfw(['--config', writeConfig(dir, { bundle, storeFile, audit: '{ enabled: false }' })]);
    const status = await post(single.url, '/v1/check', TOKENS.check, JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8')));
    assert.is(status, 200);
    assert.is(await single.stop(), 0);

    receiver = await startReceiver(() => 200);
    const secretFile = join(dir, 'siem.secret');
    writeFileSync(secretFile, 'siem-shared-secret\n');
    const notifications = ['  receivers:', `    - { name: siem, type: cloudevents, url: ${JSON.stringify(receiver.url)}, secret_file: ${JSON.stringify(secretFile)} }`, '  poll_interval_ms: 50'];
    cluster = await startDfw(['--config', writeConfig(dir, { bundle, storeFile, notifications, audit: '{ enabled: true }' }), '--workers', '2']);
    const started = workers(cluster);
    assert.is(started.length, 2, cluster.logs.join('\n'));
    assert.is(started.filter((w) => w.timed).length, 1, 'exactly one worker runs the timed jobs');
    assert.equal(auditLines(cluster).sort(), ['every 3600s and on new evidence', 'on new evidence (another worker runs the timed audits)']);

    const store = await openStore(`sqlite:${storeFile}`);
    try {
      const scheduled = () => store.audits.list({ trigger: 'schedule' });
      await waitFor('the scheduled audit at start', async () => (await scheduled()).length > 0, 20_000);
      // Long enough for a second worker's audit of the same deployment to land, were there one.
      await sleep(2000);
      const records = await scheduled();
      assert.is(records.length, 1, JSON.stringify(records));
      assert.is(records[0]!.application, 'payments');
    } finally {
      await store.close();
    }

    // Two waivers, one after the other, each on a new connection: the cluster hands them to
    // its two workers in turn. Each must be announced before the next is made: the timed
    // worker's next scan is 15 s after its first, so the waiver the other worker made must go
    // out on its own (a scan after a later waiver would hide it).
    // Structured CloudEvents: the type is in the body.
    const granted = () => receiver!.received.filter((r) => (JSON.parse(r.body) as { type?: string }).type === 'dev.dfw.waiver.granted');
    for (let i = 0; i < 2; i++) {
      const waiver = { rule: 'DFW-VULN-001', application: `app-${i}`, environment: 'production', reason: 'accepted risk', requested_by: 'carol', expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString() };
      assert.is(await post(cluster.url, '/v1/waivers', TOKENS.admin, waiver), 201);
      await waitFor(`the waiver.granted notification of waiver ${i + 1}`, () => granted().length === i + 1, 5000);
    }

    const first = started.find((w) => w.timed)!;
    process.kill(first.pid, 'SIGKILL');
    let replacement: { pid: number; timed: boolean } | undefined;
    await waitFor('a replacement worker', () => (replacement = workers(cluster!).find((w) => !started.some((s) => s.pid === w.pid))) !== undefined, 20_000);
    assert.ok(replacement!.timed, 'the replacement of the timed-jobs worker runs them');
    assert.is(auditLines(cluster).filter((line) => line.startsWith('every ')).length, 2, 'the first timed worker and its replacement');
  } finally {
    await cluster?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

timed.run();
