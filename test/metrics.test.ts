// GET /metrics on a real `dfw serve` (in process: the same startServer as the CLI), with a
// real bundle, a real SQLite log and the admission webhook on TLS: decisions from the API
// and from Kubernetes are counted by verdict, rule and evidence source, errors by code,
// environments outside the bundle's configuration collapse to "other", and the active
// bundle is named.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryLogger } from '../src/shared/logger.js';
import { loadConfig } from '../src/config/load.js';
import { startServer, type RunningServer } from '../src/host/server.js';
import { buildBundle, readExamples } from './helpers/bundle.js';
import { httpsPost, makeCerts, readReview, variant } from './helpers/k8s-admission.js';

interface Context {
  dir: string;
  server: RunningServer;
  ca: Buffer;
}

const metrics = suite<Context>('metrics');

metrics.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-metrics-'));
  makeCerts(join(ctx.dir, 'tls'));
  ctx.ca = readFileSync(join(ctx.dir, 'tls', 'ca.crt'));
  const file = join(ctx.dir, 'dfw.yaml');
  writeFileSync(
    file,
    [
      'server: { host: 127.0.0.1, port: 0 }',
      `bundle: { path: ${JSON.stringify(buildBundle({ revision: 'metrics-rev' }))} }`,
      'store: { url: "sqlite:data/dfw.db" }',
      'kubernetes:',
      '  admission:',
      '    host: 127.0.0.1',
      '    port: 0',
      '    tls: { cert_file: tls/tls.crt, key_file: tls/tls.key }',
      '    environment_label: false',
      '    namespaces: { payments: production }',
      // A GitHub that refuses connections: what it should have said becomes input.unavailable.
      'collectors: { github: { base_url: "http://127.0.0.1:9", timeout_ms: 2000, cache_ttl_ms: 0 } }',
      'log: { level: error }',
    ].join('\n'),
  );
  ctx.server = await startServer(loadConfig(file, {}), createMemoryLogger());
});

metrics.after(async (ctx) => {
  await ctx.server?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

async function check(ctx: Context, body: unknown): Promise<number> {
  const res = await fetch(`${ctx.server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

/** Every sample line of the text format, `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function httpsText(url: string, ca: Buffer): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolveText, reject) => {
    httpsGet(url, { ca, servername: 'dfw.dfw.svc', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveText({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

metrics('decisions, violations, evidence sources, durations and errors are counted; the active bundle is named', async (ctx) => {
  const examples = readExamples();
  const before = await (await fetch(`${ctx.server.url}/metrics`)).text();
  assert.is(samples(before).get('dfw_bundle_ready'), 1);
  assert.is(samples(before).get('dfw_bundle_info{name="firewall",revision="metrics-rev"}'), 1);
  assert.not.ok([...samples(before).keys()].some((k) => k.startsWith('dfw_decisions_total{')), 'nothing counted yet');

  assert.is(await check(ctx, examples.get('compliant.allow.json')), 200);
  assert.is(await check(ctx, examples.get('dfw-vuln-001-critical-cves.deny.json')), 200);
  assert.is(await check(ctx, { ...examples.get('compliant.allow.json'), environment: 'qa-42' }), 200);
  const compliant = examples.get('compliant.allow.json') as { evidence: Record<string, unknown> };
  const { branch_protection: _bp, ...withoutProtection } = compliant.evidence;
  assert.is(await check(ctx, { ...compliant, evidence: { ...withoutProtection, x_caller_chosen_kind: {} } }), 200);
  const review = variant(readReview('kube-review-deployment-v1-request.json'), (r) => {
    r.request.namespace = 'payments';
    r.request.dryRun = false;
  });
  const admitted = await httpsPost(`${ctx.server.admissionUrl}/k8s/admission?timeout=10s`, review, { ca: ctx.ca, servername: 'dfw.dfw.svc' });
  assert.is(admitted.status, 200);
  const rollout = variant(review, (r) => (r.request.kind = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' }));
  const refused = await httpsPost(`${ctx.server.admissionUrl}/k8s/admission?timeout=10s`, rollout, { ca: ctx.ca, servername: 'dfw.dfw.svc' });
  assert.match(refused.body, 'failed closed');

  // The decision log is closed under the server: the next check fails closed (503, try
  // again: the database is unavailable, not dfw broken), and is counted.
  await ctx.server.store.close();
  assert.is(await check(ctx, examples.get('compliant.allow.json')), 503);

  const res = await fetch(`${ctx.server.url}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', 'text/plain');
  const after = samples(await res.text());
  const value = (key: string) => after.get(key) ?? 0;
  assert.is(value('dfw_decisions_total{via="api",environment="production",allow="true",dry_run="false"}'), 1);
  assert.is(value('dfw_decisions_total{via="api",environment="production",allow="false",dry_run="false"}'), 2, 'the CVE deny and the unverifiable branch');
  // This request, and the admission review (which names no repository evidence), both lack it.
  assert.is(value('dfw_evidence_unavailable_total{kind="branch_protection"}'), 2);
  assert.is(value('dfw_decisions_total{via="api",environment="other",allow="true",dry_run="false"}'), 1, 'qa-42 is counted under "other"');
  assert.not.ok([...after.keys()].some((k) => k.includes('qa-42')), 'a caller-chosen name never becomes a label');
  assert.ok([...after.keys()].some((k) => k.startsWith('dfw_decisions_total{via="kubernetes",environment="production"')), 'the webhook goes through the same counted service');
  assert.ok(value('dfw_violations_total{rule="DFW-VULN-001",severity="critical",outcome="deny",environment="production"}') >= 1);
  assert.ok(value('dfw_evidence_total{kind="vulnerabilities",source="inline"}') >= 3);
  assert.is(value('dfw_evidence_total{kind="other",source="inline"}'), 1, 'an evidence key the input document does not define');
  assert.not.ok([...after.keys()].some((k) => k.includes('x_caller_chosen_kind')), 'caller-chosen evidence keys never become labels');
  // What the API server was told, including a denial that never reached a policy decision.
  assert.is(value('dfw_admissions_total{allowed="false",result="decided",dry_run="false"}'), 1);
  assert.is(value('dfw_admissions_total{allowed="false",result="failed_closed",dry_run="false"}'), 1);
  assert.is(value('dfw_check_duration_seconds_count{via="api"}'), 5);
  assert.ok(value('dfw_evaluation_duration_seconds_count') >= 5);
  assert.is([...after.entries()].filter(([k]) => k.startsWith('dfw_check_errors_total{via="api"')).reduce((n, [, v]) => n + v, 0), 1);
  assert.ok(after.has('process_cpu_seconds_total'), 'the default process metrics are there');

  // The admission listener serves the same figures: in the cluster the API stays on loopback.
  const scraped = await httpsText(`${ctx.server.admissionUrl}/metrics`, ctx.ca);
  assert.is(scraped.status, 200);
  assert.is(samples(scraped.body).get('dfw_decisions_total{via="api",environment="production",allow="true",dry_run="false"}'), 1);
});

metrics.run();
