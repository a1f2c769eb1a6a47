// The strict JSON reader (src/api/strict-json.ts) and every entry that uses it: bodies that
// JSON.parse accepts but that mean two things (duplicate keys, lone surrogates, 1e400),
// bytes that are not UTF-8, a BOM, charsets and media types that are not JSON, and nesting
// that used to overflow the evaluator's stack (a 500) — each a 400 or 415 that says why.
// A client that goes away mid-body is a debug line and a counter, not a logged error.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { handleError } from '../src/api/error-table.js';
import { MAX_JSON_DEPTH, parseStrictJson } from '../src/api/strict-json.js';
import { createCheckService } from '../src/decide/index.js';
import { ActivePolicy, type Decision, type Evaluator } from '../src/engine/index.js';
import { createMetrics } from '../src/host/metrics.js';
import { githubProtectionRoutes } from '../src/integrations/github/index.js';
import { admissionRoutes, createEnvironmentMapper } from '../src/integrations/kubernetes/index.js';
import { DfwError } from '../src/shared/errors.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { loadTestEvaluator, readExamples } from './helpers/bundle.js';
import { deliver, protectionRulePayload } from './helpers/github-delivery.js';
import { readReview } from './helpers/k8s-admission.js';
import { runDfwAsync } from './helpers/edge-servers.js';

interface Ctx {
  evaluator: Evaluator;
  compliant: Record<string, unknown>;
  dir: string;
  store: Store;
}
const strict = suite<Ctx>('strict-json');

