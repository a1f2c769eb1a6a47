// What the speed must not break (issue 13), on `dfw serve --workers 2` (node:cluster; on
// SQLite the primary is the decision log's one writer): a SIGKILL mid-burst loses no answered
// decision, on SQLite and PostgreSQL; a bundle published under load gives zero failed checks
// and every decision comes whole from one revision or the next.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DecisionRecord } from '../src/store/index.js';
import { SEVERITIES, type Decision } from '../src/engine/index.js';
import { buildBundle, buildBundleWithRuleOff, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { APPLICATIONS, ENVIRONMENTS, SECRETS, burstUntilKilled, requestFrom, testTokens } from './helpers/decision-log.js';
import { runLoad, type Exchange } from './helpers/keep-alive-load.js';
import { ROOT } from './helpers/opa.js';
import { loadBenchInputs } from '../bench/inputs.js';
import { openAt, postgresBackend, rawQuery, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';

const WORKERS = 2;

async function writeConfig(dir: string, lines: string[]): Promise<string> {
  const tokens = await testTokens();
  const file = join(dir, 'dfw.yaml');
  writeFileSync(
    file,
    [...lines, 'tokens:', ...tokens.map((t) => `  - { name: ${t.name}, sha256: ${t.sha256}, roles: [${t.roles.join(', ')}] }`), ''].join('\n'),
  );
  return file;
}

const storeLines = (location: StoreLocation) => [
  'store:',
  `  url: ${JSON.stringify(location.url)}`,
  ...(location.options.schema ? [`  schema: ${location.options.schema}`] : []),
];

/** The worker processes' ids, from their "worker listening" lines. */
function workerPids(server: ServerProcess): number[] {
  return server.logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; pid?: number };
      return entry.msg === 'worker listening' && entry.pid ? [entry.pid] : [];
    } catch {
      return [];
    }
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function defineSigkillTest(name: 'sqlite' | 'postgres', makeBackend: () => StoreBackend) {
  const test = suite(`perf invariants: SIGKILL with ${WORKERS} workers (${name})`);
  let backend: StoreBackend | undefined;
  test.after(async () => backend?.cleanup());

  test(`SIGKILL of the primary mid-burst: every decision answered by any worker is in the log, and the workers stop`, async () => {
    backend = makeBackend();
    const location = backend.fresh();
    await (await openAt(location)).close(); // PostgreSQL: creates the schema
    const dir = mkdtempSync(join(tmpdir(), 'dfw-perf-kill-'));
    const config = await writeConfig(dir, ['bundle:', `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`, ...storeLines(location)]);
    const server = await startDfw(['--config', config, '--workers', String(WORKERS)]);
    const pids = workerPids(server);
    let burst;
    try {
      assert.is(pids.length, WORKERS, server.logs.join('\n'));
      const bodies = [...readExamples().values()].map((body, i) =>
        requestFrom(body, { application: APPLICATIONS[i % APPLICATIONS.length]!, environment: ENVIRONMENTS[i % ENVIRONMENTS.length]! }),
      );
      burst = await burstUntilKilled(server, bodies, { token: SECRETS.spinnaker, killAfter: 150, concurrency: 8 });
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(burst.unexpected, [], 'every check before the kill was answered 200');
    assert.is(burst.exit.signal, 'SIGKILL');
    assert.ok(burst.inFlightAtKill > 0, 'checks were in flight when the primary was killed');
    // Without the primary (on SQLite, the writer) no worker may go on answering.
    const deadline = Date.now() + 5000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pids.filter(alive), [], 'workers still running after the primary was killed');

    const store = await openAt(location);
    try {
      const stored = new Map<string, DecisionRecord>();
      for await (const record of store.decisionsSince(new Date(0))) stored.set(record.decision_id, record);
      const lost = burst.answered.filter((id) => !stored.has(id));
      assert.equal(lost, [], `${lost.length} of ${burst.answered.length} answered decisions are not in the log`);
      for (const id of burst.answered) assert.is(stored.get(id)!.caller, 'spinnaker');
    } finally {
      await store.close();
    }
    if (name === 'sqlite') assert.equal(await rawQuery(location, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
  });
  test.run();
}

const long = suite(`perf invariants: a long check on ${WORKERS} workers (sqlite)`);
long(`a check with 3,000 findings is recorded by the primary with its input whole, characters beyond Latin-1 included`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-perf-long-'));
  const config = await writeConfig(dir, ['bundle:', `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`, 'store:', `  url: ${JSON.stringify(`sqlite:${join(dir, 'dfw.db')}`)}`]);
  const server = await startDfw(['--config', config, '--workers', String(WORKERS)]);
  try {
    const body = requestFrom(readExamples().get('compliant.allow.json')!, { application: 'payments', environment: 'staging' }) as Record<string, any>;
    // A row of about 1 MB, characters beyond Latin-1 included, through the IPC channel and the primary's writer thread.
    body.evidence.vulnerabilities.findings = Array.from({ length: 3000 }, (_, i) => ({ id: `CVE-2026-${10000 + i}`, severity: 'low', package: `lib—𝔡${i % 40}`, installed_version: '1.0.0' }));
    const answer = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS.spinnaker}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.is(answer.status, 200, await answer.clone().text());
    const { decision_id: id } = (await answer.json()) as { decision_id: string };
    const stored = await fetch(`${server.url}/v1/decisions/${id}`, { headers: { authorization: `Bearer ${SECRETS['security-lead']}` } });
    assert.is(stored.status, 200);
    const record = (await stored.json()) as { input: { evidence: { vulnerabilities: { findings: unknown[] } } } };
    assert.equal(record.input.evidence.vulnerabilities.findings, body.evidence.vulnerabilities.findings);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
long.run();

defineSigkillTest('sqlite', sqliteBackend);
defineSigkillTest('postgres', postgresBackend);

const SWAPPED_RULE = 'DFW-VULN-001';
const denies = (d: Decision, rule: string) => SEVERITIES.some((s) => d.deny[s].some((v) => v.rule === rule));

const swap = suite('perf invariants: bundle swap under load');

/**
 * A bundle published under load: zero failed checks, each decision wholly from the old
 * revision or the new, and only the new one answering soon after. With one process, the
 * large check runs on the evaluation pool's thread (src/host/evaluation-pool.ts).
 */
function defineSwapTest(workers: number, check: 'example' | 'large') {
  const where = workers > 1 ? `one of ${workers} workers` : 'a single process';
  const what = check === 'large' ? 'large checks (evaluated on a pool thread)' : 'load';
  swap(`a bundle published to ${where} under ${what}: zero failed checks, each decision wholly from the old revision or the new, and only the new one soon after`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dfw-perf-swap-'));
    const before = buildBundle({ revision: 'swap-before', signingKey: SIGNING_KEY });
    const after = buildBundleWithRuleOff(SWAPPED_RULE, { revision: 'swap-after', signingKey: SIGNING_KEY });
    const config = await writeConfig(dir, [
      'bundle:',
      `  path: ${JSON.stringify(before)}`,
      `  public_key: ${JSON.stringify(SIGNING_PUB)}`,
      'publish:',
      `  dir: ${JSON.stringify(join(dir, 'published'))}`,
      'store:',
      `  url: ${JSON.stringify(`sqlite:${join(dir, 'dfw.db')}`)}`,
      // As on two cores, whatever this machine has.
      ...(workers === 1 ? ['server:', '  evaluation_threads: 1'] : []),
    ]);
    const server = await startDfw(['--config', config, '--workers', String(workers)]);
    try {
      const body = check === 'large' ? (await loadBenchInputs()).large.requestJson : JSON.stringify({ ...readExamples().get('dfw-vuln-001-critical-cves.deny.json'), environment: 'production' });
      let stopAt = Infinity;
      const progress: Exchange[] = [];
      const load = runLoad({ url: server.url, body, token: SECRETS.spinnaker, connections: 8, exchanges: progress, stop: () => performance.now() > stopAt });
      while (progress.length < (check === 'large' ? 16 : 40)) await new Promise((r) => setTimeout(r, 20));
      const published = await fetch(`${server.url}/v1/bundles/firewall`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${SECRETS['security-lead']}`, 'content-type': 'application/gzip' },
        body: readFileSync(after),
      });
      assert.is(published.status, 200, await published.clone().text());
      // The other workers reload from publish.dir when the primary tells them; from then on
      // only the new revision may answer.
      const deadline = Date.now() + 15_000;
      while (workers > 1 && !server.logs.some((l) => l.includes('"published bundle restored"') && l.includes('swap-after')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const everyWorkerSwapped = performance.now();
      stopAt = everyWorkerSwapped + 1500;
      const exchanges = await load;

      const failed = exchanges.filter((e) => e.status !== 200);
      assert.equal(failed.map((e) => e.error ?? `${e.status} ${e.body}`), [], 'checks failed during the swap');
      const decisions = exchanges.map((e) => ({ ...e, decision: JSON.parse(e.body!) as Decision }));
      const revisions = new Set(decisions.map((d) => d.decision.bundle.revision));
      assert.equal([...revisions].sort(), ['swap-after', 'swap-before'], 'revisions answered');
      for (const { decision } of decisions) {
        // The candidate's one change: its verdict and its revision travel together.
        const fromAfter = decision.bundle.revision === 'swap-after';
        assert.is(denies(decision, SWAPPED_RULE), !fromAfter, `${decision.decision_id}: revision ${decision.bundle.revision} with deny ${JSON.stringify(decision.deny).slice(0, 500)}`);
      }
      const late = decisions.filter((d) => d.sentAt > everyWorkerSwapped);
      assert.ok(late.length > (check === 'large' ? 8 : 20), `${late.length} checks after every worker had the new revision`);
      assert.equal(late.filter((d) => d.decision.bundle.revision !== 'swap-after').map((d) => d.decision.decision_id), [], `the old revision still answers 1.5 s after the publish:\n${server.logs.filter((l) => !l.includes('"decision"')).join('\n')}`);
      if (check === 'large') {
        assert.ok(server.logs.some((l) => l.includes('"listening"') && l.includes('"evaluation_threads":1')), 'one evaluation thread');
        assert.ok(server.logs.some((l) => l.includes('"evaluation thread started"')), 'the large checks went to the evaluation thread');
        const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS['security-lead']}` } });
        assert.is(metrics.status, 200);
        const text = await metrics.text();
        const onThread = Number(/^dfw_evaluations_total\{thread="evaluation_thread"\} (\d+)$/m.exec(text)?.[1]);
        assert.ok(onThread >= decisions.length, `dfw_evaluations_total on the evaluation thread: ${onThread} for ${decisions.length} large checks`);
        assert.match(text, /^dfw_evaluation_threads 1$/m);
        assert.match(text, /^dfw_evaluation_threads_lost_total 0$/m);
      }
    } finally {
      await server.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

defineSwapTest(WORKERS, 'example');
defineSwapTest(1, 'large');
swap.run();
