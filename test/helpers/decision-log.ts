// Helpers for test/decision-log.test.ts: the API wired to a real store with named tokens and
// an injected clock, paging GET /v1/decisions over HTTP, varied check requests, a burst of
// checks against a real `dfw serve` that is killed with SIGKILL, and candidate bundles.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import yaml from 'js-yaml';
import * as assert from 'uvu/assert';
import { createApp, type ApiToken } from '../../src/api/index.js';
import { createCheckService } from '../../src/decide/index.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { sha256Hex } from '../../src/shared/sha256.js';
import {
  ActivePolicy,
  SEVERITIES,
  createEvaluator,
  loadBundle,
  type Decision,
  type Evaluator,
  type PolicyDecision,
  type Violation,
} from '../../src/engine/index.js';
import type { DecisionSummary, Page, Store } from '../../src/store/index.js';
import { buildBundle } from './bundle.js';
import type { ServerProcess } from './cli.js';
import { ROOT } from './opa.js';
import type { StoreLocation } from './store-backends.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The clear-text tokens of the test callers; the app only knows their SHA-256. */
export const SECRETS = {
  'security-lead': 'dfw_test_security_lead_4f7c',
  alice: 'dfw_test_alice_91ab',
  spinnaker: 'dfw_test_spinnaker_c3d2',
} as const;
export type TokenName = keyof typeof SECRETS;

/** Two admins (who may grant waivers and read the log) and a CD tool that may only check. */
export async function testTokens(): Promise<ApiToken[]> {
  return [
    { name: 'security-lead', sha256: await sha256Hex(SECRETS['security-lead']), roles: ['admin'] },
    { name: 'alice', sha256: await sha256Hex(SECRETS.alice), roles: ['admin'] },
    { name: 'spinnaker', sha256: await sha256Hex(SECRETS.spinnaker), roles: ['check'] },
  ];
}

export type CheckBody = Record<string, unknown>;

export interface HttpAnswer<T> {
  status: number;
  body: T;
}

export interface ErrorAnswer {
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }> };
}

export interface LogApi {
  app: Hono;
  call<T>(method: string, path: string, as: TokenName, body?: unknown): Promise<HttpAnswer<T>>;
  /** POST /v1/check as `as`; fails the test unless it answers 200. */
  check(request: CheckBody, as?: TokenName): Promise<Decision>;
}

