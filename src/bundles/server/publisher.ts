// The bundle server's state: for every bundle name, the kept revisions (publish order) and
// the active one, persisted through a RevisionStore so a restart serves the same bytes.
// A candidate is verified with the server's key (and instantiated when it is Wasm) before
// anything changes; publishing under the server's own bundle name also activates it for
// /v1/check. Long polls wait here for the active revision to change. Web-standard.
import { describeThrown, FirewallError, type ActivePolicy, type Evaluator, type EvaluatorOptions, type VerificationConfig } from '../../engine/index.js';
import { digestBytes, etagOf } from '../protocol.js';
import { assertBundleName, PublishError, type PublisherLogger, type RevisionEntry, type RevisionIndex, type RevisionStore, type ServedBundle } from './revisions.js';
import { validateBundle, type ValidatedBundle } from './validate.js';

export interface PublisherOptions {
  store: RevisionStore;
  /** How many revisions of each name are kept (publish.keep). */
  keep: number;
  /** The server's trusted key. Without one, nothing is published or served. */
  verification?: VerificationConfig;
  /** bundle.name: revisions published under it become the server's own policy. */
  policyName: string;
  policy: ActivePolicy;
  evaluatorOptions?: EvaluatorOptions;
  logger?: PublisherLogger;
  clock?: () => Date;
}

export interface PublishResult extends RevisionEntry {
  name: string;
  etag: string;
  /** True when this server now evaluates /v1/check with it. */
  policy_activated: boolean;
  kept: RevisionEntry[];
}

const SILENT: PublisherLogger = { info() {}, warn() {}, error() {} };

interface NameState {
  index: RevisionIndex;
  served?: ServedBundle;
  waiters: Set<() => void>;
  lastRefusal?: { at: string; message: string; by: string };
}

export class BundlePublisher {
  private readonly states = new Map<string, NameState>();
  private queue: Promise<unknown> = Promise.resolve();
  private isClosed = false;
  private readonly logger: PublisherLogger;
  private readonly clock: () => Date;

