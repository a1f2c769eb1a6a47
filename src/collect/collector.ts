// What a collector is: something that turns the references in a check request (repository,
// commit, image, ticket, environment) into evidence, or says why it could not.
import type { InputDocument } from '../engine/index.js';
import type { EvidenceKind } from '../evidence/types.js';
import type { CheckRequest } from './check-request.js';

export interface CollectContext {
  request: CheckRequest;
  /** The input as built so far: artifact parsed into registry/repository/tag/digest. */
  input: InputDocument;
  /** Aborted when the collector's timeout passes; pass it to fetch. */
  signal: AbortSignal;
}

export interface CollectorResult {
  evidence: Partial<Record<EvidenceKind, unknown>>;
  /** Why a kind this collector owns is unknown: a reason a person can act on. */
  unavailable: Partial<Record<EvidenceKind, string>>;
}

export interface Collector {
  /** Short name, also the evidence source recorded in decisions: "github", "registry"… */
  readonly name: string;
  /** The evidence kinds it can provide. */
  readonly kinds: readonly EvidenceKind[];
  readonly timeoutMs: number;
  /** Answers are cached this long, per cache key. 0 disables caching. */
  readonly cacheTtlMs: number;
  /** The cache key for a request (what the answer depends on), or null to skip the collector. */
  cacheKey(ctx: Omit<CollectContext, 'signal'>): string | null;
  /** Must not throw for expected failures: record them in `unavailable`. A throw is recorded too. */
  collect(ctx: CollectContext): Promise<CollectorResult>;
}

/** A result that has none of `kinds`, each for the same reason. */
export function unavailableFor(kinds: readonly EvidenceKind[], reason: string): CollectorResult {
  return { evidence: {}, unavailable: Object.fromEntries(kinds.map((k) => [k, reason])) };
}

/** A reason for `unavailable` from an HTTP answer, e.g. "GitHub answered 401: Bad credentials". */
export function describeHttpFailure(service: string, status: number, body: unknown): string {
  const message = body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string'
    ? (body as { message: string }).message
    : typeof body === 'string' && body.length > 0 && body.length < 200 ? body : '';
  return `${service} answered ${status}${message ? `: ${message}` : ''}`;
}
