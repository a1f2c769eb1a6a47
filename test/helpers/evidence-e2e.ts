// For the evidence end-to-end suite: a dfw.yaml for a real `dfw serve` (tokens per role,
// a SQLite store in a temp folder, the GitHub collector), deployment requests derived from
// examples/compliant.allow.json, and the HTTP calls a CI pipeline and a CD tool make.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Decision, Violation } from '../../src/engine/index.js';
import { readExamples } from './bundle.js';
import { signedMaterial } from './example-input.js';

/** The secrets a CI pipeline, a CD tool and the security team hold; dfw.yaml keeps only their SHA-256. */
export const SECRETS = { evidence: 'ci-evidence-secret-7f3a', check: 'cd-check-secret-19be', admin: 'security-admin-secret-c04d' } as const;

export interface ServerConfigOptions {
  bundle: string;
  storeFile: string;
  github: { baseUrl: string; timeoutMs: number };
}

/** Writes dfw.yaml into `dir` and returns its path. Strings are JSON-quoted (valid YAML). */
export function writeServerConfig(dir: string, options: ServerConfigOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
  const file = join(dir, 'dfw.yaml');
  writeFileSync(
    file,
    [
      'server: { host: 127.0.0.1, shutdown_timeout_seconds: 5 }',
      `bundle: { path: ${q(options.bundle)} }`,
      `store: { url: ${q(`sqlite:${options.storeFile}`)} }`,
      'collectors:',
      '  github:',
      `    base_url: ${q(options.github.baseUrl)}`,
      '    hosts: [github.com]',
      '    token: test-only-github-token',
      `    timeout_ms: ${options.github.timeoutMs}`,
      '    cache_ttl_ms: 0',
      'tokens:',
      `  - { name: ci, sha256: ${hash(SECRETS.evidence)}, roles: [evidence] }`,
      `  - { name: spinnaker, sha256: ${hash(SECRETS.check)}, roles: [check] }`,
      `  - { name: security, sha256: ${hash(SECRETS.admin)}, roles: [admin] }`,
      'log: { level: info }',
      '',
    ].join('\n'),
  );
  return file;
}

export const randomDigest = (): string => `sha256:${randomBytes(32).toString('hex')}`;
export const randomCommit = (): string => randomBytes(20).toString('hex');

export type CheckRequestBody = Record<string, unknown> & {
  artifact: { image: string; digest: string };
  source: { repository: string; branch: string; commit: string };
  evidence: Record<string, unknown>;
};

/**
 * The compliant production deployment of examples/compliant.allow.json without the inline
 * evidence kinds in `without` (so collectors must supply them), for `digest` (the registry
 * evidence follows, so the artifact rule stays satisfied) and optionally another commit.
 */
export function deploymentRequest(options: { without: string[]; digest?: string; commit?: string }): CheckRequestBody {
  const request = structuredClone(readExamples().get('compliant.allow.json')) as CheckRequestBody;
  if (options.digest) {
    request.artifact.digest = options.digest;
    const registry = request.evidence.registry as { digest: string; tags: Record<string, string> };
    registry.digest = options.digest;
    registry.tags[request.artifact.image.split(':').pop()!] = options.digest;
  }
  if (options.commit) request.source.commit = options.commit;
  // Another build carries its own signature and provenance, signed by cosign with the
  // example keys as the example's are (dfw verifies inline material; docs/supply-chain.md).
  if (options.digest || options.commit) {
    Object.assign(request.evidence, signedMaterial({ image: request.artifact.image, digest: request.artifact.digest!, ...(options.commit ? { commit: options.commit } : {}) }));
  }
  for (const kind of options.without) delete request.evidence[kind];
  return request;
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

async function call<T>(url: string, init: RequestInit & { token: string }): Promise<HttpAnswer<T>> {
  const { token, ...rest } = init;
  const res = await fetch(url, { ...rest, headers: { authorization: `Bearer ${token}`, ...(rest.body !== undefined ? { 'content-type': 'application/json' } : {}) } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface EvidenceAnswer {
  id: string;
  created: boolean;
  kind: string;
  evidence_kinds: string[];
  error?: { code: string; message: string };
}

/** POST /v1/evidence as a CI pipeline does, the report's text as is. */
export function pushEvidence(server: string, kind: string, subject: Record<string, string>, report: string): Promise<HttpAnswer<EvidenceAnswer>> {
  const query = new URLSearchParams({ kind, ...subject });
  return call(`${server}/v1/evidence?${query}`, { method: 'POST', body: report, token: SECRETS.evidence });
}

/** POST /v1/check as a CD tool does; also how long the answer took. */
export async function checkDeployment(server: string, request: unknown): Promise<{ decision: Decision; ms: number }> {
  const started = performance.now();
  const answer = await call<Decision>(`${server}/v1/check`, { method: 'POST', body: JSON.stringify(request), token: SECRETS.check });
  const ms = performance.now() - started;
  if (answer.status !== 200) throw new Error(`POST /v1/check answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { decision: answer.body, ms };
}

/** GET /v1/decisions/{id}: the logged decision with the input it was made on. */
export function loggedDecision(server: string, id: string): Promise<HttpAnswer<{ decision: Decision; input: { unavailable?: Record<string, string> } }>> {
  return call(`${server}/v1/decisions/${id}`, { method: 'GET', token: SECRETS.admin });
}

/** The rule ids that deny, by severity, e.g. { critical: ['DFW-VULN-001'] }. */
export function denyingRules(decision: Decision): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(decision.deny)
      .filter(([, list]) => list.length > 0)
      .map(([severity, list]) => [severity, [...new Set(list.map((v: Violation) => v.rule))].sort()]),
  );
}

export function violationsOf(decision: Decision, rule: string): Violation[] {
  return Object.values(decision.deny).flat().filter((v) => v.rule === rule);
}
