// The edge evaluator's side of the bundle protocol: poll the bundle server (long poll while
// it answers with the bundles media type, else jittered interval polling; exponential
// jittered backoff on errors), verify signature and every file hash, instantiate, then swap
// with ActivePolicy.activate — one reference assignment, so evaluations in flight finish on
// the old policy. A bundle that cannot be downloaded or verified is refused and the last
// good one keeps serving; the last good bytes go to a LastGoodCache. Web-standard APIs.
import { describeThrown, loadBundle, createEvaluator, DEFAULT_ARCHIVE_LIMITS } from '../../engine/index.js';
import type { ActivePolicy, EvaluatorOptions, VerificationConfig } from '../../engine/index.js';
import { backoffDelayMs, pollIntervalMs } from './backoff.js';
import { causeOf, readLimited, sleep } from './download.js';
import { digestBytes, isLongPollMediaType, BUNDLE_MEDIA_TYPE, GZIP_MEDIA_TYPE } from '../protocol.js';
import type { PublisherLogger } from '../server/revisions.js';

export interface CachedBundle {
  bytes: Uint8Array;
  digest: string | null;
  etag: string | null;
  url: string | null;
  revision: string | null;
}

export interface LastGoodCache {
  readonly location: string;
  read(): Promise<CachedBundle | undefined>;
  write(bundle: CachedBundle): Promise<void>;
}

export type AttemptOutcome = 'activated' | 'not_modified' | 'refused' | 'failed';

export interface Attempt {
  at: string;
  outcome: AttemptOutcome;
  duration_ms: number;
  http_status?: number;
  revision?: string;
  error?: string;
}

export interface PollerOptions {
  /** The bundle's URL on the bundle server, e.g. https://dfw.example/v1/bundles/firewall. */
  url: string;
  name: string;
  /** Required: an edge evaluator never runs a bundle it has not verified. */
  verification: VerificationConfig;
  policy: ActivePolicy;
  cache?: LastGoodCache;
  /** Sent as a bearer token (the bundle server's `check` role). */
  token?: string;
  pollMinSeconds: number;
  pollMaxSeconds: number;
  /** Asked for with `Prefer: wait=N`; 0 turns long polling off. */
  longPollSeconds: number;
  /** Added to the long-poll wait before a request is given up. */
  requestTimeoutSeconds?: number;
  /** Largest archive downloaded, in bytes. */
  maxBundleBytes?: number;
  evaluatorOptions?: EvaluatorOptions;
  logger?: PublisherLogger;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface PollerStatus {
  url: string;
  long_polling: boolean;
  last_attempt: Attempt | null;
  /** The last bundle refused (kept even when later attempts fail for other reasons). */
  last_refusal: Attempt | null;
  last_success_at: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
  active: { revision: string; digest: string; source: 'server' | 'cache'; etag: string | null } | null;
  cache: string | null;
}

const SILENT: PublisherLogger = { info() {}, warn() {}, error() {} };

export class BundlePoller {
  private readonly logger: PublisherLogger;
  private readonly stopController = new AbortController();
  private loopDone: Promise<void> | undefined;
  private longPoll: boolean;
  private active: PollerStatus['active'] = null;
  /** The ETag of a refused bundle: asked for as If-None-Match so it is not downloaded again and again. */
  private refusedEtag: string | null = null;
  private failures = 0;
  private lastAttempt: Attempt | null = null;
  private lastRefusal: Attempt | null = null;
  private lastSuccessAt: string | null = null;
  private nextAttemptAt: string | null = null;

  constructor(private readonly options: PollerOptions) {
    this.logger = options.logger ?? SILENT;
    this.longPoll = options.longPollSeconds > 0;
  }

  /** Activates the cached last good bundle, verifying it again. False when there is none usable. */
  async restoreFromCache(): Promise<boolean> {
    const cache = this.options.cache;
    if (!cache) return false;
    let cached: CachedBundle | undefined;
    try {
      cached = await cache.read();
    } catch (err) {
      this.logger.warn('bundle cache unreadable', { cache: cache.location, error: describeThrown(err) });
      return false;
    }
    if (!cached) return false;
    try {
      const digest = await digestBytes(cached.bytes);
      const revision = await this.activate(cached.bytes);
      const etag = cached.digest === digest && cached.url === this.options.url ? cached.etag : null;
      this.active = { revision, digest, source: 'cache', etag };
      this.logger.info('bundle restored from cache', { cache: cache.location, revision });
      return true;
    } catch (err) {
      const message = `cached bundle ${cache.location} refused: ${describeThrown(err)}`;
      this.options.policy.refuse(message);
      this.logger.error('cached bundle refused', { cache: cache.location, error: describeThrown(err) });
      return false;
    }
  }

  /** One request to the bundle server, and whatever follows from its answer. */
  async pollOnce(): Promise<Attempt> {
    const started = Date.now();
    const attempt = await this.attempt().catch((err): Omit<Attempt, 'at' | 'duration_ms'> => {
      const message = `bundle download from ${this.options.url} failed: ${describeThrown(err)}${causeOf(err)}`;
      if (!this.stopController.signal.aborted) this.options.policy.refuse(message);
      return { outcome: 'failed', error: message };
    });
    const done: Attempt = { at: new Date(started).toISOString(), duration_ms: Date.now() - started, ...attempt };
    this.lastAttempt = done;
    if (done.outcome === 'refused') this.lastRefusal = done;
    if (done.outcome === 'activated' || done.outcome === 'not_modified') {
      this.failures = 0;
      this.lastSuccessAt = new Date().toISOString();
    } else this.failures++;
    return done;
  }

