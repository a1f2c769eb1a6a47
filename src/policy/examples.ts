// The repository's examples/: each file is one check request and the decision the team
// expects for it (verdict and rule ids). They run through the same Wasm evaluator and check
// service `dfw serve` uses, over the bundle just compiled from the layered sources, so an
// example that passes here decides the same in production.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createCheckService } from '../decide/index.js';
import { parseCheckRequest } from '../collect/check-request.js';
import { CollectorRunner } from '../collect/run-collectors.js';
import type { InlineVerifier } from '../collect/trust/inline.js';
import { ActivePolicy, describeThrown, SEVERITIES, type Decision, type Evaluator } from '../engine/index.js';

export interface ExpectedDecision {
  allow: boolean;
  /** Rule ids that block, in any order. */
  deny?: string[];
  /** Rule ids that only warn; compared only when given. */
  warn?: string[];
}

export interface ExampleResult {
  name: string;
  file: string;
  ok: boolean;
  /** What differed, or what was decided when it matched. */
  detail: string;
  expected?: ExpectedDecision;
  actual?: { allow: boolean; deny: string[]; warn: string[] };
}

/** The request time examples are decided at unless they give their own `time`. */
export const EXAMPLE_TIME = '2026-11-28T14:00:00Z';

function ruleIds(groups: Decision['deny']): string[] {
  return [...new Set(SEVERITIES.flatMap((s) => groups[s] ?? []).map((v) => v.rule))].sort();
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function list(ids: string[]): string {
  return ids.length ? ids.join(', ') : 'nothing';
}

export function exampleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).sort();
}

async function runOne(file: string, name: string, evaluator: Evaluator, collectors: CollectorRunner): Promise<ExampleResult> {
  let example: { request?: unknown; expect?: ExpectedDecision; environment?: string; time?: string };
  try {
    example = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { name, file, ok: false, detail: `not JSON: ${describeThrown(err)}` };
  }
  const expected = example.expect;
  if (!example.request || typeof expected?.allow !== 'boolean') {
    return { name, file, ok: false, detail: 'an example is {"request": <check request>, "expect": {"allow": <bool>, "deny": [rule ids]}}' };
  }
  try {
    const raw = { ...(example.request as Record<string, unknown>), ...(example.environment ? { environment: example.environment } : {}) };
    const request = parseCheckRequest(raw);
    const policy = new ActivePolicy();
    policy.activate(evaluator);
    const at = new Date(example.time ?? EXAMPLE_TIME);
    const { decision } = await createCheckService(policy, { clock: () => at, collectors }).check(request, { via: 'cli' });
    const actual = { allow: decision.allow, deny: ruleIds(decision.deny), warn: ruleIds(decision.warn) };
    const problems: string[] = [];
    if (actual.allow !== expected.allow) problems.push(`expected ${expected.allow ? 'allow' : 'deny'}, got ${actual.allow ? 'allow' : 'deny'}`);
    const wantDeny = [...(expected.deny ?? [])].sort();
    if (!sameIds(wantDeny, actual.deny)) problems.push(`expected deny by ${list(wantDeny)}, got ${list(actual.deny)}`);
    if (expected.warn) {
      const wantWarn = [...expected.warn].sort();
      if (!sameIds(wantWarn, actual.warn)) problems.push(`expected warnings from ${list(wantWarn)}, got ${list(actual.warn)}`);
    }
    const decided = `${actual.allow ? 'allow' : `deny by ${list(actual.deny)}`} in ${request.environment}`;
    return { name, file, ok: problems.length === 0, detail: problems.length ? `${problems.join('; ')} (${request.environment})` : decided, expected, actual };
  } catch (err) {
    return { name, file, ok: false, detail: describeThrown(err), expected };
  }
}

/**
 * Runs every example in `dir` against `evaluator`. The signatures and attestations an
 * example carries are verified by `verifier` (the repository's keys and trusted root), as
 * `dfw serve` verifies inline evidence; without one, with the embedded example keys.
 */
export async function runExamples(dir: string, evaluator: Evaluator, shownFrom = process.cwd(), verifier?: InlineVerifier): Promise<ExampleResult[]> {
  const collectors = new CollectorRunner([], undefined, verifier);
  const results: ExampleResult[] = [];
  for (const f of exampleFiles(dir)) results.push(await runOne(join(dir, f), relative(shownFrom, join(dir, f)), evaluator, collectors));
  return results;
}
