// GET /openapi.json (issue 19, item 11): the document validates as OpenAPI 3.1 (with
// @readme/openapi-parser), names every /v1 route the app mounts, and each documented example
// request, sent to a real dfw server, gets an answer whose status and body the document
// describes (Ajv 2020 against the response schema).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { compileErrors, validate } from '@readme/openapi-parser';
import { createApp } from '../src/api/index.js';
import { loadConfig } from '../src/config/load.js';
import { ActivePolicy } from '../src/engine/index.js';
import { openBundleSource } from '../src/host/bundle-source.js';
import { createMetrics } from '../src/host/metrics.js';
import { startServer, type RunningServer } from '../src/host/server.js';
import { createLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import { buildBundle, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';

type Json = Record<string, any>;
interface Ctx {
  dir: string;
  signed: string;
  server: RunningServer;
  doc: Json;
}

const openapi = suite<Ctx>('openapi');
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

openapi.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-openapi-'));
  ctx.signed = buildBundle({ revision: 'openapi-test', signingKey: SIGNING_KEY });
  const file = join(ctx.dir, 'dfw.yaml');
  writeFileSync(file, `server: { port: 0 }\nbundle: { path: ${ctx.signed}, public_key: ${SIGNING_PUB} }\nstore: { url: "sqlite:${join(ctx.dir, 'dfw.db')}" }\npublish: { dir: ${join(ctx.dir, 'published')} }\nlog: { level: error }\n`);
  ctx.server = await startServer(loadConfig(file), createLogger('error'));
  ctx.doc = (await (await fetch(`${ctx.server.url}/openapi.json`)).json()) as Json;
});

openapi.after(async ({ server }) => {
  await server?.close();
});

openapi('GET /openapi.json is a valid OpenAPI 3.1 document', async ({ doc }) => {
  assert.is(doc.openapi, '3.1.0');
  const result = await validate(structuredClone(doc) as never);
  assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  assert.is(result.specification, 'OpenAPI');
});

openapi('the check request schema in the document is docs/check-request.schema.json', ({ doc }) => {
  const published = JSON.parse(readFileSync(new URL('../docs/check-request.schema.json', import.meta.url), 'utf8'));
  const embedded = doc.components.schemas.CheckRequest;
  assert.equal(Object.keys(embedded.properties), Object.keys(published.properties));
  assert.equal(embedded.required, published.required);
  assert.equal(embedded.properties.source, published.properties.source);
});

openapi('every /v1 route the app mounts is in the document', async ({ doc, dir }) => {
  // The app with everything mounted that a central dfw serve mounts under /v1.
  const config = loadConfig(join(dir, 'dfw.yaml'));
  const policy = new ActivePolicy();
  const logger = createLogger('error');
  const source = await openBundleSource(config.bundle, { ...config.publish, dir: join(dir, 'routes-published') }, policy, logger);
  const store = await openStore('sqlite::memory:');
  try {
    const app = createApp({ policy, logger, store, bundles: source.publisher!, metrics: createMetrics(policy) });
    const mounted = app.routes
      .filter((r) => r.path.startsWith('/v1/') && (METHODS as readonly string[]).includes(r.method.toLowerCase()))
      .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    assert.ok(mounted.length >= 15, `${mounted.length} routes`);
    const documented = new Set(Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
    const missing = [...new Set(mounted)].filter((r) => !documented.has(r));
    assert.equal(missing, [], `routes missing from the OpenAPI document: ${missing.join(', ')}`);
  } finally {
    await source.close();
    await store.close();
  }
});

/** Where a path parameter's value comes from: an earlier answer, else the parameter's example. */
function fillPath(path: string, operation: Json, state: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const fromState = state[`${path.split('/')[2]}.${name}`];
    const example = (operation.parameters ?? []).find((p: Json) => p.in === 'path' && p.name === name)?.example;
    return encodeURIComponent(fromState ?? example ?? 'unknown');
  });
}

