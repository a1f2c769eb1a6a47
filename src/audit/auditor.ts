// Continuous audit: re-evaluates the newest allowed deployment of each application and
// environment with the active bundle, today's pushed evidence and today's waivers (the
// replay of src/decide on a refreshed input), and records the result: still compliant or
// drifted. A drift is queued for notification in the same transaction as its record.
import { replayRecord } from '../decide/replay.js';
import type { ActivePolicy } from '../engine/index.js';
import type { EventFactory } from '../notify/events.js';
import type { Logger } from '../shared/logger.js';
import type { AuditRecord, AuditTrigger, Store } from '../store/types.js';
import { refreshInput } from './refresh-input.js';

export interface AuditorOptions {
  store: Pick<Store, 'audits' | 'latestEvidence' | 'activeWaivers'>;
  policy: ActivePolicy;
  events: EventFactory;
  logger: Logger;
  clock?: () => Date;
  /** Hears every run's records (metrics, the console). */
  onAudited?: (records: AuditRecord[]) => void;
}

export interface AuditScope {
  artifact_digest?: string;
  application?: string;
}

export class Auditor {
  private readonly clock: () => Date;
  /** Runs one at a time: an evidence push during a scheduled run waits for it. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AuditorOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  run(trigger: AuditTrigger, scope: AuditScope = {}): Promise<AuditRecord[]> {
    const next = this.tail.then(() => this.audit(trigger, scope));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once no audit is running (before the store closes). */
  async idle(): Promise<void> {
    await this.tail;
  }

  private async audit(trigger: AuditTrigger, scope: AuditScope): Promise<AuditRecord[]> {
    const { store, policy, events, logger } = this.options;
    const evaluator = policy.current();
    if (!evaluator) return [];
    const deployments = await store.audits.deployments(scope);
    const records: AuditRecord[] = [];
    for (const deployment of deployments) {
      const now = this.clock();
      const waivers = await store.activeWaivers(now, { application: deployment.application, environment: deployment.environment });
      const input = await refreshInput(deployment, store, waivers);
      (input.request ??= {}).time = now.toISOString();
      const replayed = replayRecord({ ...deployment, input }, evaluator);
      const audit = {
        time: now.toISOString(),
        decision_id: deployment.decision_id,
        application: deployment.application,
        environment: deployment.environment,
        ...(deployment.service ? { service: deployment.service } : {}),
        ...(deployment.artifact_digest ? { artifact_digest: deployment.artifact_digest } : {}),
        status: replayed.allow ? ('compliant' as const) : ('drifted' as const),
        trigger,
        bundle: replayed.bundle,
        deny: replayed.deny,
        warn: replayed.warn,
        waived: replayed.waived,
      };
      const outbox = audit.status === 'drifted' ? await events.forDrift(audit) : [];
      records.push(await store.audits.record(audit, outbox));
    }
    const drifted = records.filter((r) => r.status === 'drifted');
    logger.info('audit', { trigger, ...scope, audited: records.length, drifted: drifted.length });
    this.options.onAudited?.(records);
    return records;
  }
}
