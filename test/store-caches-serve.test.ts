// The store's caches of waivers and evidence (src/store/cached-reads.ts) as a CD tool, CI and
// the security team meet them: real `dfw serve` processes on 127.0.0.1. A write answered
// 2xx — a report pushed, a waiver created or revoked — is what the very next check decides
// on, in one process (SQLite, PostgreSQL), across two processes sharing one PostgreSQL
// (write on A, check on B), and across `--workers 2` on SQLite (each request on a new
// connection, so the workers take turns). Every check is made twice, so the second one is
// served from a warm cache before the next write: a stale answer would show.
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Decision } from '../src/engine/index.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { deploymentRequest, randomDigest, SECRETS } from './helpers/evidence-e2e.js';
import { ROOT } from './helpers/opa.js';
import { openAt, postgresBackend, sqliteBackend, type StoreBackend, type StoreLocation } from './helpers/store-backends.js';

const ITERATIONS = 24;
const RULE = 'DFW-VULN-001';

interface Answer<T> {
  status: number;
  body: T;
}

/** One request on a connection of its own (no keep-alive), so a cluster's workers take turns. */
function call<T>(base: string, method: string, path: string, token: string, body?: string): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, base),
      { method, agent: false, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: (res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function writeConfig(dir: string, name: string, location: StoreLocation): string {
  const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'server: { host: 127.0.0.1, shutdown_timeout_seconds: 5 }',
      `bundle: { path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))} }`,
      'store:',
      `  url: ${JSON.stringify(location.url)}`,
      ...(location.options.schema ? [`  schema: ${location.options.schema}`] : []),
      'tokens:',
      `  - { name: ci, sha256: ${hash(SECRETS.evidence)}, roles: [evidence] }`,
      `  - { name: spinnaker, sha256: ${hash(SECRETS.check)}, roles: [check] }`,
      `  - { name: security, sha256: ${hash(SECRETS.admin)}, roles: [admin] }`,
      'log: { level: info }', // startDfw waits for the "listening" line
      '',
    ].join('\n'),
  );
  return file;
}

/** A Trivy report (SchemaVersion 2) with one critical finding, or none; `stamp` makes each push new content. */
function trivyReport(cve: string | undefined, stamp: string): string {
  const vulnerabilities = cve ? [{ VulnerabilityID: cve, PkgName: 'openssl', InstalledVersion: '3.0.1', FixedVersion: '3.0.2', Severity: 'CRITICAL' }] : [];
  return JSON.stringify({ SchemaVersion: 2, CreatedAt: stamp, ArtifactName: 'registry.example.com/payments/api', Results: [{ Target: 'alpine 3.19', Class: 'os-pkgs', Type: 'alpine', Vulnerabilities: vulnerabilities }] });
}

/** Where one topology writes (CI, the security team) and where the CD tool checks. */
interface Topology {
  writer: string;
  checker: string;
}