  /** Polls until stop(). */
  start(): void {
    this.loopDone ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loopDone;
  }

  status(): PollerStatus {
    return {
      url: this.options.url,
      long_polling: this.longPoll,
      last_attempt: this.lastAttempt,
      last_refusal: this.lastRefusal,
      last_success_at: this.lastSuccessAt,
      consecutive_failures: this.failures,
      next_attempt_at: this.nextAttemptAt,
      active: this.active,
      cache: this.options.cache?.location ?? null,
    };
  }

  private async loop(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const attempt = await this.pollOnce();
      if (signal.aborted) break;
      const delay = this.delayAfter(attempt);
      this.nextAttemptAt = new Date(Date.now() + delay).toISOString();
      await sleep(delay, signal);
    }
    this.nextAttemptAt = null;
  }

  private delayAfter(attempt: Attempt): number {
    const random = this.options.random ?? Math.random;
    const { pollMinSeconds, pollMaxSeconds } = this.options;
    if (attempt.outcome === 'failed' || attempt.outcome === 'refused') return backoffDelayMs(this.failures, pollMaxSeconds, random);
    // A long-poll server holds the request until something changes, so ask again at once —
    // unless it answered "not modified" without holding, which would make this a busy loop.
    const held = attempt.outcome !== 'not_modified' || attempt.duration_ms >= 1000;
    if (this.longPoll && held) return 0;
    return pollIntervalMs(pollMinSeconds, pollMaxSeconds, random);
  }

  private async attempt(): Promise<Omit<Attempt, 'at' | 'duration_ms'>> {
    const { url, token, longPollSeconds } = this.options;
    const headers: Record<string, string> = { accept: `${BUNDLE_MEDIA_TYPE}, ${GZIP_MEDIA_TYPE}` };
    const etag = this.refusedEtag ?? this.active?.etag;
    if (etag) headers['if-none-match'] = etag;
    headers.prefer = this.longPoll ? `modes=snapshot;wait=${longPollSeconds}` : 'modes=snapshot';
    if (token) headers.authorization = `Bearer ${token}`;
    const timeoutMs = ((this.longPoll ? longPollSeconds : 0) + (this.options.requestTimeoutSeconds ?? 30)) * 1000;
    const signal = AbortSignal.any([this.stopController.signal, AbortSignal.timeout(timeoutMs)]);
    const response = await (this.options.fetch ?? fetch)(url, { headers, signal });
    if (response.status === 304) {
      await response.body?.cancel();
      return { outcome: 'not_modified', http_status: 304, ...(this.active ? { revision: this.active.revision } : {}) };
    }
    if (response.status !== 200) {
      const text = (await response.text().catch(() => '')).slice(0, 300);
      throw new Error(`the bundle server answered ${response.status}${text ? `: ${text}` : ''}`);
    }
    const bytes = await readLimited(response, this.options.maxBundleBytes ?? DEFAULT_ARCHIVE_LIMITS.maxTotalBytes, signal);
    this.longPoll = this.options.longPollSeconds > 0 && isLongPollMediaType(response.headers.get('content-type'));
    const responseEtag = response.headers.get('etag');
    const digest = await digestBytes(bytes);
    if (this.active?.digest === digest) {
      this.active = { ...this.active, etag: responseEtag };
      this.refusedEtag = null;
      return { outcome: 'not_modified', http_status: 200, revision: this.active.revision };
    }
    let revision: string;
    try {
      revision = await this.activate(bytes);
    } catch (err) {
      const message = `bundle from ${url}${responseEtag ? ` (ETag ${responseEtag})` : ''} refused: ${describeThrown(err)}`;
      this.options.policy.refuse(message);
      this.refusedEtag = responseEtag;
      this.logger.error('bundle refused; the last good one keeps serving', { url, etag: responseEtag, error: describeThrown(err), active: this.active?.revision ?? null });
      return { outcome: 'refused', http_status: 200, error: message };
    }
    this.active = { revision, digest, source: 'server', etag: responseEtag };
    this.refusedEtag = null;
    this.logger.info('bundle activated', { url, revision, digest });
    await this.options.cache?.write({ bytes, digest, etag: responseEtag, url, revision }).catch((err) => {
      this.logger.warn('bundle cache not written', { cache: this.options.cache?.location, error: describeThrown(err) });
    });
    return { outcome: 'activated', http_status: 200, revision };
  }

  /** Verifies, instantiates and swaps in. Throws, changing nothing, when any step fails. */
  private async activate(bytes: Uint8Array): Promise<string> {
    const bundle = await loadBundle(bytes, { name: this.options.name, verification: this.options.verification });
    const evaluator = await createEvaluator(bundle, this.options.evaluatorOptions);
    this.options.policy.activate(evaluator);
    return bundle.manifest.revision;
  }
}
