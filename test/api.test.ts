// The HTTP API through app.request(): check, rules, health, errors and authorization.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp, type ApiToken } from '../src/api/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Decision, type Evaluator } from '../src/engine/index.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';

const api = suite<{ evaluator: Evaluator; examples: Map<string, Record<string, unknown>> }>('api');

api.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'api-test' });
  ctx.examples = readExamples();
});

/**
 * Saturday 2026-11-28 14:00 UTC, the instant the examples are written for (the differential
 * test and the benchmark use it too): inside the storefront's weekend freeze, which the
 * DFW-CHANGE-002 example needs, and with their scans fresh. The wall clock would make the
 * examples' verdicts depend on the day the tests run.
 */
const EXAMPLES_TIME = new Date('2026-11-28T14:00:00Z');

function appWith(evaluator: Evaluator | undefined, options: { tokens?: ApiToken[]; maxBodyBytes?: number; clock?: () => Date } = {}) {
  const policy = new ActivePolicy();
  if (evaluator) policy.activate(evaluator);
  const logger = createMemoryLogger();
  const { clock, ...rest } = options;
  return { app: createApp({ policy, logger, ...(clock ? { checks: createCheckService(policy, { clock }) } : {}), ...rest }), logger };
}

const postJson = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

api('POST /v1/check answers 200 with allow for a compliant request', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/check', postJson(examples.get('compliant.allow.json')));
  assert.is(res.status, 200);
  const d = (await res.json()) as Decision;
  assert.is(d.allow, true);
  assert.is(d.environment, 'production');
  assert.equal(Object.keys(d.deny).sort(), ['critical', 'high', 'low', 'medium']);
  assert.equal(d.bundle, { name: 'firewall', revision: 'api-test' });
  assert.match(d.decision_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(typeof d.timing_ms.collect === 'number' && typeof d.timing_ms.evaluate === 'number');
  assert.ok(!Number.isNaN(Date.parse(d.evaluated_at)));
});

api('POST /v1/check answers 200 with the denies under their severity for a violating request', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/check', postJson(examples.get('dfw-vuln-001-critical-cves.deny.json')));
  assert.is(res.status, 200);
  const d = (await res.json()) as Decision;
  assert.is(d.allow, false);
  assert.equal(d.deny.critical.map((v) => v.rule), ['DFW-VULN-001']);
  assert.match(d.deny.critical[0]!.message, 'CVE-2019-14697');
});

api('every example is decided as its file name says', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator, { clock: () => EXAMPLES_TIME });
  for (const [file, body] of examples) {
    const d = (await (await app.request('/v1/check', postJson(body))).json()) as Decision;
    if (file.endsWith('.allow.json')) {
      assert.is(d.allow, true, `${file} should be allowed`);
      assert.equal([...Object.values(d.deny), ...Object.values(d.warn)].flat(), [], `${file} should have no violation`);
    } else {
      const id = /^(dfw-[a-z]+-\d{3})/.exec(file)![1]!.toUpperCase();
      const seen = [...Object.values(d.deny), ...Object.values(d.warn)].flat().map((v) => v.rule);
      assert.equal([...new Set(seen)], [id], `${file} should violate exactly ${id}`);
      assert.is(d.allow, file.endsWith('.warn.json'), `${file}: a medium rule's example warns, every other denies in production`);
    }
  }
});

api('POST /v1/check with {} answers 400 naming each missing field', async ({ evaluator }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/check', postJson({}));
  assert.is(res.status, 400);
  const body = (await res.json()) as { error: { code: string; message: string; fields: Array<{ field: string }> } };
  assert.is(body.error.code, 'invalid_request');
  assert.equal(body.error.fields.map((f) => f.field).sort(), ['application', 'artifact', 'environment']);
  assert.match(body.error.message, 'application is required');
});

api('a malformed field is named with what was expected', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const bad = { ...examples.get('compliant.allow.json')!, artifact: { image: 'Registry.Example.com/UPPER:1', digest: 'md5' }, source: { commit: 42 } };
  const res = await app.request('/v1/check', postJson(bad));
  assert.is(res.status, 400);
  const { error } = (await res.json()) as { error: { fields: Array<{ field: string; message: string }> } };
  const fields = Object.fromEntries(error.fields.map((f) => [f.field, f.message]));
  assert.match(fields['artifact.digest']!, 'sha256');
  assert.match(fields['source.commit']!, 'string');
});