async function scenario({ writer, checker }: Topology): Promise<void> {
  const digest = randomDigest();
  const body = JSON.stringify(deploymentRequest({ without: ['vulnerabilities'], digest }));
  const check = async (): Promise<Decision> => {
    const answer = await call<Decision>(checker, 'POST', '/v1/check', SECRETS.check, body);
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  /** Checks twice (the second from a warm cache) and returns what both said about the rule. */
  const twice = async () => {
    const said = [];
    for (let i = 0; i < 2; i++) {
      const decision = await check();
      const denied = Object.values(decision.deny).flat().filter((v) => v.rule === RULE);
      const waived = decision.waived.filter((v) => v.rule === RULE);
      said.push({ denied: denied.map((v) => `${v.message} ${v.evidence ?? ''}`), waivers: waived.map((v) => (v as { waiver_id?: string }).waiver_id) });
    }
    assert.equal(said[1], said[0], 'a second check, served from the cache, says the same');
    return said[0]!;
  };
  const push = async (cve: string | undefined, stamp: string) => {
    const query = new URLSearchParams({ kind: 'trivy', digest });
    const answer = await call<{ created: boolean }>(writer, 'POST', `/v1/evidence?${query}`, SECRETS.evidence, trivyReport(cve, stamp));
    assert.ok(answer.status >= 200 && answer.status < 300 && answer.body.created, JSON.stringify(answer));
  };

  for (let i = 0; i < ITERATIONS; i++) {
    const cve = `CVE-2026-${10_000 + i}`;
    const previous = `CVE-2026-${10_000 + i - 1}`;
    await push(cve, new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString());
    let said = await twice();
    assert.ok(said.denied.some((text) => text.includes(cve)), `iteration ${i}: the report pushed just before is used: ${JSON.stringify(said)}`);
    assert.not.ok(said.denied.some((text) => text.includes(previous)), `iteration ${i}: the superseded report is not: ${JSON.stringify(said)}`);
    assert.equal(said.waivers, []);

    const created = await call<{ id: string }>(writer, 'POST', '/v1/waivers', SECRETS.admin, JSON.stringify({
      rule: RULE,
      application: 'payments',
      environment: i % 2 ? '*' : 'production',
      artifact_digest: digest,
      reason: 'the fixed package ships next week',
      requested_by: 'payments-team',
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    }));
    assert.is(created.status, 201, JSON.stringify(created.body));
    said = await twice();
    assert.equal(said, { denied: [], waivers: [created.body.id] }, `iteration ${i}: the waiver created just before applies`);

    const revoked = await call(writer, 'DELETE', `/v1/waivers/${created.body.id}`, SECRETS.admin);
    assert.is(revoked.status, 200, JSON.stringify(revoked.body));
    said = await twice();
    assert.equal(said.waivers, [], `iteration ${i}: the waiver revoked just before is never applied`);
    assert.ok(said.denied.some((text) => text.includes(cve)), `iteration ${i}: denied again after the revoke: ${JSON.stringify(said)}`);
  }
  await push(undefined, '2026-12-02T00:00:00Z');
  assert.equal(await twice(), { denied: [], waivers: [] }, 'a clean report pushed last clears the finding');
}

/** dfw_store_cache_reads_total of one process (or, behind a cluster, of the worker that answers). */
async function cacheReads(server: string): Promise<Record<string, number>> {
  const answer = await call<string>(server, 'GET', '/metrics', SECRETS.admin);
  const reads: Record<string, number> = {};
  for (const match of answer.body.matchAll(/^dfw_store_cache_reads_total\{cache="(\w+)",result="(\w+)"\} (\d+)/gm)) reads[`${match[1]}_${match[2]}`] = Number(match[3]);
  return reads;
}

function defineTopology(name: string, makeBackend: () => StoreBackend, start: (dir: string, location: StoreLocation) => Promise<ServerProcess[]>, pick: (servers: ServerProcess[]) => Topology) {
  const test = suite(`store caches over HTTP: ${name}`);
  let backend: StoreBackend | undefined;
  const dirs: string[] = [];
  test.after(async () => {
    await backend?.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test(`every check after a 2xx push, waiver or revoke decides on it (${ITERATIONS} rounds), and the caches hit`, async () => {
    backend = makeBackend();
    const location = backend.fresh();
    await (await openAt(location)).close(); // PostgreSQL: the schema exists before two servers migrate it
    const dir = mkdtempSync(join(tmpdir(), 'dfw-caches-'));
    dirs.push(dir);
    const servers = await start(dir, location);
    try {
      const topology = pick(servers);
      await scenario(topology);
      const reads = await cacheReads(topology.checker);
      assert.ok((reads.waivers_hit ?? 0) > 0 && (reads.evidence_hit ?? 0) > 0, `the checking process served from its caches: ${JSON.stringify(reads)}`);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
  return test;
}

const one = (dir: string, location: StoreLocation) => startDfw(['--config', writeConfig(dir, 'dfw', location)]).then((s) => [s]);
const same = ([server]: ServerProcess[]): Topology => ({ writer: server!.url, checker: server!.url });

defineTopology('one process, SQLite', sqliteBackend, one, same).run();
defineTopology('one process, PostgreSQL', postgresBackend, one, same).run();
defineTopology(
  'two processes sharing PostgreSQL (write on A, check on B)',
  postgresBackend,
  async (dir, location) => Promise.all([startDfw(['--config', writeConfig(dir, 'a', location)]), startDfw(['--config', writeConfig(dir, 'b', location)])]),
  ([a, b]) => ({ writer: a!.url, checker: b!.url }),
).run();
defineTopology('--workers 2 on SQLite (the primary writes the decision log)', sqliteBackend, (dir, location) => startDfw(['--config', writeConfig(dir, 'dfw', location), '--workers', '2']).then((s) => [s]), same).run();
