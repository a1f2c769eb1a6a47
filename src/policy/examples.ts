// The repository's examples/: each file is one check request and the decision the team
// expects for it (verdict and rule ids). They run through the same Wasm evaluator and check
// service `dfw serve` uses, over the bundle just compiled from the layered sources, so an
// example that passes here decides the same in production.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv2020Import from 'ajv/dist/2020.js';
import { readRfc3339 } from '../shared/rfc3339.js';
import { createCheckService } from '../decide/index.js';
import { parseCheckRequest } from '../collect/check-request.js';
import { CollectorRunner } from '../collect/run-collectors.js';
import type { InlineVerifier } from '../collect/trust/inline.js';
import { ActivePolicy, describeThrown, SEVERITIES, type Decision, type Evaluator } from '../engine/index.js';
import { onFirstUse } from '../shared/on-first-use.js';

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

interface Example {
  request: Record<string, unknown>;
  expect: ExpectedDecision;
  environment?: string;
  time?: string;
  description?: string;
}

const RULE_IDS = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

// The example file around the check request (which parseCheckRequest validates itself).
const EXAMPLE_SCHEMA = {
  type: 'object',
  required: ['request', 'expect'],
  properties: {
    description: { type: 'string' },
    environment: { type: 'string', minLength: 1 },
    time: { type: 'string' },
    request: { type: 'object' },
    expect: {
      type: 'object',
      additionalProperties: false,
      required: ['allow'],
      properties: { allow: { type: 'boolean' }, deny: RULE_IDS, warn: RULE_IDS },
    },
  },
} as const;

const exampleValidator = onFirstUse(() => new Ajv2020Import.default({ allErrors: true, strict: false }).compile<Example>(EXAMPLE_SCHEMA));

const SHAPE = 'an example is {"request": <check request>, "expect": {"allow": <bool>, "deny": [rule ids], "warn": [rule ids]}}';

function shown(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}


/** The example, or what is wrong with its own fields, each naming the field. */
function readExample(raw: unknown): { example: Example } | { problems: string[] } {
  const validateExample = exampleValidator();
  if (validateExample(raw)) {
    // RFC 3339 with seconds and a zone, as request times are written: Date.parse alone also
    // takes "Nov 28 2026" in the machine's own zone, deciding the example at another instant.
    if (raw.time !== undefined && !('ms' in readRfc3339(raw.time))) {
      return { problems: [`"time" must be an RFC 3339 time such as ${EXAMPLE_TIME}, got ${JSON.stringify(raw.time)}`] };
    }
    return { example: raw };
  }
  const problems = (validateExample.errors ?? []).map((e) => {
    const field = e.instancePath.split('/').slice(1).join('.');
    const params = e.params as Record<string, unknown>;
    const value = field.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], raw);
    if (e.keyword === 'required') return `"${field ? `${field}.` : ''}${params.missingProperty}" is missing; ${SHAPE}`;
    if (e.keyword === 'additionalProperties') return `"${field ? `${field}.` : ''}${params.additionalProperty}" is not a field of an example's expect (allow, deny, warn)`;
    if (/^expect\.(deny|warn)$/.test(field) && e.keyword === 'type') return `"${field}" must be a list of rule ids, e.g. ["ACME-CD-001"], got ${shown(value)}`;
    if (e.keyword === 'type') return `"${field || '(the file)'}" must be ${params.type === 'object' ? 'an object' : `a ${params.type}`}, got ${shown(value)}`;
    return `"${field || '(the file)'}" ${e.message ?? 'is invalid'}`;
  });
  return { problems: [...new Set(problems)] };
}

async function runOne(file: string, name: string, evaluator: Evaluator, collectors: CollectorRunner): Promise<ExampleResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { name, file, ok: false, detail: `not JSON: ${describeThrown(err)}` };
  }
  const read = readExample(raw);
  if ('problems' in read) return { name, file, ok: false, detail: read.problems.join('; ') };
  const { example } = read;
  const expected = example.expect;
  try {
    const request = parseCheckRequest({ ...example.request, ...(example.environment ? { environment: example.environment } : {}) });
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
