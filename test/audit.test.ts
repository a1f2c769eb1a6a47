// Continuous audit end to end through a real server: a deployment allowed with a clean scan
// turns drifted when CI pushes a Trivy report with a critical CVE for its digest; the drift
// is recorded, counted in /metrics and notified once, however often it is audited again.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CloudEvent } from '../src/notify/index.js';
import { openStore } from '../src/store/index.js';
import { buildBundle } from './helpers/bundle.js';
import { deploymentRequest } from './helpers/evidence-e2e.js';
import { FIXTURES } from './helpers/fake-servers.js';
import { api, startReceiver, startServer, TOKENS, waitFor, writeConfig } from './helpers/notify-server.js';

const test = suite('continuous audit');

test('a new Trivy report with a critical CVE for a deployed digest turns its audit record to drifted and sends one notification', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-audit-'));
  const receiver = await startReceiver(() => 200);
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'test-only-audit-hmac-key');
  const storeFile = join(dir, 'dfw.db');
  const config = writeConfig(dir, {
    bundle: buildBundle({ revision: 'audit-test' }),
    storeFile,
    notifications: ['  receivers:', `    - { name: siem, type: cloudevents, url: ${JSON.stringify(receiver.url)}, secret_file: ${JSON.stringify(secretFile)} }`, '  poll_interval_ms: 50'],
  });
  const server = await startServer(config);
  try {
    const critical = readFileSync(join(FIXTURES, 'trivy/alpine-39-high-critical.json'), 'utf8');
    const report = JSON.parse(critical) as { Results: Array<{ Vulnerabilities: unknown[] }> };
    for (const r of report.Results) r.Vulnerabilities = [];
    const clean = JSON.stringify(report);
    // The example's own digest: its signatures and provenance are over it.
    const request = deploymentRequest({ without: ['vulnerabilities'] });
    const digest = request.artifact.digest;
    const push = (text: string) => api(server.url, 'POST', `/v1/evidence?kind=trivy&digest=${digest}`, TOKENS.evidence, text);

    const first = await push(clean);
    assert.is(first.status, 201, JSON.stringify(first.body));
    const check = await api(server.url, 'POST', '/v1/check', TOKENS.check, request);
    assert.is(check.status, 200);
    assert.is(check.body.allow, true, `the clean deployment is allowed: ${JSON.stringify(check.body.deny)}`);
    assert.is(check.body.evidence_sources.vulnerabilities, 'store');

    assert.is((await push(critical)).status, 201);
    const drifts = () => receiver.received.filter((r) => (JSON.parse(r.body) as CloudEvent).type === 'dev.dfw.audit.drifted');
    await waitFor('the drift notification', () => drifts().length === 1);
    const event = JSON.parse(drifts()[0]!.body) as CloudEvent<{ decision_id: string; application: string; environment: string; violations: Array<{ rule: string; severity: string }> }>;
    assert.is(event.data.decision_id, check.body.decision_id);
    assert.is(event.data.environment, 'production');
    assert.ok(event.data.violations.some((v) => v.rule === 'DFW-VULN-001' && v.severity === 'critical'), JSON.stringify(event.data.violations));

    const store = await openStore(`sqlite:${storeFile}`);
    try {
      const [latest] = (await store.audits.latest()).filter((a) => a.decision_id === check.body.decision_id);
      assert.is(latest?.status, 'drifted');
      assert.is(latest?.trigger, 'evidence');
      assert.ok(latest!.deny.critical.some((v) => v.rule === 'DFW-VULN-001'));

      // The same finding in a new report: audited again, not notified again.
      const again = await push(critical.replace('"SchemaVersion"', '"ArtifactName2": "rescan", "SchemaVersion"'));
    assert.is(again.status, 201, JSON.stringify(again.body));
      await waitFor('a second audit record', async () => (await store.audits.list({ application: latest!.application })).length >= 2);
      const drifted = (await store.outbox.list()).filter((m) => m.type === 'dev.dfw.audit.drifted');
      assert.is(drifted.length, 1, 'one notification for one drift');
    } finally {
      await store.close();
    }
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKENS.admin}` } }).then((r) => r.text());
    assert.match(metrics, /dfw_audit_drifted\{environment="production"\} 1/);
    assert.is(drifts().length, 1);
  } finally {
    await server.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
