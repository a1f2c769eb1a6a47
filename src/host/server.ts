// The Node entry: configuration, the verified bundle, the hono app on @hono/node-server,
// structured logs and graceful shutdown. Everything Node-specific lives here and in cli/.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/index.js';
import { createCheckService } from '../decide/index.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { createCollectors, createInlineVerifier } from '../collect/collectors/index.js';
import { createPromotionCollector } from '../collect/collectors/promotion.js';
import { createStoreCollector } from '../collect/collectors/store.js';
import { CollectorRunner } from '../collect/run-collectors.js';
import { createMetrics } from './metrics.js';
import { renewQuietPolicy } from './policy-memory.js';
import { loadAttestationSigner } from './attestation-signer.js';
import { attachingSummaries } from '../decide/attestation-attach.js';
import type { Config } from '../config/load.js';
import { storeOptions } from '../store/config.js';
import { openBundleSource } from './bundle-source.js';
import { ActivePolicy } from '../engine/index.js';
import { createGitHubIntegration, startAdmissionWebhook } from './integrations.js';
import { startContinuous, type Continuous } from './continuous.js';
import { exposeFullCollection, isSqliteFile, openStore, startIdleCollection, withDecisionWriterThread, type Store } from '../store/index.js';
import type { Server } from 'node:http';
import { createDrain } from './drain.js';
import { StartupError } from './startup-error.js';
import { checksInFlight } from './checks-in-flight.js';
import { EvaluationPool } from './evaluation-pool.js';
import { availableParallelism } from 'node:os';
import { raceTimer, TIMED_OUT } from '../shared/race-timer.js';

export interface RunningServer {
  url: string;
  policy: ActivePolicy;
  store: Store;
  /** Central mode: serve the revision another process published to the same publish.dir. */
  reloadPublished?: () => Promise<void>;
  /** The admission webhook's HTTPS URL, when kubernetes.admission is configured. */
  admissionUrl?: string;
  /**
   * Stops accepting work (new connections refused, new requests on open ones answered 503
   * with Retry-After, every answer `Connection: close`), finishes the requests in flight,
   * the GitHub reviews and admission reviews in progress, then closes the store — all within
   * server.shutdown_timeout_seconds: what is left then is cut or abandoned, and logged.
   */
  close(): Promise<void>;
  /** Resolves, with the reason, if the server can no longer answer (its decision writer stopped): the caller should close it. */
  failed: Promise<string>;
}

/** 127.0.0.0/8, ::1 and localhost: addresses nothing outside this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface ServerOptions {
  /** Edge mode: the bearer token sent to the bundle server (--bundle-token, DFW_BUNDLE_TOKEN). */
  bundleToken?: string;
  /**
   * Cluster mode (src/host/cluster.ts): this process is worker N, its decisions committed by
   * the primary on SQLite; `timedJobs` for the one worker that may scan for events, audit on
   * schedule and prune (outbox, audit records, decisions past retention): on PostgreSQL
   * only while it holds the timed-jobs lock, which replicas share (timed-jobs.ts).
   */
  worker?: { id: number; timedJobs: boolean; wrapStore?: (store: Store) => Store };
}

/**
 * The store, its decisions committed where they must be: a cluster worker on SQLite hands
 * them to the primary, the file's one writer; a single process on a SQLite file to its own
 * writer thread, so that commits (fsync) do not block the thread that answers checks
 * (src/store/writer-thread.ts).
 */
async function openDecisionStore(config: Config, options: ServerOptions, onStopped: (reason: string) => void): Promise<Store> {
  const cannotOpen = (err: Error) => new StartupError(`the store ${config.store.url} cannot be opened: ${err.message}`);
  const store = await openStore(config.store.url, storeOptions(config.store)).catch((err: Error) => {
    throw cannotOpen(err);
  });
  if (options.worker?.wrapStore) return options.worker.wrapStore(store);
  if (!isSqliteFile(config.store.url)) return store;
  return withDecisionWriterThread(store, config.store.url, { ...storeOptions(config.store), onStopped }).catch(async (err: Error) => {
    await store.close();
    throw cannotOpen(err);
  });
}

