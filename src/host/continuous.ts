// Notifications and continuous audit, wired beside the checks: the outbox worker, the scan
// for time-driven events (waivers, bundle activations), the audit schedule, and the store
// the API and the check service use — it queues a denial's notification in the decision's
// own transaction and starts an audit when new evidence arrives for a digest.
import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import { createConsole, type ConsoleOptions } from './console.js';
import { fixedCodeError } from '../shared/errors.js';
import { Counter, Gauge, Registry } from 'prom-client';
import type { MetricsSource } from '../api/routes/metrics.js';
import { Auditor, DEFAULT_AUDIT_CONFIG, registerAuditMetrics, type AuditConfig } from '../audit/index.js';
import type { ActivePolicy } from '../engine/index.js';
import {
  cloudEventsSender,
  DEFAULT_NOTIFICATIONS_CONFIG,
  EventFactory,
  EventScanner,
  NotificationWorker,
  slackSender,
  type NotificationsConfig,
  type ReceiverConfig,
  type Sender,
} from '../notify/index.js';
import type { Logger } from '../shared/logger.js';
import type { AuditRecord, AuditTrigger, Store, Waiver } from '../store/types.js';
import type { AuditScope } from '../audit/auditor.js';
import { startRetention } from './retention.js';
import { leadTimedJobs } from './timed-jobs.js';

/** How often waivers and the active revision are looked at for events. */
const SCAN_INTERVAL_MS = 15_000;
const DAY_MS = 86_400_000;

export interface Continuous {
  /** The store to hand the API and the check service (see the file comment). */
  store: Store;
  auditor: Auditor;
  worker: NotificationWorker;
  /** Runs an audit now and waits for it (tests, the console). */
  audit(trigger: AuditTrigger, scope?: AuditScope): Promise<AuditRecord[]>;
  /** The API's metrics with the audit and notification series added. */
  metrics<M extends MetricsSource>(base: M): M;
  /** The web console (/ui) over the same store, mounted beside the API. */
  console(options: ConsoleOptions): Hono;
  /** Stops the timers and the worker and waits for a running audit; before the store closes. */
  stop(): Promise<void>;
}

export class NotificationsConfigError extends fixedCodeError('NotificationsConfigError', 'notifications_invalid', 'invalid_input') {}

function readSecret(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new NotificationsConfigError(`notifications: ${what} ${path} cannot be read: ${(err as Error).message}`);
  }
}

function senderOf(receiver: ReceiverConfig): Sender {
  const url = receiver.url ?? readSecret(receiver.url_file!, `receiver "${receiver.name}": url_file`);
  // Named in a refusal instead of the URL, which may hold the receiver's secret.
  const source = { name: receiver.name, field: receiver.url ? 'url' : 'url_file' } as const;
  if (receiver.type === 'slack') return slackSender(url, source);
  return cloudEventsSender(url, readSecret(receiver.secret_file!, `receiver "${receiver.name}": secret_file`), source);
}

export interface ContinuousSettings {
  notifications?: Partial<NotificationsConfig>;
  audit?: Partial<AuditConfig>;
  /**
   * Whether this process may run the timed jobs: the event scan (its waiver and bundle
   * notifications, and the audits it starts), the scheduled audit, pruning and retention;
   * true unless another worker of the cluster does (src/host/cluster.ts), since every worker
   * would audit every deployment again at start and on each bundle activation. On
   * PostgreSQL it runs them only while it holds the timed-jobs lock (timed-jobs.ts).
   */
  timedJobs?: boolean;
  /** store.retention_days: decisions older than this are pruned hourly by the timed jobs; unset keeps them (tests). */
  retentionDays?: number;
}