api('a NUL character in application, service or environment is refused with 400 naming the field', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const bad = { ...examples.get('compliant.allow.json')!, service: 'payments\u0000api' };
  const res = await app.request('/v1/check', postJson(bad));
  assert.is(res.status, 400);
  const { error } = (await res.json()) as { error: { fields: Array<{ field: string; message: string }> } };
  assert.equal(error.fields, [{ field: 'service', message: 'must not contain a NUL character (U+0000)' }]);
});

api('an image reference that cannot be parsed is refused with 400', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const bad = { ...examples.get('compliant.allow.json')!, artifact: { image: 'registry.example.com/Payments/API:1.0' } };
  const res = await app.request('/v1/check', postJson(bad));
  assert.is(res.status, 400);
  assert.match(await res.text(), 'artifact.image');
});

api('unknown fields are kept under input.request.extra and cannot inject waivers', async ({ evaluator, examples }) => {
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  const { createCheckService } = await import('../src/decide/index.js');
  const { parseCheckRequest } = await import('../src/collect/check-request.js');
  const request = parseCheckRequest({
    ...examples.get('dfw-vuln-001-critical-cves.deny.json')!,
    pipeline_run: 'https://ci.example/run/7',
    waivers: [{ id: 'w', rule: 'DFW-VULN-001', application: 'payments', environment: '*', approved_by: 'me', expires_at: '2999-01-01T00:00:00Z' }],
  });
  const { decision, input } = await createCheckService(policy).check(request, { via: 'api' });
  assert.equal(input.waivers, []);
  assert.is((input.request as { extra: Record<string, unknown> }).extra.pipeline_run, 'https://ci.example/run/7');
  assert.is(decision.allow, false);
});

api('a plain API caller cannot pass for an integration: kubernetes and github in its request are unknown fields, warned about, refused under environments.strict', async ({ evaluator, examples }) => {
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  const { createCheckService } = await import('../src/decide/index.js');
  const posing = { ...examples.get('compliant.allow.json')!, kubernetes: { uid: 'forged', dry_run: true }, github: { delivery: 'forged' } };
  const lenient = createApp({ policy, logger: createMemoryLogger(), checks: createCheckService(policy) });
  const warned = (await (await lenient.request('/v1/check', postJson(posing))).json()) as Decision & { warnings?: string[] };
  assert.equal(warned.warnings?.filter((w) => /unknown field "(kubernetes|github)"/.test(w)).length, 2, JSON.stringify(warned.warnings));
  const strict = createApp({ policy, logger: createMemoryLogger(), checks: createCheckService(policy, { strict: true }) });
  const res = await strict.request('/v1/check', postJson(posing));
  assert.is(res.status, 400);
  const { error } = (await res.json()) as { error: { code: string; fields: Array<{ field: string }> } };
  assert.is(error.code, 'request_not_strict');
  assert.equal(error.fields.map((f) => f.field).sort(), ['github', 'kubernetes']);
});

api('a body that is not JSON answers 400 and names the problem', async ({ evaluator }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/check', postJson('{"application": "payments",'));
  assert.is(res.status, 400);
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  assert.is(error.code, 'invalid_json');
  assert.match(error.message, 'not valid JSON');
});

api('a body that is not declared JSON answers 415', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/check', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(examples.get('compliant.allow.json')) });
  assert.is(res.status, 415);
});

api('a 10 MB body answers 413 and the server then still answers correctly', async ({ evaluator, examples }) => {
  const { app } = appWith(evaluator);
  const big = JSON.stringify({ ...examples.get('compliant.allow.json')!, padding: 'x'.repeat(10 * 1024 * 1024) });
  const res = await app.request('/v1/check', postJson(big));
  assert.is(res.status, 413);
  const after = await app.request('/v1/check', postJson(examples.get('compliant.allow.json')));
  assert.is(after.status, 200);
  assert.is(((await after.json()) as Decision).allow, true);
});

api('with no bundle loaded, checks answer 503 and readyz is not ready; healthz is up', async ({ examples }) => {
  const { app } = appWith(undefined);
  const res = await app.request('/v1/check', postJson(examples.get('compliant.allow.json')));
  assert.is(res.status, 503);
  assert.not.match(await res.text(), '"allow"');
  assert.is((await app.request('/readyz')).status, 503);
  assert.is((await app.request('/healthz')).status, 200);
  assert.is((await app.request('/v1/rules')).status, 503);
});