  private constructor(private readonly options: PublisherOptions) {
    this.logger = options.logger ?? SILENT;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Opens the store and restores each name's active revision, verifying it again. */
  static async open(options: PublisherOptions): Promise<BundlePublisher> {
    const publisher = new BundlePublisher(options);
    for (const name of await options.store.names()) await publisher.restore(name);
    return publisher;
  }

  /**
   * Re-reads `name`'s active revision from the store and serves it: another process sharing
   * the store published or rolled back (dfw serve --workers, src/host/cluster.ts).
   */
  reload(name: string): Promise<void> {
    return this.exclusive(() => this.restore(name));
  }

  /** True once close() was called: the server is shutting down. */
  get closed(): boolean {
    return this.isClosed;
  }

  get publishing(): boolean {
    return this.options.verification !== undefined;
  }

  active(name: string): ServedBundle | undefined {
    return this.states.get(name)?.served;
  }

  history(name: string): RevisionIndex | undefined {
    return this.states.get(name)?.index;
  }

  /** Resolves when `name`'s active ETag is no longer `etag`, after `ms`, on abort or on close. */
  waitForChange(name: string, etag: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const state = this.states.get(name);
      if (this.isClosed || !state || state.served?.etag !== etag || signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        state.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      state.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async publish(name: string, bytes: Uint8Array, by: string): Promise<PublishResult> {
    assertBundleName(name);
    const verification = this.requireVerification();
    if (bytes.byteLength === 0) throw new PublishError('bundle_empty', 'the body is empty; send the bundle .tar.gz');
    const digest = await digestBytes(bytes);
    const validated = await this.validate(name, bytes, verification).catch((err) => {
      this.stateOf(name).lastRefusal = { at: this.clock().toISOString(), message: describeThrown(err), by };
      throw err;
    });
    if (!validated.revision) {
      throw new PublishError('bundle_revision_missing', 'the bundle .manifest has no revision: build it with opa build --revision (make bundle sets one)');
    }
    return this.exclusive(async () => {
      const state = this.stateOf(name);
      const conflict = state.index.revisions.find((r) => r.revision === validated.revision && r.digest !== digest);
      if (conflict) {
        throw new PublishError('revision_conflict', `revision "${validated.revision}" of ${name} is already kept with different content (sha256 ${conflict.digest}); a revision must name one bundle: build with a new revision`);
      }
      const now = this.clock();
      const entry: RevisionEntry = { digest, revision: validated.revision, target: validated.target, size: bytes.byteLength, published_at: now.toISOString(), published_by: by };
      const revisions = [...state.index.revisions.filter((r) => r.digest !== digest), entry];
      const pruned = revisions.splice(0, Math.max(0, revisions.length - this.options.keep));
      const index: RevisionIndex = { name, active: digest, activated_at: now.toISOString(), revisions };
      await this.options.store.writeBundle(name, digest, bytes);
      await this.options.store.writeIndex(index);
      for (const old of pruned) {
        await this.options.store.removeBundle(name, old.digest).catch((err) => this.logger.warn('pruned revision not removed', { name, digest: old.digest, error: describeThrown(err) }));
      }
      const policyActivated = this.activate(state, index, entry, bytes, validated.evaluator, now);
      return { ...entry, name, etag: etagOf(digest), policy_activated: policyActivated, kept: revisions };
    });
  }

  /** Makes an earlier kept revision active: the one before the active one, or the one named. */
  async rollback(name: string, target: { revision?: string; digest?: string } = {}): Promise<PublishResult & { previous: string | null }> {
    assertBundleName(name);
    const verification = this.requireVerification();
    return this.exclusive(async () => {
      const state = this.states.get(name);
      if (!state || state.index.revisions.length === 0) throw new PublishError('bundle_not_found', `nothing is published under "${name}"`);
      const { revisions, active } = state.index;
      let entry: RevisionEntry | undefined;
      if (target.digest) entry = revisions.find((r) => r.digest === target.digest);
      else if (target.revision) entry = revisions.findLast((r) => r.revision === target.revision);
      else {
        const at = revisions.findIndex((r) => r.digest === active);
        entry = at > 0 ? revisions[at - 1] : undefined;
        if (!entry) throw new PublishError('no_previous_revision', `${name} has no kept revision before the active one (kept: ${revisions.map((r) => r.revision).join(', ')})`);
      }
      if (!entry) {
        throw new PublishError('revision_not_kept', `${name} keeps no revision ${target.digest ? `with sha256 ${target.digest}` : `"${target.revision}"`} (kept: ${revisions.map((r) => r.revision).join(', ')})`);
      }
      const previous = revisions.find((r) => r.digest === active)?.revision ?? null;
      const bytes = await this.options.store.readBundle(name, entry.digest);
      if ((await digestBytes(bytes)) !== entry.digest) throw new PublishError('revision_corrupt', `the stored archive of ${name} revision "${entry.revision}" no longer has its digest ${entry.digest}`);
      const validated = await this.validate(name, bytes, verification);
      const now = this.clock();
      const index: RevisionIndex = { ...state.index, active: entry.digest, activated_at: now.toISOString() };
      await this.options.store.writeIndex(index);
      const policyActivated = this.activate(state, index, entry, bytes, validated.evaluator, now);
      return { ...entry, name, etag: etagOf(entry.digest), policy_activated: policyActivated, kept: revisions, previous };
    });
  }

  /** Answers every held long poll (shutdown). */
  close(): void {
    this.isClosed = true;
    for (const state of this.states.values()) for (const wake of [...state.waiters]) wake();
  }

  status(): Record<string, unknown> {
    const bundles: Record<string, unknown> = {};
    for (const [name, state] of this.states) {
      bundles[name] = {
        active: state.served ? { revision: state.served.revision, digest: state.served.digest, activated_at: state.served.activated_at } : null,
        kept: state.index.revisions.map((r) => r.revision),
        last_refusal: state.lastRefusal ?? null,
      };
    }
    return { publishing: this.publishing ? 'enabled' : 'disabled: no bundle.public_key to verify with', keep: this.options.keep, bundles };
  }

  private requireVerification(): VerificationConfig {
    if (!this.options.verification) {
      throw new PublishError('publish_disabled', 'publishing needs a verification key: set bundle.public_key (or --bundle-key); dfw serves only bundles it has verified');
    }
    return this.options.verification;
  }

  /** The engine's verdict on the bundle; its refusal keeps the engine's code and reason. */
  private async validate(name: string, bytes: Uint8Array, verification: VerificationConfig): Promise<ValidatedBundle> {
    try {
      return await validateBundle(bytes, {
        name,
        verification,
        requireEvaluator: name === this.options.policyName,
        ...(this.options.evaluatorOptions ? { evaluatorOptions: this.options.evaluatorOptions } : {}),
      });
    } catch (err) {
      if (!(err instanceof FirewallError)) throw err;
      throw new PublishError(err.code, `bundle refused, nothing changed: ${err.message}`, { kind: 'refused', cause: err });
    }
  }

  private stateOf(name: string): NameState {
    let state = this.states.get(name);
    if (!state) {
      state = { index: { name, active: null, activated_at: null, revisions: [] }, waiters: new Set() };
      this.states.set(name, state);
    }
    return state;
  }

  private activate(state: NameState, index: RevisionIndex, entry: RevisionEntry, bytes: Uint8Array, evaluator: Evaluator | null, at: Date): boolean {
    state.index = index;
    state.served = { name: index.name, digest: entry.digest, etag: etagOf(entry.digest), revision: entry.revision, bytes, activated_at: at.toISOString() };
    const own = index.name === this.options.policyName && evaluator !== null;
    if (own) this.options.policy.activate(evaluator, at);
    for (const wake of [...state.waiters]) wake();
    return own;
  }

  private async restore(name: string): Promise<void> {
    const index = await this.options.store.readIndex(name);
    if (!index) return;
    const state = this.stateOf(name);
    state.index = index;
    const entry = index.revisions.find((r) => r.digest === index.active);
    if (!entry) return;
    if (!this.options.verification) {
      this.logger.warn('published bundle not served: no bundle.public_key to verify it with', { name, revision: entry.revision });
      return;
    }
    try {
      const bytes = await this.options.store.readBundle(name, entry.digest);
      if ((await digestBytes(bytes)) !== entry.digest) throw new PublishError('revision_corrupt', `the stored archive no longer has its digest ${entry.digest}`);
      const validated = await this.validate(name, bytes, this.options.verification);
      const at = index.activated_at ? new Date(index.activated_at) : this.clock();
      this.activate(state, index, entry, bytes, validated.evaluator, at);
      this.logger.info('published bundle restored', { name, revision: entry.revision, digest: entry.digest });
    } catch (err) {
      // Never fall back to an older revision silently: serve nothing under this name.
      this.logger.error('published bundle not restored: it no longer verifies', { name, revision: entry.revision, error: describeThrown(err) });
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