export function startContinuous(settings: ContinuousSettings, base: Store, policy: ActivePolicy, logger: Logger): Continuous {
  const timedJobs = settings.timedJobs ?? true;
  const notifications = { ...DEFAULT_NOTIFICATIONS_CONFIG, ...(settings.notifications ?? {}) };
  const audit = { ...DEFAULT_AUDIT_CONFIG, ...(settings.audit ?? {}) };
  const names = notifications.receivers.map((r) => r.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new NotificationsConfigError(`notifications: two receivers are named "${duplicate}"`);
  const senders = new Map(notifications.receivers.map((r) => [r.name, senderOf(r)]));
  const events = new EventFactory(notifications);

  const registry = new Registry();
  const delivered = new Counter({ name: 'dfw_notifications_total', help: 'Notification delivery attempts by receiver and outcome (delivered, retry, dead).', labelNames: ['receiver', 'outcome'] as const, registers: [registry] });
  registerAuditMetrics(registry, base.audits);
  new Gauge({
    name: 'dfw_notifications_queued',
    help: 'Outbox messages by state: pending, delivered, dead (dead letters need a look).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await base.outbox.counts().catch(() => undefined);
      if (counts) for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  const worker = new NotificationWorker({ outbox: base.outbox, senders, config: notifications, logger, onOutcome: (outcome, m) => delivered.inc({ receiver: m.receiver, outcome }) });
  const auditor = new Auditor({
    store: base,
    policy,
    events,
    logger,
    onAudited: (records) => {
      if (records.some((r) => r.status === 'drifted')) worker.wake();
    },
  });
  const runAudit = (trigger: AuditTrigger, scope: AuditScope = {}) =>
    audit.enabled
      ? auditor.run(trigger, scope).catch((err: Error) => {
          logger.error('audit failed', { trigger, error: err.message });
          return [] as AuditRecord[];
        })
      : Promise.resolve([] as AuditRecord[]);

  const scanner = new EventScanner(base, policy, events, notifications.waiver_expiring_days);
  const scan = async () => {
    try {
      const result = await scanner.scan(new Date());
      if (result.queued > 0) worker.wake();
      for (const application of new Set(result.expired.map((w) => w.application))) await runAudit('waiver', { application });
      if (result.activated) await runAudit('bundle');
    } catch (err) {
      logger.error('notification scan failed', { error: (err as Error).message });
    }
  };

  // A worker without the timed jobs still announces the waivers it creates at once; the timed
  // worker's next scan queues the same event id again, which the outbox ignores.
  const queueGranted = async (waiver: Waiver) => {
    try {
      if ((await base.outbox.enqueue(await events.forWaiver('waiver.granted', waiver, new Date(waiver.created_at)))) > 0) worker.wake();
    } catch (err) {
      logger.error('queueing the waiver.granted notification failed', { waiver: waiver.id, error: (err as Error).message });
    }
  };

  const store: Store = {
    ...base,
    async recordDecision(record) {
      const outbox = await events.forDecision(record);
      await base.recordDecision(outbox.length ? { ...record, outbox } : record);
      if (outbox.length) worker.wake();
    },
    async putReport(report) {
      const result = await base.putReport(report);
      // In the background: the push is answered without waiting for the audit.
      if (result.created) void runAudit('evidence', report.subject.digest ? { artifact_digest: report.subject.digest } : {});
      return result;
    },
    async createWaiver(waiver) {
      const created = await base.createWaiver(waiver);
      if (leader?.leading()) void scan();
      else void queueGranted(created);
      return created;
    },
  };

  // Every worker delivers (the outbox leases each message to one of them).
  if (notifications.receivers.length > 0) worker.start();
  let timers: NodeJS.Timeout[] = [];
  let retention: { stop(): void } | undefined;
  const every = (ms: number, job: () => Promise<void>) => {
    void job();
    const timer = setInterval(() => void job(), ms);
    timer.unref();
    timers.push(timer);
  };
  // Old deliveries, audit records and expired console sessions go, hourly.
  const prune = async () => {
    const now = Date.now();
    try {
      const outbox = await base.outbox.prune(new Date(now - notifications.keep_days * DAY_MS));
      const audits = await base.audits.prune(new Date(now - audit.keep_days * DAY_MS));
      const sessions = await base.consoleSessions.prune(new Date(now));
      if (outbox + audits > 0) logger.info('pruned', { outbox, audit_records: audits, console_sessions: sessions });
    } catch (err) {
      logger.error('pruning the outbox and audit records failed', { error: (err as Error).message });
    }
  };
  // Runs in the one process holding the timed-jobs lock; it also skips a scheduled audit that
  // another process ran within the interval (before a restart, or before the lock moved).
  const scheduled = async () => {
    if (!audit.enabled) return;
    try {
      const [last] = await base.audits.list({ trigger: 'schedule', limit: 1 });
      if (last && Date.now() - Date.parse(last.time) < audit.interval_seconds * 900) return;
    } catch (err) {
      logger.error('audit schedule cannot read the audit log', { error: (err as Error).message });
      return;
    }
    await runAudit('schedule');
  };
  // With replicas on one PostgreSQL, the one process holding the database's timed-jobs lock
  // runs them, and another takes over when it goes (src/host/timed-jobs.ts).
  const leader = timedJobs
    ? leadTimedJobs(
        base,
        {
          start() {
            every(SCAN_INTERVAL_MS, scan);
            every(3_600_000, prune);
            every(audit.interval_seconds * 1000, scheduled);
            if (settings.retentionDays) retention = startRetention(base, settings.retentionDays, logger);
          },
          stop() {
            timers.forEach(clearInterval);
            timers = [];
            retention?.stop();
            retention = undefined;
          },
        },
        logger,
      )
    : undefined;
  logger.info('notifications and audit', {
    receivers: names,
    audit: audit.enabled
      ? timedJobs
        ? `every ${audit.interval_seconds}s${base.lockSession ? ' while this process holds the timed-jobs lock' : ''} and on new evidence`
        : 'on new evidence (another worker runs the timed audits)'
      : 'off',
  });

  return {
    store,
    auditor,
    worker,
    audit: (trigger, scope) => runAudit(trigger, scope),
    console: (options) => createConsole(options, { store, policy, receivers: names, logger, ...(notifications.console_url ? { consoleUrl: notifications.console_url } : {}) }),
    metrics: (m) => ({ ...m, render: async () => `${await m.render()}\n${await registry.metrics()}` }),
    async stop() {
      await leader?.stop();
      await worker.stop();
      await auditor.idle();
    },
  };
}
