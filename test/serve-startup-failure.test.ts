// dfw serve on a SQLite file starts its decision writer thread before it listens. A failure
// after that point (here: the port is taken) must still end the process with exit 2 and
// the reason, not leave it running with nothing listening (the thread would keep it alive).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startDfw } from './helpers/cli.js';
import { runDfwAsync } from './helpers/edge-servers.js';

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

startup.run();
