// The edge runtime in a real browser: src/edge-runtime bundled by scripts/build-edge.ts,
// loaded in Debian's headless Chromium under a strict Content-Security-Policy, verifies a
// bundle signed by the real opa, and decides every example exactly as Node does. Also: the
// import graph it bundles has no Node builtin, and a tampered bundle is never run.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import ts from 'typescript';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildEdge, type BuildEdgeResult } from '../scripts/build-edge.js';
import { createCheckService } from '../src/decide/index.js';
import { httpErrorOf } from '../src/api/error-table.js';
import { parseCheckRequest, CheckRequestError } from '../src/collect/check-request.js';
import { ActivePolicy, createEvaluator, loadBundle, type Decision } from '../src/engine/index.js';
import { buildBundle, OTHER_PUB, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';
import { fileName, tamperBundle } from './helpers/tamper.js';

const CHROMIUM = process.env.DFW_CHROMIUM ?? '/usr/bin/chromium';
const REVISION = 'edge-runtime-test';
const NEXT_REVISION = 'edge-runtime-test-2';
/** The request time on both sides, so evaluated_at and every time-based rule agree. */
const FIXED_TIME = '2026-11-28T14:00:00.000Z';
/**
 * No 'unsafe-eval': nothing in the bundle may compile code from strings (Ajv's schemas are
 * precompiled by the build). 'wasm-unsafe-eval' is what compiling policy.wasm needs.
 */
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

interface Served {
  type: string;
  body: Buffer;
}

interface Ctx {
  dir: string;
  browserBuild: BuildEdgeResult;
  workerBuild: BuildEdgeResult;
  /** The browser entry with Ajv compiling at start-up, to show the page's CSP has teeth. */
  runtimeSchemasBuild: BuildEdgeResult;
  signedPath: string;
  /** The same rules at another revision, for reloads. */
  nextPath: string;
  tamperedPath: string;
  publicKeyPem: string;
  server: Server;
  origin: string;
  /** What /bundles/current.tar.gz serves; tests switch it to publish a new bundle. */
  current: { body: Buffer };
  /** How often each path was asked for. */
  hits: Map<string, number>;
  browser: Browser;
  page: Page;
  /** Console lines of the page, to spot CSP violations. */
  consoleLines: string[];
  examples: Map<string, Record<string, unknown>>;
  /** Why setting up failed (a build error names the import esbuild could not bundle). */
  setupError?: Error;
}

type Answer = { status: number; body: Record<string, unknown> };

const edge = suite<Ctx>('edge-runtime');

/** uvu reports an error thrown by `before` without its message: each test rethrows it instead. */
function setUp(ctx: Ctx): Ctx {
  if (ctx.setupError) throw ctx.setupError;
  return ctx;
}

edge.before(async (ctx) => {
  try {
    await setUpBrowser(ctx);
  } catch (err) {
    ctx.setupError = err as Error;
  }
});

async function setUpBrowser(ctx: Ctx): Promise<void> {
  ctx.dir = await mkdtemp(join(tmpdir(), 'dfw-edge-'));
  ctx.examples = readExamples();
  ctx.publicKeyPem = readFileSync(SIGNING_PUB, 'utf8');
  ctx.signedPath = buildBundle({ revision: REVISION, signingKey: SIGNING_KEY });
  ctx.nextPath = buildBundle({ revision: NEXT_REVISION, signingKey: SIGNING_KEY });
  // An attacker relaxes enforcement: no severity blocks anywhere any more.
  ctx.tamperedPath = await tamperBundle(readFileSync(ctx.signedPath), join(ctx.dir, 'tampered.tar.gz'), (files) => {
    const name = fileName(files, 'data.json');
    const data = JSON.parse(new TextDecoder().decode(files.get(name)!));
    for (const env of Object.values(data.firewall.config.environments as Record<string, { blocking?: string[] }>)) env.blocking = [];
    files.set(name, new TextEncoder().encode(JSON.stringify(data)));
  });
  ctx.browserBuild = await buildEdge({ target: 'browser', outfile: join(ctx.dir, 'dfw-edge.js') });
  ctx.workerBuild = await buildEdge({ target: 'worker', outfile: join(ctx.dir, 'dfw-edge-worker.js') });
  ctx.runtimeSchemasBuild = await buildEdge({ target: 'browser', outfile: join(ctx.dir, 'runtime-schemas.js'), precompileSchemas: false });

  const files = new Map<string, Served>([
    ['/', { type: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><meta charset="utf-8"><title>dfw edge</title>') }],
    ['/dfw-edge.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(ctx.browserBuild.outfile) }],
    ['/dfw-edge-worker.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(ctx.workerBuild.outfile) }],
    ['/runtime-schemas.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(ctx.runtimeSchemasBuild.outfile) }],
    ['/bundles/firewall.tar.gz', { type: 'application/gzip', body: readFileSync(ctx.signedPath) }],
    ['/bundles/tampered.tar.gz', { type: 'application/gzip', body: readFileSync(ctx.tamperedPath) }],
  ]);
  ctx.hits = new Map();
  ctx.current = { body: readFileSync(ctx.signedPath) };
  ctx.server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    ctx.hits.set(path, (ctx.hits.get(path) ?? 0) + 1);
    const file = path === '/bundles/current.tar.gz' ? { type: 'application/gzip', body: ctx.current.body } : files.get(path);
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.byteLength, 'content-security-policy': CSP, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((done) => ctx.server.listen(0, '127.0.0.1', done));
  ctx.origin = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}`;

  ctx.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  ctx.page = await ctx.browser.newPage();
  // tsx compiles this file with esbuild's keepNames, so functions handed to page.evaluate
  // call its __name helper: give the page a harmless one.
  await ctx.page.addInitScript('globalThis.__name = (fn) => fn;');
  ctx.consoleLines = [];
  ctx.page.on('console', (m) => ctx.consoleLines.push(`${m.type()}: ${m.text()}`));
  ctx.page.on('pageerror', (e) => ctx.consoleLines.push(`pageerror: ${e.message}`));
  await ctx.page.goto(`${ctx.origin}/`);
}

edge.after(async (ctx) => {
  await ctx.browser?.close();
  await new Promise<void>((done) => (ctx.server ? ctx.server.close(() => done()) : done()));
  if (ctx.dir) await rm(ctx.dir, { recursive: true, force: true });
});

/** Creates a handler in the page under `window.__dfw[name]`; resolves with ready()'s outcome. */
function createInPage(page: Page, name: string, args: { bundleUrl: string; publicKeyPem: string; fixedTime: string }) {
  return page.evaluate(
    async ({ name, bundleUrl, publicKeyPem, fixedTime }) => {
      const edgeModule = await import('/dfw-edge.js' as string);
      const w = window as unknown as { __dfw?: Record<string, unknown> };
      const handler = edgeModule.createEdgeHandler({ bundle: { url: bundleUrl }, publicKeyPem, clock: () => new Date(fixedTime) });
      (w.__dfw ??= {})[name] = handler;
      try {
        return { ok: true as const, status: await handler.ready() };
      } catch (err) {
        const e = err as { name?: string; code?: string; message?: string };
        return { ok: false as const, error: { name: e.name, code: e.code, message: e.message } };
      }
    },
    { name, ...args },
  );
}

/** Sends requests to a page handler: [path, method, JSON body] each. */
function askInPage(page: Page, name: string, requests: Array<{ path: string; method?: string; body?: unknown }>): Promise<Answer[]> {
  return page.evaluate(
    async ({ name, requests }) => {
      const handler = (window as unknown as { __dfw: Record<string, { fetch(r: Request): Promise<Response> }> }).__dfw[name]!;
      const answers = [];
      for (const r of requests) {
        const init: RequestInit = { method: r.method ?? (r.body === undefined ? 'GET' : 'POST') };
        if (r.body !== undefined) {
          init.body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
          init.headers = { 'content-type': 'application/json' };
        }
        const response = await handler.fetch(new Request(`http://edge${r.path}`, init));
        answers.push({ status: response.status, body: (await response.json()) as Record<string, unknown> });
      }
      return answers;
    },
    { name, requests },
  );
}

/** What Node decides for the same request with the same bundle: the check service, as the API runs it. */
async function decideInNode(bundlePath: string, publicKeyPem: string, bodies: unknown[]): Promise<Answer[]> {
  const bundle = await loadBundle(readFileSync(bundlePath), { verification: { keys: { default: { key: publicKeyPem } } } });
  const policy = new ActivePolicy();
  policy.activate(await createEvaluator(bundle, { clock: () => new Date(FIXED_TIME) }));
  const checks = createCheckService(policy);
  const answers: Answer[] = [];
  for (const body of bodies) {
    try {
      const { decision } = await checks.check(parseCheckRequest(body), { via: 'api' });
      answers.push({ status: 200, body: decision as unknown as Record<string, unknown> });
    } catch (err) {
      if (!(err instanceof CheckRequestError)) throw err;
      // As the API's one error table answers it.
      const { status, body } = httpErrorOf(err);
      answers.push({ status, body: body as unknown as Record<string, unknown> });
    }
  }
  return answers;
}

/** Everything but what legitimately differs per evaluation. */
function comparable(decision: Record<string, unknown>): Record<string, unknown> {
  const { decision_id: _id, timing_ms: _timing, ...rest } = decision;
  return rest;
}

// ---- the import graph ---------------------------------------------------------------

const EDGE_DIR = join(ROOT, 'src', 'edge-runtime');
const NODE_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename', 'global', 'setImmediate', 'module', 'exports']);

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0]!);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every .ts file reachable from src/edge-runtime through relative imports, with its imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const queue = (readdirSync(EDGE_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(EDGE_DIR, f));
  while (queue.length) {
    const file = queue.shift()!;
    if (graph.has(file)) continue;
    const specifiers = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    graph.set(file, specifiers);
    for (const s of specifiers) {
      if (!s.startsWith('.')) continue;
      const target = resolve(dirname(file), s);
      if (target.endsWith('.js')) queue.push(target.replace(/\.js$/, '.ts'));
    }
  }
  return graph;
}