/**
 * server.evaluation_threads, or one beside a single server process on a machine with a core
 * to spare. One, not one per core: a thread's policy memory grows to the largest input it
 * evaluated (up to bundle.max_memory_mb) until the thread goes quiet and renews it, and one
 * thread keeps pace with the server thread, which still reads, records and answers every check
 * (while checks wait, every one of them is evaluated there).
 */
function evaluationThreads(server: Config['server']): number {
  if (server.evaluation_threads !== undefined) return server.evaluation_threads;
  return server.workers === 1 && availableParallelism() > 1 ? 1 : 0;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.log.level), options: ServerOptions = {}): Promise<RunningServer> {
  if (config.tokens.length === 0) {
    if (!isLoopback(config.server.host)) {
      throw new StartupError(
        `refusing to listen on ${config.server.host} without API tokens: anyone who can reach it could ask for decisions. ` +
          'Add tokens to dfw.yaml (dfw token create <name> --role check) or bind to 127.0.0.1.',
      );
    }
    logger.warn('no API tokens configured: serving without authentication, on loopback only', { host: config.server.host });
  }
  // Before any thread starts, so that each finds V8's collection on its own global.
  exposeFullCollection();
  const policy = new ActivePolicy();
  // Edge mode pulls from bundle.url; otherwise the published revision or bundle.path.
  const bundles = await openBundleSource(config.bundle, config.publish, policy, logger, options);
  let failedWith: (reason: string) => void;
  const failed = new Promise<string>((resolve) => (failedWith = resolve));
  const opened = await openDecisionStore(config, options, (reason) => {
    // No decision can be recorded any more: every check fails closed until a restart. The
    // caller logs it once, with this reason, as it shuts down (cli/commands/serve.ts).
    failedWith(`the decision writer thread stopped: ${reason}`);
  });
  logger.info('store opened', { backend: opened.backend, schema_version: await opened.schemaVersion() });
  // From here on a failure must end the writer thread and the timed jobs' lock session too,
  // or the process would stay up.
  let continuous: Continuous | undefined;
  try {
    // Notifications and continuous audit; from here on `store` queues a denial's notification
    // with its decision and starts an audit when new evidence arrives.
    const timedJobs = options.worker?.timedJobs ?? true;
    const started = (continuous = startContinuous({ notifications: config.notifications, audit: config.audit, timedJobs, retentionDays: config.store.retention_days }, opened, policy, logger));
    const store = started.store;
    // Pushed reports first; live collectors fill what CI did not push. Inline signatures are
    // verified with the signatures collector's trust material (docs/supply-chain.md).
    const collectors = new CollectorRunner(
      [createStoreCollector(store), createPromotionCollector(store), ...createCollectors(config.collectors, { store })],
      undefined,
      createInlineVerifier(config.collectors.signatures),
    );
    logger.info('collectors', { enabled: collectors.names });
    // Every entry point (API, admission webhook, GitHub) shares the one counted service.
    const inFlight = checksInFlight();
    const pool = new EvaluationPool({
      threads: evaluationThreads(config.server),
      current: () => policy.current(),
      busy: () => inFlight.count > 1,
      onThread: (event, detail) => (event === 'started' ? logger.info('evaluation thread started', detail) : logger.error('evaluation thread lost', detail)),
    });
    const metrics = createMetrics(policy, store.caches, pool);
    const attestationSigner = config.attestation?.signing_key ? loadAttestationSigner(config.attestation.signing_key) : undefined;
    const evaluate = pool.evaluate.bind(pool);
    const counted = metrics.observe(inFlight.track(createCheckService(policy, { collectors, store, strict: config.environments.strict, evaluate })));
    // attestation.attach: each allowed deployment's signed summary goes to the image's registry.
    const checks = config.attestation?.attach && attestationSigner && config.collectors.registry ? attachingSummaries(counted, attestationSigner, config.collectors.registry, logger) : counted;
    const github = createGitHubIntegration(config.github, checks, logger);
    const admission = await startAdmissionWebhook(config.kubernetes, config.collectors, policy, checks, logger, metrics);

    const app = createApp({
      policy,
      tokens: config.tokens,
      logger,
      checks,
      store,
      waiverMaxDays: config.waivers.max_days,
      integrations: [
        ...(github ? [github] : []),
        started.console({ tokens: config.tokens, bundle: config.bundle, publishDir: config.publish.dir, waiverMaxDays: config.waivers.max_days, ...(bundles.publisher ? { publisher: bundles.publisher } : {}) }),
      ],
      maxBodyBytes: config.server.max_body_bytes,
      ...(bundles.publisher ? { bundles: bundles.publisher } : {}),
      ...(bundles.poller ? { bundleSource: bundles.poller } : {}),
      ...(attestationSigner ? { attestationSigner } : {}),
      metrics: started.metrics(metrics),
    });
    const drain = createDrain();
    const server: ServerType = await new Promise((resolveServer, reject) => {
      const s = serve({ fetch: drain.guard(app.fetch), hostname: config.server.host, port: config.server.port }, () => resolveServer(s));
      s.once('error', (err) => reject(new StartupError(`cannot listen on ${config.server.host}:${config.server.port}: ${err.message}`)));
    });
    drain.attach(server as Server);
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    // In cluster mode the primary says "listening" once every worker does.
    if (options.worker) logger.info('worker listening', { url, worker: options.worker.id, pid: process.pid, timed_jobs: options.worker.timedJobs, evaluation_threads: pool.size });
    else logger.info('listening', { url, config: config.file ?? '(embedded defaults)', evaluation_threads: pool.size });
    bundles.start();
    const toMib = (bytes: number) => Math.round(bytes / 1048576);
    // The server thread's own collections are logged; the other threads collect silently.
    const idleCollection = startIdleCollection({
      onCollected: ({ heapBefore, heapAfter, ms }) => logger.debug('idle collection', { heap_mib_before: toMib(heapBefore), heap_mib_after: toMib(heapAfter), ms: Math.round(ms) }),
      // A large check leaves the policy's memory grown: renewed once quiet, the old instance
      // collected at the next quiet second.
      onIdle: renewQuietPolicy(policy, logger, () => idleCollection.collectWhenIdle()),
    });

    let closing: Promise<void> | undefined;
    const stop = async () => {
      const seconds = config.server.shutdown_timeout_seconds;
      // One budget for the whole shutdown, not one per step.
      const deadline = performance.now() + seconds * 1000;
      const timeout = setTimeout(() => {
        logger.warn('shutdown timeout: closing remaining connections', { seconds });
        drain.abort();
      }, seconds * 1000);
      try {
        // Held long polls and the poller end at once; the drain waits for the rest.
        await Promise.all([drain.start(), bundles.close()]);
        clearTimeout(timeout);
        // GitHub reviews already accepted get their callback before the store closes, and
        // admission reviews in flight their answer — within what is left of the budget: a
        // callback GitHub does not take is retried for a minute and more (5 attempts of up
        // to 10 s, with backoff), and the supervisor's own kill may not wait that long.
        const integrations = Promise.all([github?.idle(), admission?.close()]);
        if ((await raceTimer(integrations, deadline - performance.now())) === TIMED_OUT) {
          const reviews = github?.pending() ?? 0;
          logger.warn('shutdown timeout: abandoning integration work still in progress', {
            seconds,
            github_reviews: reviews,
            ...(reviews ? { github: 'their deployments stay waiting on GitHub: redeliver those deliveries from the App\'s Advanced tab' } : {}),
            ...(admission ? { admission: 'reviews still in flight are cut; the API server applies the webhook\'s failurePolicy' } : {}),
          });
          admission?.server.closeAllConnections();
        }
        await started.stop().then(() => store.close());
      } catch (err) {
        logger.error('error while stopping', { error: (err as Error).message });
      } finally {
        clearTimeout(timeout);
        idleCollection.stop();
        await pool.close();
      }
      logger.info('stopped');
    };
    const close = () => (closing ??= stop());
    const publisher = bundles.publisher;
    const reloadPublished = publisher ? () => publisher.reload(config.bundle.name) : undefined;
    return { url, policy, store, failed, ...(reloadPublished ? { reloadPublished } : {}), ...(admission ? { admissionUrl: admission.url } : {}), close };
  } catch (err) {
    await continuous?.stop().catch(() => undefined);
    await opened.close().catch(() => undefined);
    throw err;
  }
}
