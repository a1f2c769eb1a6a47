// dfw serve on a SQLite file starts its decision writer thread before it listens, and on
// PostgreSQL the timed jobs' lock session. A failure after that point (here: the port is
// taken) must still end the process with exit 2 and the reason, not leave it running with
// nothing listening (the thread or the session would keep it alive, the session holding the
// lock that other replicas wait for).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startDfw } from './helpers/cli.js';
import { runDfwAsync } from './helpers/edge-servers.js';
import { ROOT } from './helpers/opa.js';
import { postgresBackend } from './helpers/store-backends.js';

const startup = suite('dfw serve startup failure');

startup('a taken port ends dfw serve with exit 2 and the reason, within seconds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-startup-'));
  const first = await startDfw([], { DFW_STORE_URL: `sqlite:${join(dir, 'a.db')}` });
  try {
    const port = new URL(first.url).port;
    const started = Date.now();
    const second = await runDfwAsync(['serve', '--host', '127.0.0.1', '--port', port], { DFW_STORE_URL: `sqlite:${join(dir, 'b.db')}` });
    assert.is(second.status, 2, second.stderr);
    assert.match(second.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  } finally {
    assert.is(await first.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

startup('dfw serve --workers 2 whose workers cannot start (no bundle file) ends with exit 2 and the reason, not waiting forever', async () => {
  // Only the workers load the bundle; before the fix each one reported its failure and then
  // stayed alive on its channel to the primary, which waited for it to listen, forever.
  const dir = mkdtempSync(join(tmpdir(), 'dfw-startup-workers-'));
  try {
    const started = Date.now();
    const r = await runDfwAsync(['serve', '--workers', '2', '--port', '0', '--bundle', join(dir, 'missing.tar.gz')], { DFW_STORE_URL: `sqlite:${join(dir, 'dfw.db')}` });
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, `bundle ${join(dir, 'missing.tar.gz')} cannot be read`);
    assert.match(r.stderr, /worker \d+ exited with 2 before it listened/);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

startup('on PostgreSQL too: a taken port ends dfw serve with exit 2, its timed-jobs lock session closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-startup-pg-'));
  const backend = postgresBackend();
  const { url, options } = backend.fresh();
  const config = join(dir, 'dfw.yaml');
  writeFileSync(config, ['bundle:', `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`, 'store:', `  url: ${JSON.stringify(url)}`, `  schema: ${options.schema}`, ''].join('\n'));
  const first = await startDfw([], { DFW_STORE_URL: `sqlite:${join(dir, 'a.db')}` });
  try {
    const port = new URL(first.url).port;
    const started = Date.now();
    const second = await runDfwAsync(['serve', '--config', config, '--host', '127.0.0.1', '--port', port]);
    assert.is(second.status, 2, second.stderr);
    assert.match(second.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  } finally {
    assert.is(await first.stop(), 0);
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

startup.run();