/** Identifiers that read a Node global (not property names such as `x.process`). */
function nodeGlobalsUsedIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const p = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(p) && p.name === node) ||
        ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p)) && p.name === node) ||
        (ts.isVariableDeclaration(p) && p.name === node) ||
        (ts.isParameter(p) && p.name === node) ||
        ts.isImportSpecifier(p) ||
        ts.isBindingElement(p);
      if (!isName) found.push(`${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

edge('the edge runtime reaches the API, the check request, schema validation and the engine, and none of them imports a Node builtin', () => {
  const graph = importGraph();
  const reached = [...graph.keys()].map((f) => relative(ROOT, f));
  for (const expected of ['src/api/app.ts', 'src/decide/check-service.ts', 'src/api/routes/check.ts', 'src/collect/check-request.ts', 'src/collect/schema-validation.ts', 'src/collect/image-reference.ts', 'src/engine/evaluator.ts', 'src/engine/bundle/signature.ts']) {
    assert.ok(reached.includes(expected), `the scan reaches ${expected}`);
  }
  const offending = [...graph].flatMap(([file, specifiers]) => specifiers.filter(isNodeBuiltin).map((s) => `${relative(ROOT, file)} imports ${s}`));
  assert.equal(offending, [], offending.join('\n'));
  const globals = [...graph.keys()].flatMap(nodeGlobalsUsedIn);
  assert.equal(globals, [], globals.join('\n'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const packages = [...new Set([...graph.values()].flat().filter((s) => !s.startsWith('.') && !isNodeBuiltin(s)).map(packageName))].sort();
  const undeclared = packages.filter((p) => !pkg.dependencies[p]);
  assert.equal(undeclared, [], `imported but not runtime dependencies: ${undeclared.join(', ')}`);
});

edge('esbuild bundles both entries for the browser platform with no Node module and no Ajv compiler inside', (ctx) => {
  const { browserBuild, workerBuild } = setUp(ctx);
  for (const built of [browserBuild, workerBuild]) {
    assert.ok(built.bytes > 0, `${built.outfile} was written`);
    const nodeInputs = built.inputs.filter((i) => i.startsWith('node:') || isNodeBuiltin(i));
    assert.equal(nodeInputs, []);
    // The schemas are precompiled: Ajv's compiler (which calls new Function) is left out.
    assert.equal(built.inputs.filter((i) => i.includes('node_modules/ajv/dist/compile/index.js') || i.includes('node_modules/ajv/dist/core.js')), []);
    const code = readFileSync(built.outfile, 'utf8');
    assert.not.match(code, /\bnew Function\s*\(/);
  }
  assert.match(readFileSync(workerBuild.outfile, 'utf8'), /export\s*\{[^}]*\bdefault\b/);
});

// ---- in Chromium ---------------------------------------------------------------------

edge('in Chromium the handler downloads and verifies the signed bundle, then reports ready', async (ctx) => {
  const { page, origin, publicKeyPem } = setUp(ctx);
  const outcome = await createInPage(page, 'signed', { bundleUrl: `${origin}/bundles/firewall.tar.gz`, publicKeyPem, fixedTime: FIXED_TIME });
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.is(outcome.ok && outcome.status.revision, REVISION);
  const [health, ready] = await askInPage(page, 'signed', [{ path: '/healthz' }, { path: '/readyz' }]);
  assert.equal(health, { status: 200, body: { status: 'ok' } });
  assert.is(ready!.status, 200);
  assert.is(ready!.body.status, 'ready');
  assert.is(ready!.body.revision, REVISION);
});

edge('every example is decided in Chromium exactly as Node decides it with the same bundle', async (ctx) => {
  const { page, examples, signedPath, publicKeyPem, hits } = setUp(ctx);
  const names = [...examples.keys()];
  const bodies = [...examples.values()];
  const inBrowser = await askInPage(page, 'signed', bodies.map((body) => ({ path: '/v1/check', body })));
  const inNode = await decideInNode(signedPath, publicKeyPem, bodies);
  names.forEach((name, i) => {
    const b = inBrowser[i]!;
    const n = inNode[i]!;
    assert.is(b.status, 200, `${name}: ${JSON.stringify(b.body)}`);
    const decision = b.body as unknown as Decision;
    assert.equal(comparable(b.body), comparable(n.body), `${name}: the browser and Node disagree`);
    assert.is(decision.evaluated_at, FIXED_TIME, `${name}: the injected clock is the request time`);
    const seen = [...Object.values(decision.deny), ...Object.values(decision.warn)].flat().map((v) => v.rule);
    if (name.endsWith('.allow.json')) assert.ok(decision.allow && seen.length === 0, `${name}: allowed with no violation`);
    else assert.ok(seen.includes(/^(dfw-[a-z]+-\d{3})/.exec(name)![1]!.toUpperCase()), `${name}: names the rule it violates`);
    assert.match(decision.decision_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });
  const outcomes = inBrowser.map((a) => (a.body as unknown as Decision).allow);
  assert.ok(outcomes.includes(true) && outcomes.includes(false), 'the examples cover allow and deny');
  assert.is(hits.get('/bundles/firewall.tar.gz'), 1, 'the bundle is downloaded once, not per request');
});

edge('malformed check requests get the same 400 in Chromium as in Node (the precompiled schemas match)', async (ctx) => {
  const { page, examples, signedPath, publicKeyPem } = setUp(ctx);
  const compliant = examples.get('compliant.allow.json')!;
  const bodies: unknown[] = [
    {},
    { ...compliant, application: 42, environment: '' },
    { ...compliant, artifact: { image: 'registry.example.com/Payments/API:1.5.0' } },
    { ...compliant, artifact: { image: `registry.example.com/payments/api@sha256:${'a'.repeat(64)}`, digest: `sha256:${'b'.repeat(64)}` } },
    { ...compliant, evidence: { branch_protection: { protected: 'yes' }, vulnerabilities: { findings: [{ id: 'CVE-1', severity: 'urgent' }] } } },
    { ...compliant, source: { ...(compliant.source as object), commit: 'not-a-sha' } },
  ];
  const inBrowser = await askInPage(page, 'signed', bodies.map((body) => ({ path: '/v1/check', body })));
  const inNode = await decideInNode(signedPath, publicKeyPem, bodies);
  bodies.forEach((body, i) => {
    assert.is(inNode[i]!.status, 400, `Node refuses ${JSON.stringify(body).slice(0, 80)}`);
    assert.equal(inBrowser[i], inNode[i], `request ${i}`);
  });
  const [badJson, wrongType] = await askInPage(page, 'signed', [
    { path: '/v1/check', body: '{"application":' },
    { path: '/v1/check', method: 'POST', body: undefined },
  ]);
  assert.is(badJson!.status, 400);
  assert.is((badJson!.body.error as { code: string }).code, 'invalid_json');
  assert.is(wrongType!.status, 415);
});

edge('a tampered bundle is refused in Chromium with the signature error, and every check then answers 503, never an allow', async (ctx) => {
  const { page, origin, publicKeyPem, examples } = setUp(ctx);
  const outcome = await createInPage(page, 'tampered', { bundleUrl: `${origin}/bundles/tampered.tar.gz`, publicKeyPem, fixedTime: FIXED_TIME });
  assert.not.ok(outcome.ok, 'the tampered bundle must not become ready');
  const error = outcome.ok ? undefined : outcome.error;
  assert.is(error?.name, 'SignatureError');
  assert.is(error?.code, 'bundle_digest_mismatch');
  assert.match(error?.message ?? '', /data\.json: digest mismatch .* the file was changed after signing/);
  const answers = await askInPage(page, 'tampered', [...examples.values()].map((body) => ({ path: '/v1/check', body })));
  for (const a of answers) {
    assert.is(a.status, 503);
    assert.not.ok('allow' in a.body);
    const e = a.body.error as { code: string; message: string };
    assert.is(e.code, 'no_bundle');
    assert.match(e.message, 'digest mismatch');
  }
  const [ready] = await askInPage(page, 'tampered', [{ path: '/readyz' }]);
  assert.is(ready!.status, 503);
  assert.is(ready!.body.revision, null);
  assert.match(String(ready!.body.last_error), /tampered\.tar\.gz refused: data\.json: digest mismatch/);
});

edge('reload() in Chromium activates a newly published revision, and refuses a tampered one while the last good one keeps deciding', async (ctx) => {
  const { page, origin, publicKeyPem, examples, current, signedPath, nextPath, tamperedPath } = setUp(ctx);
  current.body = readFileSync(signedPath);
  const outcome = await createInPage(page, 'reloading', { bundleUrl: `${origin}/bundles/current.tar.gz`, publicKeyPem, fixedTime: FIXED_TIME });
  assert.is(outcome.ok && outcome.status.revision, REVISION);
  const reload = () =>
    page.evaluate(async () => {
      const handler = (window as unknown as { __dfw: Record<string, { reload(): Promise<{ revision: string }>; status(): { revision: string; last_error: string | null } }> }).__dfw.reloading!;
      try {
        await handler.reload();
        return { refused: null, status: handler.status() };
      } catch (err) {
        return { refused: `${(err as Error).name}: ${(err as Error).message}`, status: handler.status() };
      }
    });
  const denied = examples.get('dfw-vuln-001-critical-cves.deny.json')!;

  current.body = readFileSync(nextPath);
  const next = await reload();
  assert.is(next.refused, null);
  assert.is(next.status.revision, NEXT_REVISION);
  const [afterNext] = await askInPage(page, 'reloading', [{ path: '/v1/check', body: denied }]);
  assert.equal((afterNext!.body as unknown as Decision).bundle.revision, NEXT_REVISION);

  current.body = readFileSync(tamperedPath);
  const tampered = await reload();
  assert.match(tampered.refused ?? '', /^SignatureError: data\.json: digest mismatch/);
  assert.is(tampered.status.revision, NEXT_REVISION, 'the last good bundle stays active');
  assert.match(tampered.status.last_error ?? '', 'digest mismatch');
  const [afterTampered] = await askInPage(page, 'reloading', [{ path: '/v1/check', body: denied }]);
  assert.is(afterTampered!.status, 200);
  const decision = afterTampered!.body as unknown as Decision;
  assert.is(decision.bundle.revision, NEXT_REVISION);
  assert.is(decision.allow, false, 'the tampered bundle (nothing blocks) never decided');
});

edge('a bundle that cannot be downloaded is refused, and checks answer 503', async (ctx) => {
  const { page, origin, publicKeyPem, examples } = setUp(ctx);
  const outcome = await createInPage(page, 'missing', { bundleUrl: `${origin}/bundles/nothing-here.tar.gz`, publicKeyPem, fixedTime: FIXED_TIME });
  assert.not.ok(outcome.ok);
  assert.is(!outcome.ok && outcome.error.code, 'bundle_fetch_failed');
  assert.match(!outcome.ok ? outcome.error.message! : '', 'answered 404');
  const [answer] = await askInPage(page, 'missing', [{ path: '/v1/check', body: examples.get('compliant.allow.json') }]);
  assert.is(answer!.status, 503);
});

edge('the Worker entry (export default { fetch }) serves checks from its environment settings in Chromium', async (ctx) => {
  const { page, origin, publicKeyPem, examples, signedPath } = setUp(ctx);
  const otherPem = readFileSync(OTHER_PUB, 'utf8');
  const compliant = examples.get('compliant.allow.json')!;
  const denied = examples.get('dfw-vuln-001-critical-cves.deny.json')!;
  const token = 'edge-test-token';
  const sha256 = createHash('sha256').update(token).digest('hex');
  const answers = await page.evaluate(
    async ({ origin, publicKeyPem, otherPem, compliant, denied, token, sha256 }) => {
      const worker = (await import('/dfw-edge-worker.js' as string)).default as { fetch(r: Request, env?: unknown): Promise<Response> };
      const base = { DFW_BUNDLE_URL: `${origin}/bundles/firewall.tar.gz`, DFW_BUNDLE_PUBLIC_KEY: publicKeyPem, DFW_LOG_LEVEL: 'warn' };
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        new Request('https://edge.example/v1/check', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
      const answer = async (r: Promise<Response>) => {
        const res = await r;
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const withTokens = { ...base, DFW_TOKENS: JSON.stringify([{ name: 'cd', sha256, roles: ['check'] }]), UNRELATED_BINDING: { kv: true } };
      return {
        misconfigured: await answer(worker.fetch(post(compliant), base)),
        health: await answer(worker.fetch(new Request('https://edge.example/healthz'), base)),
        noToken: await answer(worker.fetch(post(compliant), withTokens)),
        allowed: await answer(worker.fetch(post(compliant, { authorization: `Bearer ${token}` }), withTokens)),
        denied: await answer(worker.fetch(post(denied, { authorization: `Bearer ${token}` }), withTokens)),
        anonymous: await answer(worker.fetch(post(compliant), { ...base, DFW_ALLOW_ANONYMOUS: 'true' })),
        // Mid-rotation: the configured key is the next one, the bundle is still signed by "default".
        rotating: await answer(
          worker.fetch(post(compliant), {
            ...base,
            DFW_BUNDLE_PUBLIC_KEY: otherPem,
            DFW_BUNDLE_KEY_ID: 'next',
            DFW_BUNDLE_KEYS: JSON.stringify({ default: { key: publicKeyPem } }),
            DFW_ALLOW_ANONYMOUS: 'true',
          }),
        ),
        wrongKey: await answer(worker.fetch(post(compliant), { ...base, DFW_BUNDLE_PUBLIC_KEY: otherPem, DFW_ALLOW_ANONYMOUS: 'true', DFW_LOG_LEVEL: 'error' })),
      };
    },
    { origin, publicKeyPem, otherPem, compliant, denied, token, sha256 },
  );
  assert.is(answers.misconfigured.status, 500);
  assert.is((answers.misconfigured.body.error as { code: string }).code, 'edge_misconfigured');
  assert.match((answers.misconfigured.body.error as { message: string }).message, 'DFW_TOKENS');
  assert.equal(answers.health, { status: 200, body: { status: 'ok' } });
  assert.is(answers.noToken.status, 401);
  assert.is(answers.allowed.status, 200);
  assert.is(answers.anonymous.status, 200);
  assert.is(answers.rotating.status, 200);
  assert.is(answers.rotating.body.allow, true);
  assert.is(answers.wrongKey.status, 503, 'signed by a key the Worker does not trust: never decided');
  assert.match((answers.wrongKey.body.error as { message: string }).message, 'does not verify');
  const [nodeAllowed, nodeDenied] = await decideInNode(signedPath, publicKeyPem, [compliant, denied]);
  // The Worker runs on the real clock: compare all but the time.
  const timeless = (d: Record<string, unknown>) => {
    const { evaluated_at: _at, ...rest } = comparable(d);
    return rest;
  };
  assert.equal(timeless(answers.allowed.body), timeless(nodeAllowed!.body));
  assert.equal(timeless(answers.denied.body), timeless(nodeDenied!.body));
  assert.is(answers.denied.body.allow, false);
});

edge('the page CSP has teeth: a build whose Ajv compiles schemas at start-up cannot even load under it', async (ctx) => {
  const { browser, origin } = setUp(ctx);
  // A page of its own, so the violation stays out of the main page's console.
  const page = await browser.newPage();
  try {
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    await page.goto(`${origin}/`);
    const loaded = await page.evaluate(async () => {
      try {
        await import('/runtime-schemas.js' as string);
        return 'loaded';
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    });
    assert.match(loaded, /^EvalError: .*unsafe-eval/);
  } finally {
    await page.close();
  }
});

edge('nothing in the page tripped the Content-Security-Policy (no eval, no new Function)', (ctx) => {
  const { consoleLines } = setUp(ctx);
  const violations = consoleLines.filter((l) => /Content Security Policy|unsafe-eval|EvalError/i.test(l));
  assert.equal(violations, [], violations.join('\n'));
});

edge.run();
