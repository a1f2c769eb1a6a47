// Runs every collector concurrently, each under its own timeout, caches answers with a
// TTL, and merges what they found into the input: inline evidence from the request wins,
// then collectors in the order given — except signature and attestation facts, which dfw
// verified whoever supplied them: those from every source are joined. A collector that fails or times out never fails the
// request: its kinds go to input.unavailable with the reason. First of all, the inline
// signatures and attestations are verified (trust/inline.ts): inline claims never count.
import type { InputDocument } from '../engine/index.js';
import type { EvidenceKind } from '../evidence/types.js';
import type { CheckRequest } from './check-request.js';
import { unavailableFor, type Collector, type CollectorResult } from './collector.js';
import { EXAMPLE_VERIFICATION_KEYS } from './trust/example-keys.js';
import { TRUST_KINDS, verifyInlineTrust, type InlineVerifier } from './trust/inline.js';
import { createWebInlineVerifier } from './trust/web-verify.js';

export interface CollectionReport {
  /** Where each evidence kind in the input came from: "inline", or a collector's name. */
  sources: Partial<Record<EvidenceKind, string>>;
  /** Milliseconds each collector took (0 for a cache hit). */
  timings: Record<string, number>;
}

interface CacheEntry {
  expires: number;
  result: CollectorResult;
}

export class CollectorRunner {
  private readonly cache = new Map<string, CacheEntry>();
  constructor(
    private readonly collectors: readonly Collector[],
    private readonly now: () => number = Date.now,
    /**
     * Verifies the request's inline signatures and attestations. The Node host passes the
     * signatures collector's (createInlineVerifier); the default is the Web Crypto one with
     * the embedded example keys, for Web-standard runtimes.
     */
    private readonly inline: InlineVerifier = createWebInlineVerifier(EXAMPLE_VERIFICATION_KEYS),
  ) {}

  get names(): string[] {
    return this.collectors.map((c) => c.name);
  }

  private async runOne(collector: Collector, request: CheckRequest, input: InputDocument, signal?: AbortSignal): Promise<{ result: CollectorResult; ms: number } | null> {
    const key = collector.cacheKey({ request, input });
    if (key === null) return null;
    const cacheKey = `${collector.name}\u0000${key}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expires > this.now()) return { result: cached.result, ms: 0 };
    const started = performance.now();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<CollectorResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('timeout'));
        resolve(failAll(collector, `${collector.name} timed out after ${formatSeconds(collector.timeoutMs)}`));
      }, collector.timeoutMs);
    });
    // The check's own caller gone (a client that hung up, an admission past its deadline):
    // stop waiting at once rather than at the collector's timeout; the check then stops too.
    let onAbandon: (() => void) | undefined;
    const abandoned = new Promise<CollectorResult>((resolve) => {
      onAbandon = () => {
        controller.abort(signal?.reason);
        resolve(failAll(collector, `${collector.name} was not waited for: the check was abandoned`));
      };
      if (signal?.aborted) onAbandon();
      else signal?.addEventListener('abort', onAbandon, { once: true });
    });
    const attempt = collector
      .collect({ request, input, signal: controller.signal })
      .catch((err: unknown) => failAll(collector, `${collector.name} failed: ${(err as Error)?.message ?? String(err)}`));
    const result = await Promise.race([attempt, timedOut, abandoned]);
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbandon!);
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    // Only complete answers are cached: a failure should be retried on the next request.
    if (collector.cacheTtlMs > 0 && Object.keys(result.unavailable).length === 0) {
      this.cache.set(cacheKey, { expires: this.now() + collector.cacheTtlMs, result });
    }
    return { result, ms };
  }

  /** Fills input.evidence and input.unavailable in place; returns sources and timings. */
  async collect(request: CheckRequest, input: InputDocument, signal?: AbortSignal): Promise<CollectionReport> {
    await verifyInlineTrust(request.evidence, input, this.inline);
    const evidence = (input.evidence ??= {}) as Record<string, unknown>;
    const unavailable = (input.unavailable ??= {}) as Record<string, string>;
    const sources: CollectionReport['sources'] = {};
    for (const kind of Object.keys(evidence)) sources[kind as EvidenceKind] = 'inline';
    const outcomes = await Promise.all(this.collectors.map((c) => this.runOne(c, request, input, signal)));
    const timings: Record<string, number> = {};
    this.collectors.forEach((collector, i) => {
      const outcome = outcomes[i];
      if (!outcome) return;
      timings[collector.name] = outcome.ms;
      for (const [kind, value] of Object.entries(outcome.result.evidence)) {
        if (value === undefined) continue;
        if (kind in evidence) {
          // Signature and attestation facts are each verified by dfw, whoever supplied the
          // material: the registry's join the request's instead of being hidden by them.
          if (!mergesFacts(kind) || !Array.isArray(evidence[kind]) || !Array.isArray(value)) continue;
          evidence[kind] = [...(evidence[kind] as unknown[]), ...value];
          sources[kind as EvidenceKind] = `${sources[kind as EvidenceKind] ?? 'inline'}+${collector.name}`;
          continue;
        }
        evidence[kind] = value;
        sources[kind as EvidenceKind] = collector.name;
        delete unavailable[kind];
      }
      for (const [kind, reason] of Object.entries(outcome.result.unavailable)) {
        if (kind in evidence || !reason) continue;
        unavailable[kind] = unavailable[kind] ? `${unavailable[kind]}; ${reason}` : reason;
      }
    });
    return { sources, timings };
  }

  clearCache(): void {
    this.cache.clear();
  }
}

const mergesFacts = (kind: string) => (TRUST_KINDS as readonly string[]).includes(kind);

function failAll(collector: Collector, reason: string): CollectorResult {
  return unavailableFor(collector.kinds, reason);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