/** The documented example body, with times moved to "14 days from now" so a fixed date never expires the example. */
function exampleBody(operation: Json): { body: BodyInit; type: string } | undefined {
  const content = operation.requestBody?.content as Json | undefined;
  if (!content) return undefined;
  const [type, media] = Object.entries(content)[0]!;
  if (type === 'application/json') {
    if (media.example === undefined) return { body: '{}', type };
    const inTwoWeeks = new Date(Date.now() + 14 * 86_400_000).toISOString();
    const example = JSON.parse(JSON.stringify(media.example), (key, value) => (key === 'expires_at' ? inTwoWeeks : value));
    return { body: JSON.stringify(example), type };
  }
  return undefined;
}

openapi('each documented example request, sent to a real server, gets an answer the document describes', async ({ doc, server, signed }) => {
  const ajv = new Ajv2020Import.default({ strict: false, allErrors: true });
  addFormatsImport.default(ajv);
  ajv.addSchema(doc, 'openapi.json');
  // Creating before reading, and deleting last; anything not listed runs after, in document order.
  const order = ['publishBundle', 'check', 'pushEvidence', 'createWaiver', 'requestWaiver', 'approveWaiverRequest', 'rejectWaiverRequest'];
  const operations = Object.entries(doc.paths as Json)
    .flatMap(([path, item]) => Object.entries(item as Json).map(([method, operation]) => ({ path, method, operation: operation as Json })))
    .sort((a, b) => {
      const rank = (o: { method: string; operation: Json }) => (o.method === 'delete' ? 1000 : order.includes(o.operation.operationId) ? order.indexOf(o.operation.operationId) : 100);
      return rank(a) - rank(b);
    });
  const state: Record<string, string> = {};
  const answered: string[] = [];
  for (const { path, method, operation } of operations) {
    let url = `${server.url}${fillPath(path, operation, state)}`;
    const queryExamples = (operation.parameters ?? []).filter((p: Json) => p.in === 'query' && p.example !== undefined);
    if (queryExamples.length) url += `?${new URLSearchParams(queryExamples.map((p: Json) => [p.name, String(p.example)]))}`;
    const init: RequestInit = { method: method.toUpperCase() };
    const example = exampleBody(operation);
    if (example) init.body = example.body;
    if (operation.operationId === 'publishBundle') init.body = new Uint8Array(readFileSync(signed));
    if (init.body) init.headers = { 'content-type': example?.type ?? 'application/gzip' };

    const response = await fetch(url, init);
    const label = `${method.toUpperCase()} ${path} -> ${response.status}`;
    const documented = operation.responses[String(response.status)];
    assert.ok(documented, `${label} is not a documented answer`);
    answered.push(label);
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const body = await response.arrayBuffer();
    if (!documented.content) continue;
    assert.ok(documented.content[type], `${label}: content type ${type} is not documented`);
    if (!type.endsWith('json')) continue;
    const parsed = JSON.parse(new TextDecoder().decode(body));
    const validateAnswer = ajv.getSchema(`openapi.json#/${pointer('paths', path, method, 'responses', String(response.status), 'content', type, 'schema')}`)!;
    assert.ok(validateAnswer(parsed), `${label}: ${ajv.errorsText(validateAnswer.errors)}\n${JSON.stringify(parsed).slice(0, 800)}`);

    // What later requests name by id.
    if (operation.operationId === 'check') state['decisions.id'] = parsed.decision_id;
    if (operation.operationId === 'createWaiver') state['waivers.id'] = parsed.id;
    if (operation.operationId === 'requestWaiver') state['waiver-requests.id'] = parsed.id;
  }
  // The main flows answered as they should, not merely as documented.
  for (const expected of ['POST /v1/check -> 200', 'PUT /v1/bundles/{name} -> 200', 'POST /v1/waivers -> 201', 'GET /v1/decisions/{id} -> 200', 'DELETE /v1/waivers/{id} -> 200', 'POST /v1/evidence -> 201', 'GET /readyz -> 200']) {
    assert.ok(answered.includes(expected), `${expected}; answered: ${answered.join(', ')}`);
  }
});

openapi.run();
