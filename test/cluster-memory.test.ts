// The young generation of `dfw serve --workers` processes (src/host/cluster.ts): V8 grows each
// semi-space to 16 MiB under load and keeps it; cluster workers run with 8 MiB unless the
// operator gave Node a size of their own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workerExecArgv } from '../src/host/cluster.js';
import { startDfw } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const test = suite('cluster workers: young generation');
const TYPICAL = readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8');

test('workers get --max-semi-space-size=8 after the flags Node was given, unless a size was given', () => {
  assert.equal(workerExecArgv([], ''), ['--max-semi-space-size=8']);
  assert.equal(workerExecArgv(['--enable-source-maps'], '--trace-warnings'), ['--enable-source-maps', '--max-semi-space-size=8']);
  assert.equal(workerExecArgv(['--max-semi-space-size=32'], ''), ['--max-semi-space-size=32']);
  assert.equal(workerExecArgv([], '--trace-warnings --max_semi_space_size=4'), []);
  assert.equal(workerExecArgv([], '"--max-semi-space-size=4"'), [], 'a quoted NODE_OPTIONS flag');
  assert.equal(workerExecArgv(['--min-semi-space-size=16'], ''), ['--min-semi-space-size=16'], 'a minimum above 8 MiB is not cut down');
  // V8 aborts at startup when --max-heap-size comes with both a semi-space and an old-space size.
  assert.equal(workerExecArgv(['--max-heap-size=512', '--max-old-space-size=400'], ''), ['--max-heap-size=512', '--max-old-space-size=400']);
});

function workerPids(primary: number): number[] {
  return readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/**
 * nodejs_heap_space_size_total_bytes of the new space, from the /metrics of whichever worker
 * takes a new connection (the cluster hands connections, not requests, to its workers).
 */
async function newSpaceBytes(url: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    get(`${url}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body)).on('error', reject);
    }).on('error', reject);
  });
  const line = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(text);
  assert.ok(line, 'the new space is in /metrics');
  return Number(line[1]);
}

async function withCluster<T>(env: Record<string, string>, body: (url: string, workers: number[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-cluster-memory-'));
  const config = join(dir, 'dfw.yaml');
  writeFileSync(config, ['bundle:', `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`, 'store:', `  url: ${JSON.stringify(`sqlite:${join(dir, 'dfw.db')}`)}`, 'server:', '  workers: 2', ''].join('\n'));
  const server = await startDfw(['--config', config], env);
  try {
    return await body(server.url, workerPids(server.child.pid!));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a real cluster: each worker runs with 8 MiB semi-spaces, and its new space stays within 2 × 8 MiB after checks', async () => {
  await withCluster({}, async (url, workers) => {
    assert.is(workers.length, 2);
    for (const pid of workers) assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=8'), `worker ${pid} has the flag`);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TYPICAL });
      assert.is(res.status, 200);
      await res.arrayBuffer();
    }
    // Each scrape on a new connection, which the primary hands out in turn. Node's default
    // grows it to 32 MiB during startup.
    for (let i = 0; i < 4; i++) assert.ok((await newSpaceBytes(url)) <= 16 * 1024 * 1024, 'new space within two 8 MiB semi-spaces');
  });
});

test('a real cluster started with NODE_OPTIONS=--max-semi-space-size=4 keeps the operator\'s size', async () => {
  await withCluster({ NODE_OPTIONS: '--max-semi-space-size=4' }, async (url, workers) => {
    assert.is(workers.length, 2);
    for (const pid of workers) assert.not.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--max-semi-space-size=8'), `worker ${pid}: no second size`);
    for (let i = 0; i < 4; i++) assert.ok((await newSpaceBytes(url)) <= 8 * 1024 * 1024, 'new space within two 4 MiB semi-spaces');
  });
});

test.run();
