// `make soak` (not part of the tests): dfw serve under steady load for SOAK_MINUTES (default
// 60), with bundle publishes (swaps between two signed revisions), evidence pushes and large
// checks (5,000 findings, evaluated on the evaluation thread) going on,
// reporting every minute the checks answered, their latency, failures, and each server
// process's RSS and open file descriptors. What it shows: no leak (RSS and handles flat), no
// failed check across swaps, latency that does not drift. The result table goes to stdout.
//
//   SOAK_MINUTES=60 SOAK_RATE=200 SOAK_WORKERS=2 SOAK_CONNECTIONS=8 SOAK_LARGE_SECONDS=5 make soak
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../src/shared/sha256.js';
import { cleanEnv, PUBLIC_KEY, SIGNING_KEY } from './context.js';
import { loadBenchInputs, ROOT } from './inputs.js';
import { buildWasmBundle } from './opa.js';
import { listeningUrl, readMemory, readTreeMemory, startServer } from './processes.js';
import { percentile } from './stats.js';

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const MINUTES = env('SOAK_MINUTES', 60);
const RATE = env('SOAK_RATE', 200);
const WORKERS = env('SOAK_WORKERS', 2);
const CONNECTIONS = env('SOAK_CONNECTIONS', 8);
const SWAP_EVERY_S = env('SOAK_SWAP_SECONDS', 120);
const PUSH_EVERY_S = env('SOAK_PUSH_SECONDS', 10);
const LARGE_EVERY_S = env('SOAK_LARGE_SECONDS', 5);

