// The benchmark inputs: the typical check request (examples/compliant.allow.json) and a
// generated large one, each turned into the input document exactly as POST /v1/check does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildInput, parseCheckRequest, type CheckRequest } from '../src/collect/check-request.js';
import { createInlineVerifier } from '../src/collect/collectors/index.js';
import { verifyInlineTrust } from '../src/collect/trust/inline.js';
import type { InputDocument } from '../src/engine/index.js';

export const ROOT = new URL('../', import.meta.url).pathname;

/** The request time every evaluation is pinned to, in dfw and in OPA alike (DESIGN.md's example). */
export const BENCH_TIME = new Date('2026-11-28T14:00:00Z');
export const BENCH_DECISION_ID = '01900000-0000-7000-8000-000000000000';

export interface BenchInput {
  name: string;
  description: string;
  /** The check request body a CD tool would POST to dfw. */
  requestJson: string;
  /** The input document dfw's evaluator hands to the policy, with request.time/time_ns set. */
  inputJson: string;
  input: InputDocument;
}

/** Seeded PRNG (mulberry32), so the large input is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** Picks a severity with the given weights (critical, high, medium, low). */
function severity(next: () => number, weights: readonly [number, number, number, number]): (typeof SEVERITIES)[number] {
  let r = next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < SEVERITIES.length; i++) {
    r -= weights[i]!;
    if (r < 0) return SEVERITIES[i]!;
  }
  return 'low';
}

/**
 * A large deployment: 5,000 vulnerability findings (1% critical, 14% high, 35% medium,
 * 50% low) over 400 packages, 300 container-scan findings (a few critical), 300
 * code-scanning findings and 200 workflows of 1–5 jobs, a few with top-level writes.
 */
export function generateLargeRequest(base: CheckRequest): CheckRequest {
  const next = random(0xdf3);
  const pick = (n: number) => Math.floor(next() * n);
  const vulnerabilities = Array.from({ length: 5000 }, (_, i) => {
    const fixed = next() < 0.7;
    return {
      id: `CVE-${2018 + (i % 8)}-${String(10000 + i).padStart(5, '0')}`,
      severity: severity(next, [1, 14, 35, 50]),
      package: `pkg-${pick(400)}`,
      installed_version: `${pick(5)}.${pick(20)}.${pick(30)}`,
      ...(fixed ? { fixed_version: `${pick(5) + 1}.${pick(20)}.${pick(30)}` } : {}),
    };
  });
  const containerFindings = Array.from({ length: 300 }, (_, i) => ({
    id: `DS${String(i).padStart(3, '0')}`,
    severity: severity(next, [1, 10, 40, 49]),
    title: `Dockerfile check ${i}`,
  }));
  const codeFindings = Array.from({ length: 300 }, (_, i) => ({
    rule: `js/rule-${i % 60}`,
    severity: severity(next, [0, 5, 35, 60]),
    location: `src/module-${i % 90}/file-${i}.ts:${1 + pick(400)}`,
  }));
  const workflows = Array.from({ length: 200 }, (_, w) => ({
    path: `.github/workflows/workflow-${w}.yml`,
    permissions: w % 50 === 7 ? null : w % 40 === 3 ? { contents: 'write' } : { contents: 'read' },
    jobs: Array.from({ length: 1 + (w % 5) }, (_, j) => ({
      name: `job-${j}`,
      permissions: j === 0 ? null : j === 1 ? { contents: 'read', packages: 'write', 'id-token': 'write' } : { contents: 'read' },
    })),
  }));
  const evidence = base.evidence as Record<string, Record<string, unknown>>;
  return {
    ...base,
    evidence: {
      ...evidence,
      vulnerabilities: { ...evidence.vulnerabilities, findings: vulnerabilities },
      container_scan: { ...evidence.container_scan, findings: containerFindings },
      code_scanning: { ...evidence.code_scanning, findings: codeFindings },
      workflows,
    },
  };
}

/** The bundle the benchmark builds and evaluates (bench/opa.ts: --revision bench). */
export const BENCH_BUNDLE = { name: 'firewall', revision: 'bench' };

/**
 * The JSON text dfw's evaluator gives the policy (src/engine/evaluator.ts inputPieces):
 * request.time and request.time_ns set from the evaluation time, time_ns an exact integer,
 * and request.bundle naming the bundle evaluating.
 */
export function inputDocumentJson(input: InputDocument, now: Date): string {
  const timeNs = (BigInt(now.getTime()) * 1_000_000n).toString();
  const marker = `__bench_time_ns_${timeNs}__`;
  const request = { ...(input.request ?? {}), time: now.toISOString(), time_ns: marker, bundle: BENCH_BUNDLE };
  return JSON.stringify({ ...input, request }).replace(`"${marker}"`, timeNs);
}

// dfw serve's verifier of inline signatures (the embedded example keys), as in POST /v1/check.
const inlineVerifier = createInlineVerifier();

async function benchInput(name: string, description: string, request: CheckRequest): Promise<BenchInput> {
  const requestJson = JSON.stringify(request);
  // Through the same validation and input building as POST /v1/check, the request's inline
  // signatures and attestations verified as the collector runner does before evaluating.
  const parsed = parseCheckRequest(JSON.parse(requestJson));
  const input = buildInput(parsed, { id: BENCH_DECISION_ID, via: 'api' });
  await verifyInlineTrust(parsed.evidence, input, inlineVerifier);
  return { name, description, requestJson, input, inputJson: inputDocumentJson(input, BENCH_TIME) };
}

export async function loadBenchInputs(): Promise<{ typical: BenchInput; large: BenchInput }> {
  const compliant = JSON.parse(readFileSync(join(ROOT, 'examples/compliant.allow.json'), 'utf8')) as CheckRequest;
  return {
    typical: await benchInput('typical', 'examples/compliant.allow.json (all evidence kinds, one finding each, 2 workflows)', compliant),
    large: await benchInput(
      'large',
      'generated: 5,000 vulnerability findings (~1% critical), 300 container-scan and 300 code-scanning findings, 200 workflows with 1–5 jobs each',
      generateLargeRequest(compliant),
    ),
  };
}