strict.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'strict-json-test' });
  ctx.compliant = readExamples().get('compliant.allow.json')!;
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-strict-json-'));
  ctx.store = await openStore(`sqlite:${join(ctx.dir, 'dfw.db')}`);
});
strict.after(async (ctx) => {
  await ctx.store.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function appOf(ctx: Ctx) {
  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const logger = createMemoryLogger();
  const metrics = createMetrics(policy);
  const app = createApp({ policy, logger, store: ctx.store, metrics, checks: metrics.observe(createCheckService(policy, { store: ctx.store })) });
  return { app, logger, metrics };
}

type ErrorBody = { error: { code: string; message: string; fields?: Array<{ field: string; message: string }> } };

async function post(app: Hono, path: string, body: string | Uint8Array<ArrayBuffer>, contentType = 'application/json'): Promise<{ status: number; body: ErrorBody & Partial<Decision> }> {
  const res = await app.request(path, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as ErrorBody & Partial<Decision> };
}

/** The compliant request's JSON text with `extra` spliced in as the raw text of an unknown field. */
function compliantWith(ctx: Ctx, field: string, rawValue: string): string {
  return JSON.stringify(ctx.compliant).replace(/\}$/, `,${JSON.stringify(field)}:${rawValue}}`);
}

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

strict('the reader refuses each ambiguity with a code and the field path', () => {
  const refused = (text: string) => {
    try {
      parseStrictJson(text);
    } catch (err) {
      assert.instance(err, DfwError);
      return { code: (err as DfwError).code, field: (err as DfwError).fields?.[0]?.field, message: (err as DfwError).message };
    }
    assert.unreachable(`accepted ${text.slice(0, 60)}`);
    return undefined as never;
  };
  assert.equal(refused('{"evidence":{"branch_protection":{"protected":false,"protected":true}}}').field, 'evidence.branch_protection.protected');
  assert.is(refused('{"a":1,"\\u0061":2}').code, 'json_duplicate_key');
  assert.is(refused('{"application":"\\ud800pay"}').field, 'application');
  assert.is(refused('{"application":"\\ud800pay"}').code, 'json_lone_surrogate');
  assert.is(refused('{"a":"\\udc00"}').code, 'json_lone_surrogate');
  assert.is(refused('{"a":"x\ud800y"}').code, 'json_lone_surrogate');
  assert.equal(refused('{"n":[1,1e400]}'), { code: 'json_number_out_of_range', field: 'n[1]', message: refused('{"n":[1,1e400]}').message });
  assert.is(refused('{"n":-1e309}').code, 'json_number_out_of_range');
  assert.is(refused('\ufeff{}').code, 'json_bom');
  assert.is(refused('{"a":1,}').code, 'invalid_json');
  assert.is(refused('{"a":01}').code, 'invalid_json');
  assert.is(refused('').code, 'invalid_json');
  const deep = refused(`{"x":${nestedArrays(10_000)}}`);
  assert.is(deep.code, 'json_too_deep');
  assert.match(deep.message, `deeper than ${MAX_JSON_DEPTH} levels`);
  assert.match(deep.field!, /^x\[0\]\[0\]/);
  // Accepted: a valid pair, escapes, exact limit, numbers a double holds.
  assert.equal(parseStrictJson('{"s":"\\ud83d\\ude00 \ud83d\ude00","n":1e308,"t":[true,false,null],"e":{}}'), { s: '😀 😀', n: 1e308, t: [true, false, null], e: {} });
  assert.equal(parseStrictJson(nestedArrays(MAX_JSON_DEPTH)), JSON.parse(nestedArrays(MAX_JSON_DEPTH)));
  assert.is(refused(nestedArrays(MAX_JSON_DEPTH + 1)).code, 'json_too_deep');
});

strict('deep nesting in a check request is a 400 naming the field and the limit, not a 500', async (ctx) => {
  const { app, logger, metrics } = appOf(ctx);
  for (const raw of [nestedArrays(10_000), nestedObjects(10_000)]) {
    const res = await post(app, '/v1/check', compliantWith(ctx, 'extra_field', raw));
    assert.is(res.status, 400, res.body.error?.message);
    assert.is(res.body.error.code, 'json_too_deep');
    assert.match(res.body.error.fields![0]!.field, /^extra_field/);
    assert.match(res.body.error.message, String(MAX_JSON_DEPTH));
  }
  assert.not.match(await metrics.render(), /dfw_check_errors_total\{/);
  assert.equal(logger.lines.filter((l) => l.level === 'error'), []);
});

strict('ambiguous check requests are refused with 400 or 415 that say why', async (ctx) => {
  const { app } = appOf(ctx);
  const compliant = JSON.stringify(ctx.compliant);
  const denyOnly = JSON.stringify({ ...ctx.compliant, evidence: { ...(ctx.compliant.evidence as object), branch_protection: { protected: false } } });
  const duplicate = denyOnly.replace('"protected":false', '"protected":false,"protected":true');
  const cases: Array<[string, string | Uint8Array<ArrayBuffer>, string, number, string]> = [
    ['lone surrogate', compliant.replace('"application":"payments"', '"application":"\\ud800pay"'), 'application/json', 400, 'json_lone_surrogate'],
    ['invalid UTF-8', new Uint8Array([...new TextEncoder().encode(compliant.slice(0, -1)), ...new TextEncoder().encode(',"x":"'), 0xc3, 0x28, 0x22, 0x7d]), 'application/json', 400, 'invalid_utf8'],
    ['1e400', compliantWith(ctx, 'n', '1e400'), 'application/json', 400, 'json_number_out_of_range'],
    ['duplicate key', duplicate, 'application/json', 400, 'json_duplicate_key'],
    ['utf-16', compliant, 'application/json; charset=utf-16', 415, 'unsupported_charset'],
    ['latin1', compliant, 'application/json; charset=latin1', 415, 'unsupported_charset'],
    ['vnd.api+json', compliant, 'application/vnd.api+json', 415, 'unsupported_media_type'],
    ['x-json', compliant, 'application/x-json-stream', 415, 'unsupported_media_type'],
    ['BOM', `\ufeff${compliant}`, 'application/json', 400, 'json_bom'],
  ];
  for (const [name, body, type, status, code] of cases) {
    const res = await post(app, '/v1/check', body, type);
    assert.is(res.status, status, `${name}: ${JSON.stringify(res.body).slice(0, 200)}`);
    assert.is(res.body.error.code, code, name);
    assert.ok(res.body.error.message.length > 20, name);
  }
  assert.equal(((await post(app, '/v1/check', duplicate, 'application/json')).body.error.fields ?? [])[0]?.field, 'evidence.branch_protection.protected');
  // Still accepted: UTF-8 said explicitly, any case.
  for (const type of ['application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"', 'application/json']) {
    const res = await post(app, '/v1/check', compliant, type);
    assert.is(res.status, 200, type);
    assert.type(res.body.decision_id, 'string', type);
  }
});

strict('evidence, waivers, admission and GitHub deliveries are read by the same strict reader', async (ctx) => {
  const { app } = appOf(ctx);
  const deepReport = `{"SchemaVersion":2,"Results":${nestedArrays(5_000)}}`;
  const evidence = await post(app, `/v1/evidence?kind=trivy&digest=sha256:${'a'.repeat(64)}`, deepReport);
  assert.is(evidence.status, 400);
  assert.is(evidence.body.error.code, 'json_too_deep');
  assert.match(evidence.body.error.message, /^the report was refused: Results\[0\]/);
  const dupReport = await post(app, `/v1/evidence?kind=trivy&digest=sha256:${'a'.repeat(64)}`, '{"SchemaVersion":2,"SchemaVersion":2,"Results":[]}');
  assert.is(dupReport.body.error.code, 'json_duplicate_key');
  const sarif = await post(app, `/v1/evidence?kind=sarif&digest=sha256:${'a'.repeat(64)}`, '{"version":"2.1.0","runs":[]}', 'application/sarif+json');
  assert.ok(sarif.status !== 415, JSON.stringify(sarif.body));

  const waiver = await post(app, '/v1/waivers', `{"rule":"DFW-VULN-001","reason":${nestedObjects(3_000)}}`);
  assert.is(waiver.status, 400);
  assert.is(waiver.body.error.code, 'json_too_deep');

  const policy = new ActivePolicy();
  policy.activate(ctx.evaluator);
  const logger = createMemoryLogger();
  const admission = new Hono();
  admission.onError(handleError(logger));
  admission.route('/', admissionRoutes({ checks: createCheckService(policy), logger, environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production' } }) }));
  const review = readReview('kube-review-deployment-v1-request.json');
  const deepReview = JSON.stringify(review).replace(/\}$/, `,"x":${nestedArrays(10_000)}}`);
  const admitted = await post(admission, '/k8s/admission', deepReview);
  assert.is(admitted.status, 400);
  assert.is(admitted.body.error.code, 'json_too_deep');
  const dupReview = JSON.stringify(review).replace('"uid":', '"uid":"a","uid":');
  assert.is((await post(admission, '/k8s/admission', dupReview)).body.error.code, 'json_duplicate_key');

  const github = new Hono();
  github.onError(handleError(logger));
  github.route('/', githubProtectionRoutes({ checks: createCheckService(policy), logger, webhookSecret: 'secret', app: { appId: '1', privateKeyPem: 'unused', apiBaseUrl: 'http://127.0.0.1:9' } }));
  const payload = JSON.stringify(protectionRulePayload('http://127.0.0.1:9'));
  const deep = await deliver(github, payload.replace(/\}$/, `,"x":${nestedObjects(10_000)}}`), { secret: 'secret' });
  assert.is(deep.status, 400);
  assert.is(((await deep.json()) as ErrorBody).error.code, 'json_too_deep');
  const surrogate = await deliver(github, payload.replace('"action":"requested"', '"action":"requested","x":"\\udfff"'), { secret: 'secret' });
  assert.is(((await surrogate.json()) as ErrorBody).error.code, 'json_lone_surrogate');
});

strict('dfw evidence push drops a report file\'s byte order mark, which the server refuses in a body', async (ctx) => {
  const { app } = appOf(ctx);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const report = join(ctx.dir, 'review-with-bom.json');
    writeFileSync(report, '\ufeff{"state":"approved","reviewer":"sec","completed_at":"2026-11-01T00:00:00Z"}');
    const direct = await post(app, '/v1/evidence?kind=review&repository=github.com/acme/app&commit=abcdef1', readFileSync(report, 'utf8'));
    assert.is(direct.body.error.code, 'json_bom');
    const pushed = await runDfwAsync(['evidence', 'push', '--kind', 'review', '--subject', 'github.com/acme/app@abcdef1', report, '--server', url]);
    assert.is(pushed.status, 0, pushed.stderr);
    assert.match(pushed.stdout, /^stored: report \S+ \(review\)/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

strict('a client that disconnects mid-body is logged at debug and counted, not an error', async (ctx) => {
  const { app, logger, metrics } = appOf(ctx);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    // With a declared length (the route reads the body), and twice chunked (the size limit reads
    // it first): after a whole chunk, and inside one.
    const heads = ['Content-Length: 100000\r\n\r\n{"application":"pay', 'Transfer-Encoding: chunked\r\n\r\n13\r\n{"application":"pay\r\n', 'Transfer-Encoding: chunked\r\n\r\n64\r\n{"application":"pay'];
    for (const head of heads) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${head}`);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    }
    // The server notices the reset on its next turn.
    for (let i = 0; i < 50 && !/dfw_client_aborts_total 3/.test(await metrics.render()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(await metrics.render(), /dfw_client_aborts_total 3/);
    assert.equal(logger.lines.filter((l) => l.level === 'error'), []);
    assert.is(logger.lines.filter((l) => l.level === 'debug' && l.msg === 'client aborted').length, 3);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

strict.run();