/** createApp over a real store, with the request clock injected into the check service. */
export function createLogApi(options: {
  evaluator: Evaluator;
  store: Store;
  tokens: ApiToken[];
  clock?: () => Date;
  waiverMaxDays?: number;
}): LogApi {
  const policy = new ActivePolicy();
  policy.activate(options.evaluator);
  const checks = createCheckService(policy, { store: options.store, ...(options.clock ? { clock: options.clock } : {}) });
  const app = createApp({
    policy,
    tokens: options.tokens,
    store: options.store,
    checks,
    logger: createMemoryLogger(),
    ...(options.waiverMaxDays ? { waiverMaxDays: options.waiverMaxDays } : {}),
  });
  const call = async <T>(method: string, path: string, as: TokenName, body?: unknown): Promise<HttpAnswer<T>> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${SECRETS[as]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return {
    app,
    call,
    async check(request, as = 'spinnaker') {
      const answer = await call<Decision>('POST', '/v1/check', as, request);
      assert.is(answer.status, 200, `POST /v1/check: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
  };
}

/** Every decision GET /v1/decisions finds for `query`, page by page; no id may come twice. */
export async function walkDecisions(api: LogApi, query: Record<string, string>, limit: number): Promise<DecisionSummary[]> {
  const seen = new Set<string>();
  const all: DecisionSummary[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 2000, 'pagination does not end');
    const params = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const page = await api.call<Page<DecisionSummary>>('GET', `/v1/decisions?${params}`, 'security-lead');
    assert.is(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.items.length <= limit, 'a page longer than its limit');
    for (const item of page.body.items) {
      assert.not.ok(seen.has(item.decision_id), `${item.decision_id} listed twice for ${params}`);
      seen.add(item.decision_id);
      all.push(item);
    }
    if (!page.body.next_cursor) return all;
    cursor = page.body.next_cursor;
  }
}

/** What the caller knew about a decision it was answered: the test's model of the log. */
export interface Answered {
  decision_id: string;
  time: string;
  application: string;
  environment: string;
  allow: boolean;
  /** Rule ids anywhere in deny, warn or waived. */
  rules: string[];
  decision: Decision;
}

export function rulesIn(d: PolicyDecision): string[] {
  const ids = new Set<string>();
  for (const s of SEVERITIES) for (const v of [...d.deny[s], ...d.warn[s]]) ids.add(v.rule);
  for (const v of d.waived) ids.add(v.rule);
  return [...ids].sort();
}

/** Blocking rule ids: what stops the deployment. */
export const denyRules = (d: PolicyDecision): Set<string> => new Set(SEVERITIES.flatMap((s) => d.deny[s].map((v) => v.rule)));

export function answeredFrom(request: CheckBody, decision: Decision): Answered {
  return {
    decision_id: decision.decision_id,
    // The check service logs input.request.time = its clock, which the evaluator also
    // stamps as evaluated_at: the request time the caller can see.
    time: decision.evaluated_at,
    application: request.application as string,
    environment: request.environment as string,
    allow: decision.allow,
    rules: rulesIn(decision),
    decision,
  };
}

/** The log's order: newest request time first, ties by decision id, descending. */
export function newestFirst(a: { time: string; decision_id: string }, b: { time: string; decision_id: string }): number {
  const dt = Date.parse(b.time) - Date.parse(a.time);
  if (dt !== 0) return dt;
  return a.decision_id < b.decision_id ? 1 : a.decision_id > b.decision_id ? -1 : 0;
}

export const APPLICATIONS = ['payments', 'ledger', 'checkout', 'search'] as const;
export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;

/** An example request moved to another application, environment and requester. */
export function requestFrom(example: CheckBody, overrides: { application: string; environment: string; requested_by?: string }): CheckBody {
  return { ...structuredClone(example), ...overrides };
}

/**
 * Check number `i` of the 1,000: every example, in every environment, for four applications,
 * now and then requested by the security lead (to whom no waiver they approved applies).
 */
export function variedRequest(examples: CheckBody[], i: number): CheckBody {
  return requestFrom(examples[i % examples.length]!, {
    application: APPLICATIONS[Math.floor(i / 3) % APPLICATIONS.length]!,
    environment: ENVIRONMENTS[i % ENVIRONMENTS.length]!,
    requested_by: i % 11 === 0 ? 'security-lead' : 'spinnaker',
  });
}

/** Runs `work` over `items`, `concurrency` at a time, in order of the batches. */
export async function inBatches<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += concurrency) {
    await Promise.all(items.slice(i, i + concurrency).map((item, j) => work(item, i + j)));
  }
}

/**
 * The store URL a separate process (`dfw serve`, `dfw replay`) opens. dfw.yaml has no schema
 * key, but node-postgres reads libpq's `options` parameter from the URL, so the test schema
 * travels as `?options=-c search_path=<schema>`. openStore creates a schema only when given
 * the `schema` option, so the test opens the location once first (creating and migrating it).
 */
export function storeUrlFor(location: StoreLocation): string {
  if (!location.options.schema) return location.url;
  const separator = location.url.includes('?') ? '&' : '?';
  return `${location.url}${separator}options=${encodeURIComponent(`-c search_path=${location.options.schema}`)}`;
}

export interface BurstResult {
  /** decision ids of every check answered 200 with a complete body. */
  answered: string[];
  /** Checks still waiting for their answer when SIGKILL was sent. */
  inFlightAtKill: number;
  /** Answers other than 200 before the kill (there should be none). */
  unexpected: string[];
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Sends checks from `concurrency` workers at once and kills the server with SIGKILL as soon
 * as `killAfter` have been answered; the checks in flight then fail, and are not counted.
 */
export async function burstUntilKilled(
  server: ServerProcess,
  bodies: CheckBody[],
  options: { token: string; killAfter: number; concurrency: number },
): Promise<BurstResult> {
  const exit = new Promise<BurstResult['exit']>((resolve) => server.child.once('exit', (code, signal) => resolve({ code, signal })));
  const answered: string[] = [];
  const unexpected: string[] = [];
  let next = 0;
  let inFlight = 0;
  let inFlightAtKill = -1;
  let killed = false;
  let failures = 0;
  const worker = async () => {
    while (!killed && server.child.exitCode === null && failures < 100) {
      const body = bodies[next++ % bodies.length];
      inFlight++;
      try {
        const res = await fetch(`${server.url}/v1/check`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(20_000),
        });
        const text = await res.text();
        if (res.status === 200) answered.push((JSON.parse(text) as Decision).decision_id);
        else if (!killed) unexpected.push(`${res.status} ${text}`);
      } catch {
        failures++;
      } finally {
        inFlight--;
      }
      if (!killed && answered.length >= options.killAfter) {
        killed = true;
        inFlightAtKill = inFlight;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (!killed) server.child.kill('SIGKILL');
  return { answered, inFlightAtKill, unexpected, exit: await exit };
}

/**
 * A candidate bundle: a temp copy of rego/ with one rule's severity overridden in one
 * environment of rego/firewall/config/data.yaml, built by the real opa.
 */
export async function buildCandidate(edit: { environment: string; rule: string; severity: string; revision: string }): Promise<{ path: string; evaluator: Evaluator }> {
  const copy = mkdtempSync(join(tmpdir(), 'dfw-candidate-'));
  const source = join(copy, 'rego');
  cpSync(join(ROOT, 'rego'), source, { recursive: true });
  const file = join(source, 'firewall/config/data.yaml');
  const config = yaml.load(readFileSync(file, 'utf8')) as { environments: Record<string, { rules?: Record<string, Record<string, unknown>> }> };
  const environment = config.environments[edit.environment];
  if (!environment) throw new Error(`data.yaml has no environment ${edit.environment}`);
  environment.rules = { ...environment.rules, [edit.rule]: { ...environment.rules?.[edit.rule], severity: edit.severity } };
  writeFileSync(file, yaml.dump(config));
  const path = buildBundle({ source, revision: edit.revision }); // written to its own temp folder
  rmSync(copy, { recursive: true, force: true });
  return { path, evaluator: await createEvaluator(await loadBundle(readFileSync(path))) };
}

const canonical = (v: object) => JSON.stringify(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const violations = (vs: Violation[]) => vs.map(canonical).sort();

/**
 * A verdict as a comparable string, written independently of src/decide/replay.ts: allow, the
 * environment, and the violations in deny, warn (per severity) and waived, as sets.
 */
export function verdictKey(d: PolicyDecision): string {
  return JSON.stringify({
    allow: d.allow,
    environment: d.environment,
    deny: SEVERITIES.map((s) => violations(d.deny[s])),
    warn: SEVERITIES.map((s) => violations(d.warn[s])),
    waived: violations(d.waived),
  });
}
