// The Store over either SQL driver: one implementation, so both backends behave the same.
// Every driver error leaves here as a StoreError (the store's own typed errors unchanged).
import { CachedReads, DEFAULT_CACHE_LIMITS, type CacheLimits } from './cached-reads.js';
import { complianceActivity } from './compliance.js';
import { DecisionLog } from './decisions.js';
import { wrapStoreError, StoreError } from './errors.js';
import { EvidenceStore } from './evidence.js';
import { SqlAuditLog } from './audit.js';
import { SqlOutbox } from './outbox.js';
import { SqlDecisionStats } from './stats.js';
import { SqlConsoleSessions } from './console-sessions.js';
import type { SqlDriver } from './sql/driver.js';
import type { AuditLog, ConsoleSessions, DecisionStats, Outbox, Store, WaiverRequests } from './types.js';
import { SqlWaiverRequests } from './waiver-requests.js';
import { WaiverStore } from './waivers.js';

async function guard<T>(doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw wrapStoreError(err, doing);
  }
}

/** Every method of `target` through `open`: refused once closed, driver errors wrapped. */
function guarded<T extends object>(target: T, what: string, open: <R>(doing: string, work: () => Promise<R>) => Promise<R>): T {
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter((name) => name !== 'constructor');
  return Object.fromEntries(
    methods.map((name) => [name, (...args: unknown[]) => open(`${what}: ${name}`, () => (target as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args))]),
  ) as T;
}

export function createSqlStore(db: SqlDriver, options: { maskPaths: readonly string[]; clock: () => Date; cacheLimits?: Partial<CacheLimits> }): Store {
  const decisions = new DecisionLog(db, options.maskPaths, options.clock);
  const waivers = new WaiverStore(db, options.clock);
  const evidence = new EvidenceStore(db);
  const cached = new CachedReads(db, waivers, evidence, { ...DEFAULT_CACHE_LIMITS, ...options.cacheLimits });
  let closed = false;
  const open = <T>(doing: string, work: () => Promise<T>): Promise<T> =>
    closed ? Promise.reject(new StoreError('store_closed', `${doing}: the store is closed`, { kind: 'unavailable' })) : guard(doing, work);
  /** A stream of the log, refused once closed; each batch it pulls is a guarded read. */
  async function* readDecisions<T>(start: () => AsyncIterator<T>): AsyncIterableIterator<T> {
    if (closed) throw new StoreError('store_closed', 'reading decisions: the store is closed', { kind: 'unavailable' });
    const batches = start();
    for (;;) {
      const next = await guard('reading decisions', () => batches.next());
      if (next.done) return;
      yield next.value;
    }
  }
  const outbox = new SqlOutbox(db, options.clock);
  const audits = new SqlAuditLog(db, options.clock);
  const stats = new SqlDecisionStats(db);

  return {
    backend: db.dialect,
    caches: { stats: () => cached.stats() },
    outbox: guarded<Outbox>(outbox, 'the outbox', open),
    audits: guarded<AuditLog>(audits, 'the audit log', open),
    stats: guarded<DecisionStats>(stats, 'decision statistics', open),
    consoleSessions: guarded<ConsoleSessions>(new SqlConsoleSessions(db), 'console sessions', open),
    waiverRequests: guarded<WaiverRequests>(new SqlWaiverRequests(db, options.clock), 'waiver requests', open),
    ...(db.lockSession ? { lockSession: db.lockSession.bind(db) } : {}),
    recordDecision: (record) => open('recording a decision', () => decisions.record(record)),
    getDecision: (id) => open('reading a decision', () => decisions.get(id)),
    firstAllowed: (application, digest) => open('reading where a digest was first allowed', () => decisions.firstAllowed(application, digest)),
    listDecisions: (filter, page) => open('listing decisions', () => decisions.list(filter, page)),
    decisionsSince: (from, to) => readDecisions(() => decisions.since(from, to)),
    decisionInputsSince: (from, to) => readDecisions(() => decisions.inputsSince(from, to)),
    pruneDecisions: (before) => open('pruning decisions', () => decisions.prune(before)),
    complianceActivity: (from, to) => open('reading decisions for a compliance report', () => complianceActivity(db, from, to)),

    createWaiver: (waiver) => open('creating a waiver', () => waivers.create(waiver)),
    getWaiver: (id) => open('reading a waiver', () => waivers.get(id)),
    listWaivers: (listOptions) => open('listing waivers', () => waivers.list(listOptions)),
    revokeWaiver: (id, revocation) => open('revoking a waiver', () => waivers.revoke(id, revocation)),
    activeWaivers: (at, filter) => open('reading active waivers', () => cached.activeWaivers(at, filter)),

    putReport: (report) => open('storing a report', () => evidence.put(report)),
    getReport: (id) => open('reading a report', () => evidence.get(id)),
    listReports: (subject) => open('listing reports', () => evidence.list(subject)),
    latestEvidence: (subject) => open('reading evidence', () => cached.latestEvidence(subject)),

    schemaVersion: () =>
      open('reading the schema version', async () => {
        const [row] = await db.all<{ version: unknown }>('SELECT MAX(version) AS version FROM schema_migrations');
        return Number(row?.version ?? 0);
      }),
    ping: () => open('pinging the database', async () => void (await db.all('SELECT 1 AS ok'))),
    async close() {
      if (closed) return;
      closed = true;
      // Decisions already submitted are committed (and their callers answered) first.
      await guard('closing the store', async () => {
        await decisions.drain();
        await db.close();
      });
    },
  };
}