const log = (message: string) => process.stderr.write(`soak: ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Minute {
  minute: number;
  checks: number;
  latencies: number[];
  failures: number;
  swaps: number;
  pushes: number;
  pushFailures: number;
  /** 5,000-finding checks, which dfw serve evaluates on its evaluation thread. */
  large: number;
  largeFailures: number;
  rssMiB: number[];
  /** The server's processes together, the pages they share counted once (processes.ts). */
  heldMiB: number;
  fds: number[];
  decisions?: number;
}

function buildBundle(tmp: string, revision: string): string {
  const out = join(tmp, `firewall-${revision}.tar.gz`);
  buildWasmBundle(revision, SIGNING_KEY, out);
  return out;
}

/** The server's processes: the primary and, in cluster mode, its workers (children). */
function processTree(pid: number): number[] {
  const children = (() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  })();
  return [pid, ...children];
}

const openFds = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
};

function send(agent: Agent, url: string, body: string | Buffer, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'dfw-soak-'));
  const secrets = { admin: `soak-admin-${randomBytes(8).toString('hex')}`, ci: `soak-ci-${randomBytes(8).toString('hex')}`, cd: `soak-cd-${randomBytes(8).toString('hex')}` };
  const bundles = [buildBundle(tmp, 'soak-a'), buildBundle(tmp, 'soak-b')];
  const config = join(tmp, 'dfw.yaml');
  writeFileSync(
    config,
    [
      'server:',
      `  workers: ${WORKERS}`,
      // Every process, worker or not, with its evaluation thread for the large checks.
      '  evaluation_threads: 1',
      'bundle:',
      `  path: ${JSON.stringify(bundles[0])}`,
      `  public_key: ${JSON.stringify(join(ROOT, PUBLIC_KEY))}`,
      'publish:',
      `  dir: ${JSON.stringify(join(tmp, 'published'))}`,
      'store:',
      `  url: ${JSON.stringify(`sqlite:${join(tmp, 'data/dfw.db')}`)}`,
      'log:',
      '  level: warn',
      'tokens:',
      `  - { name: soak-admin, sha256: ${await sha256Hex(secrets.admin)}, roles: [admin] }`,
      `  - { name: soak-ci, sha256: ${await sha256Hex(secrets.ci)}, roles: [evidence] }`,
      `  - { name: soak-cd, sha256: ${await sha256Hex(secrets.cd)}, roles: [check] }`,
      '',
    ].join('\n'),
  );
  mkdirSync(join(tmp, 'data'), { recursive: true });
  // log.level warn keeps the one-line-per-decision log out; "listening" is info, so the
  // readiness check reads /healthz instead.
  const server = await startServer({
    name: 'dfw',
    command: process.execPath,
    args: [join(ROOT, 'bin/dfw.js'), 'serve', '--config', config, '--port', '0'],
    cwd: tmp,
    env: cleanEnv({ DFW_LOG_LEVEL: 'info' }),
    logFile: join(tmp, 'serve.log'),
    ready: async () => listeningUrl(join(tmp, 'serve.log')),
  });
  log(`dfw serve --workers ${WORKERS} at ${server.url}; ${MINUTES} min at ${RATE} checks/s over ${CONNECTIONS} connections, a publish every ${SWAP_EVERY_S} s, an evidence push every ${PUSH_EVERY_S} s`);

  const body = readFileSync(join(ROOT, 'examples/compliant.allow.json'));
  const report = readFileSync('/work/shared/fixtures/trivy/alpine-39-high-critical.json');
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS + 2 });
  const started = performance.now();
  const endAt = started + MINUTES * 60_000;
  const minutes: Minute[] = [];
  const fresh = (minute: number): Minute => ({ minute, checks: 0, latencies: [], failures: 0, swaps: 0, pushes: 0, pushFailures: 0, large: 0, largeFailures: 0, rssMiB: [], heldMiB: 0, fds: [] });
  let current = fresh(1);
  const failures: string[] = [];
  const checkHeaders = { 'content-type': 'application/json', authorization: `Bearer ${secrets.cd}` };

  // Each connection paces itself to RATE / CONNECTIONS checks per second.
  const interval = (1000 * CONNECTIONS) / RATE;
  const client = async (offset: number) => {
    let next = performance.now() + offset;
    while (performance.now() < endAt) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += interval;
      const t0 = performance.now();
      try {
        const res = await send(agent, `${server.url}/v1/check`, body, checkHeaders);
        if (res.status === 200) {
          current.checks++;
          current.latencies.push(performance.now() - t0);
        } else {
          current.failures++;
          if (failures.length < 20) failures.push(`${res.status} ${res.text.slice(0, 200)}`);
        }
      } catch (err) {
        current.failures++;
        if (failures.length < 20) failures.push((err as Error).message);
      }
    }
  };
  const swapper = async () => {
    let n = 1;
    while (performance.now() + SWAP_EVERY_S * 1000 < endAt) {
      await sleep(SWAP_EVERY_S * 1000);
      const res = await send(agent, `${server.url}/v1/bundles/firewall`, readFileSync(bundles[n++ % 2]!), { 'content-type': 'application/gzip', authorization: `Bearer ${secrets.admin}` }, 'PUT').catch((err: Error) => ({ status: 0, text: err.message }));
      if (res.status === 200) current.swaps++;
      else failures.push(`publish: ${res.status} ${res.text.slice(0, 200)}`);
    }
  };
  const pusher = async () => {
    while (performance.now() + PUSH_EVERY_S * 1000 < endAt) {
      await sleep(PUSH_EVERY_S * 1000);
      const digest = `sha256:${randomBytes(32).toString('hex')}`;
      const res = await send(agent, `${server.url}/v1/evidence?kind=trivy&digest=${digest}`, report, { 'content-type': 'application/json', authorization: `Bearer ${secrets.ci}` }).catch((err: Error) => ({ status: 0, text: err.message }));
      if (res.status === 201 || res.status === 200) current.pushes++;
      else current.pushFailures++;
    }
  };
  const largeBody = Buffer.from((await loadBenchInputs()).large.requestJson);
  const larger = async () => {
    while (performance.now() + LARGE_EVERY_S * 1000 < endAt) {
      await sleep(LARGE_EVERY_S * 1000);
      const res = await send(agent, `${server.url}/v1/check`, largeBody, checkHeaders).catch((err: Error) => ({ status: 0, text: err.message }));
      if (res.status === 200) current.large++;
      else {
        current.largeFailures++;
        if (failures.length < 20) failures.push(`large check: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
  };
  const sampler = async () => {
    while (performance.now() < endAt) {
      const minuteEnd = started + current.minute * 60_000;
      await sleep(Math.max(0, Math.min(minuteEnd, endAt) - performance.now()));
      const pids = processTree(server.pid);
      current.rssMiB = pids.map((pid) => readMemory(pid).rssKiB / 1024);
      current.heldMiB = readTreeMemory(server.pid).heldKiB / 1024;
      current.fds = pids.map(openFds);
      const done = current;
      minutes.push(done);
      current = fresh(done.minute + 1);
      const lat = [...done.latencies].sort((a, b) => a - b);
      log(
        `minute ${done.minute}: ${done.checks} checks (${(done.checks / 60).toFixed(0)}/s), p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, ` +
          `${done.failures} failed, RSS ${done.rssMiB.map((m) => m.toFixed(0)).join('+')} MiB (${done.heldMiB.toFixed(0)} with shared pages once), fds ${done.fds.join('+')}, swaps ${done.swaps}, pushes ${done.pushes}, large ${done.large} (${done.largeFailures} failed)`,
      );
    }
  };
  await Promise.all([...Array.from({ length: CONNECTIONS }, (_, i) => client((i * interval) / CONNECTIONS)), swapper(), pusher(), larger(), sampler()]);
  agent.destroy();
  const stopStarted = performance.now();
  await server.stop();
  const stopMs = performance.now() - stopStarted;

  const all = minutes.flatMap((m) => m.latencies).sort((a, b) => a - b);
  const total = minutes.reduce((n, m) => n + m.checks, 0);
  const failed = minutes.reduce((n, m) => n + m.failures + m.largeFailures, 0);
  const lines = [
    `Soak: ${new Date().toISOString()}, ${MINUTES} min, dfw serve --workers ${WORKERS} (SQLite decision log, synchronous=FULL), ${RATE} checks/s paced over ${CONNECTIONS} keep-alive connections (examples/compliant.allow.json), a bundle publish every ${SWAP_EVERY_S} s alternating two signed revisions, a Trivy report pushed every ${PUSH_EVERY_S} s, a 5,000-finding check every ${LARGE_EVERY_S} s.`,
    '',
    `Totals: ${total.toLocaleString('en')} checks answered 200, ${failed} failed; p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms, max ${(all[all.length - 1] ?? 0).toFixed(0)} ms; ${minutes.reduce((n, m) => n + m.swaps, 0)} bundle swaps, ${minutes.reduce((n, m) => n + m.pushes, 0)} evidence pushes (${minutes.reduce((n, m) => n + m.pushFailures, 0)} failed), ${minutes.reduce((n, m) => n + m.large, 0)} large checks (${minutes.reduce((n, m) => n + m.largeFailures, 0)} failed); SIGTERM to exit ${(stopMs / 1000).toFixed(1)} s.`,
    '',
    '| minute | checks/s | p50 ms | p99 ms | max ms | failed | RSS MiB (primary + workers) | MiB, shared pages once | open fds (primary + workers) | swaps | pushes | large checks |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...minutes.map((m) => {
      const lat = [...m.latencies].sort((a, b) => a - b);
      return `| ${m.minute} | ${(m.checks / 60).toFixed(0)} | ${percentile(lat, 50).toFixed(1)} | ${percentile(lat, 99).toFixed(1)} | ${(lat[lat.length - 1] ?? 0).toFixed(0)} | ${m.failures + m.largeFailures} | ${m.rssMiB.map((x) => x.toFixed(0)).join(' + ')} | ${m.heldMiB.toFixed(0)} | ${m.fds.join(' + ')} | ${m.swaps} | ${m.pushes} | ${m.large} |`;
    }),
    ...(failures.length ? ['', 'First failures:', ...failures.map((f) => `- ${f}`)] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  rmSync(tmp, { recursive: true, force: true });
  if (failed > 0) process.exitCode = 1;
}

await main();