api('readyz names the active revision once a bundle is loaded', async ({ evaluator }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/readyz');
  assert.is(res.status, 200);
  assert.is(((await res.json()) as { revision: string }).revision, 'api-test');
});

api('GET /v1/rules lists the rule pack, sorted by id, with enforcement per environment', async ({ evaluator }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/rules');
  assert.is(res.status, 200);
  const body = (await res.json()) as { rules: Array<{ id: string; severity: string; remediation: string; enforcement: Record<string, { enforcement: string }> }> };
  const ids = body.rules.map((r) => r.id);
  assert.equal(ids, [...ids].sort(), 'sorted by id');
  assert.ok(ids.length >= 30, `${ids.length} rules`);
  for (const id of ['DFW-ARTIFACT-001', 'DFW-BUILD-001', 'DFW-CHANGE-001', 'DFW-CLOUD-001', 'DFW-CONTAINER-001', 'DFW-GIT-001', 'DFW-REVIEW-001', 'DFW-SCAN-001', 'DFW-VULN-001', 'DFW-WORKLOAD-001', 'DFW-SBOM-002', 'DFW-PROMOTION-001']) {
    assert.ok(ids.includes(id), `${id} is missing`);
  }
  const byId = Object.fromEntries(body.rules.map((r) => [r.id, r]));
  assert.is(byId['DFW-CHANGE-001']!.enforcement.production!.enforcement, 'deny');
  assert.is(byId['DFW-CHANGE-001']!.enforcement.staging!.enforcement, 'off');
  assert.is(byId['DFW-CLOUD-001']!.enforcement.production!.enforcement, 'warn');
  assert.is(byId['DFW-GIT-001']!.enforcement.staging!.enforcement, 'deny');
  assert.is(byId['DFW-GIT-001']!.enforcement.development!.enforcement, 'warn');
  assert.ok(body.rules.every((r) => r.remediation.length > 0));
});

api('with tokens configured: no token 401, wrong role 403, right role 200, health open', async ({ evaluator, examples }) => {
  const tokens: ApiToken[] = [
    { name: 'spinnaker', sha256: await sha256Hex('check-secret'), roles: ['check'] },
    { name: 'ci', sha256: await sha256Hex('evidence-secret'), roles: ['evidence'] },
    { name: 'security', sha256: await sha256Hex('admin-secret'), roles: ['admin'] },
  ];
  const { app } = appWith(evaluator, { tokens });
  const body = examples.get('compliant.allow.json');
  assert.is((await app.request('/v1/check', postJson(body))).status, 401);
  assert.is((await app.request('/v1/check', postJson(body, { authorization: 'Bearer nope' }))).status, 401);
  const forbidden = await app.request('/v1/check', postJson(body, { authorization: 'Bearer evidence-secret' }));
  assert.is(forbidden.status, 403);
  assert.match(await forbidden.text(), 'lacks the \\"check\\" role');
  assert.is((await app.request('/v1/check', postJson(body, { authorization: 'Bearer check-secret' }))).status, 200);
  assert.is((await app.request('/v1/check', postJson(body, { authorization: 'Bearer admin-secret' }))).status, 200);
  assert.is((await app.request('/v1/rules')).status, 401);
  assert.is((await app.request('/v1/rules', { headers: { authorization: 'Bearer evidence-secret' } })).status, 200);
  assert.is((await app.request('/healthz')).status, 200);
  assert.is((await app.request('/readyz')).status, 200);
});

api('an unexpected failure answers a JSON 500 without the stack, and logs the stack', async ({ examples }) => {
  const policy = new ActivePolicy();
  const broken = { bundle: { name: 'x', manifest: { revision: 'r' } }, entrypoint: 'e', now: () => new Date(), evaluate: () => { throw new TypeError('boom at line 7'); } };
  policy.activate(broken as unknown as Evaluator);
  const logger = createMemoryLogger();
  const app = createApp({ policy, logger });
  const res = await app.request('/v1/check', postJson(examples.get('compliant.allow.json')));
  assert.is(res.status, 500);
  const text = await res.text();
  assert.not.match(text, 'boom');
  assert.not.match(text, '"allow"');
  assert.ok(logger.lines.some((l) => String(l.stack ?? '').includes('boom at line 7')));
});

api('unknown routes answer a JSON 404', async ({ evaluator }) => {
  const { app } = appWith(evaluator);
  const res = await app.request('/v1/nothing');
  assert.is(res.status, 404);
  assert.is(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
});

api.run();
