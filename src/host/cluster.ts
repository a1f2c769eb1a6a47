// Cluster mode (server.workers > 1): several server processes share the port through
// node:cluster, so checks use every core; one JavaScript thread was the ceiling before
// (docs/performance.md). Each worker is a whole dfw server (HTTP, collectors, evaluator,
// its own store connection for reads); one of them also runs the timed jobs (event scan,
// scheduled audit, pruning, retention), so they run once, not once per worker. On SQLite,
// whose WAL admits one writer at a time, the primary process is the decision log's only
// writer: workers prepare each row (mask, serialize) and send it over IPC; the primary
// group-commits and acknowledges, and a worker answers only after that acknowledgement. On
// PostgreSQL every worker writes through its own pool. SIGTERM to the primary drains every
// worker (src/host/drain.ts), then closes the writer.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';
import { StoreError } from '../store/errors.js';
import { storeOptions } from '../store/config.js';
import type { DecisionWriter } from '../store/decision-writer.js';
import { openDecisionWriterThread } from '../store/writer-thread.js';
import { commitRows, PendingAcks, rowSender, type RowAck, type SentRow } from '../store/writer-messages.js';
import { turnBatch, type TurnBatch } from '../store/turn-batch.js';
import { withRemoteDecisionWriter } from '../store/remote-writer.js';
import { exposeFullCollection, startIdleCollection } from '../store/idle-collection.js';
import type { RunningServer, ServerOptions } from './server.js';
import { StartupError } from './startup-error.js';
import { onShutdownSignal } from './shutdown-signals.js';

// Rows and acknowledgements cross in batches, one message per event-loop turn, rows at most
// ROWS_PER_MESSAGE to one (store/writer-messages.ts).
type ToPrimary =
  | { type: 'dfw:records'; rows: SentRow[] }
  | { type: 'dfw:listening'; url: string }
  | { type: 'dfw:bundle-changed' };

type ToWorker =
  | { type: 'dfw:recorded'; acks: RowAck[] }
  | { type: 'dfw:reload-bundle' };

/**
 * A worker's semi-spaces (V8's young generation), in MiB. V8 grows them to 16 MiB each under
 * load and keeps them: measured with 16 connections of typical and then large checks,
 * 8 MiB answered about as many checks per second and left the cluster 2–87 MiB smaller after
 * the load in three pairs (performance-changes.md, thirteenth round).
 */
const WORKER_SEMI_SPACE_MIB = 8;

/**
 * Node flags that size the heap themselves. V8 refuses --max-heap-size beside both a
 * semi-space and an old-space size (it aborts at startup), and a minimum semi-space above
 * the maximum added here would be cut down: the operator's sizing wins. NODE_OPTIONS may
 * quote a flag.
 */
const HEAP_SIZING_FLAG = /^["']?--(?:(?:max|min)[-_]semi[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/** The Node flags of a worker process: the primary's own, plus the smaller semi-spaces unless the heap is sized already. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const sized = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => HEAP_SIZING_FLAG.test(arg));
  return sized ? [...execArgv] : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`];
}

const isSqlite = (config: Config) => config.store.url.startsWith('sqlite:');
/** Set by the primary in a worker's environment: "1" for the worker that runs the timed jobs. */
const TIMED_JOBS_ENV = 'DFW_CLUSTER_TIMED_JOBS';

/** Runs `dfw serve` as the primary or as one of its workers; resolves with the exit code when it has stopped. */
export async function runCluster(config: Config, logger: Logger, options: ServerOptions = {}): Promise<number> {
  if (cluster.isPrimary) return runPrimary(config, logger);
  await runWorker(config, logger, options);
  return 0;
}

async function runPrimary(config: Config, logger: Logger): Promise<number> {
  const count = config.server.workers;
  let stopFor: ((why: string) => void) | undefined;
  // 1 when the writer thread stopped (every check would fail closed): a supervisor restarts dfw.
  let exitCode = 0;
  // Before the writer thread starts, so that it finds V8's collection on its own global.
  exposeFullCollection();
  // The writer opens (and migrates) the SQLite file before any worker reads it. It commits on
  // a thread of its own, so this process's event loop relays rows and acknowledgements while
  // a commit waits for its fsync (src/store/writer-thread.ts).
  const writer: DecisionWriter | undefined = isSqlite(config)
    ? await openDecisionWriterThread(config.store.url, {
        onStopped: (reason) => {
          // No decision can be recorded any more: every check fails closed until a restart.
          logger.error('the decision writer thread stopped: shutting down', { reason });
          exitCode = 1;
          stopFor?.('decision writer stopped');
        },
      }).catch((err: Error) => {
        throw new StartupError(`the store ${config.store.url} cannot be opened: ${err.message}`);
      })
    : undefined;
  // Structured clone over the IPC pipe: the row's JSON strings are not escaped a second time.
  cluster.setupPrimary({ serialization: 'advanced', execArgv: workerExecArgv() });
  // Every row of every worker crosses this heap on its way to the writer thread.
  const idleCollection = startIdleCollection();

  let stopping = false;
  let listening = 0;
  let allListening!: () => void;
  let failStart!: (err: Error) => void;
  const everyoneListening = new Promise<void>((resolve, reject) => {
    allListening = resolve;
    failStart = reject;
  });
  const urls = new Set<string>();
  const onMessage = (worker: Worker, acks: TurnBatch<RowAck>) => (message: ToPrimary) => {
    if (message.type === 'dfw:records') {
      if (writer) commitRows((pending) => writer.write(pending), message.rows, acks);
    } else if (message.type === 'dfw:bundle-changed') {
      // A publish or rollback reached one worker: the others serve it too.
      for (const other of Object.values(cluster.workers ?? {})) if (other && other !== worker) send(other, { type: 'dfw:reload-bundle' });
    } else if (message.type === 'dfw:listening') {
      urls.add(message.url);
      if (++listening === count) {
        logger.info('listening', { url: message.url, workers: count, config: config.file ?? '(embedded defaults)' });
        allListening();
      }
    }
  };
  // One worker runs the timed jobs (event scan, scheduled audit, pruning, retention); whoever
  // replaces it takes them over.
  let timedJobsWorker: number | undefined;
  const fork = () => {
    const timedJobs = timedJobsWorker === undefined;
    const worker = cluster.fork({ [TIMED_JOBS_ENV]: timedJobs ? '1' : '0' });
    if (timedJobs) timedJobsWorker = worker.id;
    worker.on('message', onMessage(worker, turnBatch<RowAck>((batch) => send(worker, { type: 'dfw:recorded', acks: batch }))));
    return worker;
  };
  // From the first fork on, so that no exit goes unseen between the start and the replacing.
  cluster.on('exit', (worker, code, signal) => {
    if (worker.id === timedJobsWorker) timedJobsWorker = undefined;
    if (stopping) return;
    // Until every worker listens, a worker that exits fails the start; from then on it is replaced.
    if (listening < count) {
      failStart(new StartupError(`worker ${worker.id} exited with ${code} before it listened; its log is above`));
      return;
    }
    // Its in-flight checks were never answered.
    logger.error('worker exited; starting another', { worker: worker.id, code, signal });
    fork();
  });

  for (let i = 0; i < count; i++) fork();
  try {
    await everyoneListening;
  } catch (err) {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    idleCollection.stop();
    await writer?.close();
    throw err;
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down', { signal, workers: Object.keys(cluster.workers ?? {}).length });
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      // Past the workers' own timeout, whatever is left is killed.
      const deadline = setTimeout(() => workers.forEach((w) => w.process.kill('SIGKILL')), (config.server.shutdown_timeout_seconds + 5) * 1000);
      void Promise.all(workers.map((w) => new Promise<void>((done) => (w.isDead() ? done() : (w.once('exit', () => done()), w.process.kill('SIGTERM'))))))
        .then(async () => {
          clearTimeout(deadline);
          await writer?.close();
        })
        .catch((err: Error) => logger.error('error while stopping', { error: err.message }))
        .finally(() => {
          idleCollection.stop();
          logger.info('stopped');
          resolve(exitCode);
        });
    };
    stopFor = stop;
    // The writer may have stopped while the workers were starting.
    if (exitCode !== 0) stop('decision writer stopped');
    // A second signal must not end the primary (the SQLite writer) while its workers drain.
    onShutdownSignal(stop, { repeated: (signal) => logger.info('already shutting down', { signal }) });
  });
}

function send(worker: Worker, message: ToWorker): void {
  // A worker that died meanwhile has no one to answer: its request failed with it.
  if (worker.isConnected()) worker.send(message);
}

async function runWorker(config: Config, logger: Logger, options: ServerOptions): Promise<void> {
  const id = cluster.worker!.id;
  const acks = new PendingAcks();
  let reload: (() => Promise<void>) | undefined;
  // A publish announced while this worker is still starting (after it loaded the bundle, before
  // it can reload) is reloaded once it can, or it would answer from the old revision.
  let reloadWhenStarted = false;
  const reloadNow = () =>
    void reload!().catch((err: Error) => logger.error('reloading the published bundle failed', { worker: id, error: err.message }));
  process.on('message', (message: ToWorker) => {
    if (message.type === 'dfw:reload-bundle') {
      logger.info('another worker activated a published bundle: reloading', { worker: id });
      if (reload) reloadNow();
      else reloadWhenStarted = true;
      return;
    }
    if (message.type === 'dfw:recorded') acks.settleAll(message.acks);
  });
  // Without the primary no decision can be recorded: stop rather than answer unrecorded.
  const primaryGone = () => {
    logger.error('the primary process is gone: stopping', { worker: id });
    acks.failAll(new StoreError('store_failed', 'the decision writer (primary process) is gone'));
    process.exit(1);
  };
  process.once('disconnect', primaryGone);
  const rows = rowSender(
    acks,
    (batch) => process.send!({ type: 'dfw:records', rows: batch } satisfies ToPrimary),
    (err) => new StoreError('store_failed', `the decision writer (primary process) could not be reached: ${(err as Error).message}`, { cause: err }),
  );

  let server: RunningServer;
  try {
    // Only a worker loads the server (the API, the engine, the collectors): the primary
    // relays rows to its writer thread and needs none of it.
    const { startServer } = await import('./server.js');
    server = await startServer(config, logger, {
      ...options,
      worker: {
        id,
        timedJobs: process.env[TIMED_JOBS_ENV] === '1',
        ...(isSqlite(config) ? { wrapStore: (store) => withRemoteDecisionWriter(store, storeOptions(config.store), rows.send) } : {}),
      },
    });
  } catch (err) {
    // The command reports the failure and sets the exit code; but the channel to the primary
    // would keep this process alive, and the primary would wait for it to listen, both
    // forever. Let go of it, so that this process ends and the primary fails the start.
    // (Through the cluster worker, so that Node's cluster does not end it with exit code 0.)
    process.off('disconnect', primaryGone);
    cluster.worker!.disconnect();
    setTimeout(() => process.exit(), 1_000).unref();
    throw err;
  }
  if (server.reloadPublished) {
    // Any activation that is not a reload asked for by the primary is a publish or rollback
    // through this worker's API: tell the others. Each decision still comes from one
    // evaluator; between the two moments a worker answers from the old revision or the new.
    let reloading = false;
    const policy = server.policy;
    const activate = policy.activate.bind(policy);
    policy.activate = (evaluator, at) => {
      activate(evaluator, at);
      if (!reloading) process.send!({ type: 'dfw:bundle-changed' } satisfies ToPrimary);
    };
    const reloadPublished = server.reloadPublished;
    reload = async () => {
      reloading = true;
      try {
        await reloadPublished();
      } finally {
        reloading = false;
      }
    };
    if (reloadWhenStarted) reloadNow();
  }
  process.send!({ type: 'dfw:listening', url: server.url } satisfies ToPrimary);
  await new Promise<void>((resolve) => {
    // A SIGTERM to the whole process group reaches this worker twice: directly, and again
    // forwarded by the primary. The first starts the drain; the second must not end it.
    onShutdownSignal(() => void server.close().then(resolve), { signals: ['SIGTERM'], repeated: (signal) => logger.info('already shutting down', { signal, worker: id }) });
    // Ctrl-C reaches the whole process group: the primary decides, and sends SIGTERM.
    process.on('SIGINT', () => undefined);
  });
  process.exit(0);
}
