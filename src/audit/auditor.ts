// Continuous audit: re-evaluates the newest allowed deployment of each application and
// environment with the active bundle, today's pushed evidence and today's waivers (the
// replay of src/decide on a refreshed input), and records the result: still compliant,
// drifted, or error when it could not be evaluated. A drift is queued for notification in
// the same transaction as its record.
import { replayRecord } from '../decide/replay.js';
import type { ActivePolicy, Evaluator } from '../engine/index.js';
import type { EventFactory } from '../notify/events.js';
import { describeThrown } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { AuditRecord, AuditTrigger, DecisionRecord, Store } from '../store/types.js';
import { refreshInput } from './refresh-input.js';
import { unevaluableRecord } from './unevaluable.js';

/** How many records back the previous verdict is looked for, past audits that failed. */
const PREVIOUS_LOOKBACK = 20;

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
    const { store, policy, logger } = this.options;
    const evaluator = policy.current();
    if (!evaluator) return [];
    const deployments = await store.audits.deployments(scope);
    const records: AuditRecord[] = [];
    let unrecorded = 0;
    // Each deployment on its own: one that fails must not stop the audit of those after it,
    // which would keep their previous (perhaps compliant) record for as long as it fails.
    for (const deployment of deployments) {
      const record = await this.auditDeployment(deployment, evaluator, trigger);
      if (record) records.push(record);
      else unrecorded++;
    }
    const count = (status: AuditRecord['status']) => records.filter((r) => r.status === status).length;
    const summary = {
      trigger,
      ...scope,
      audited: records.length,
      compliant: count('compliant'),
      drifted: count('drifted'),
      errors: count('error') + unrecorded,
      ...(unrecorded ? { unrecorded } : {}),
    };
    if (summary.errors > 0) logger.warn('audit', summary);
    else logger.info('audit', summary);
    this.options.onAudited?.(records);
    return records;
  }

  /** Judges one deployment and records the result; undefined when not even an error could be recorded. */
  private async auditDeployment(deployment: DecisionRecord, evaluator: Evaluator, trigger: AuditTrigger): Promise<AuditRecord | undefined> {
    const { store, events, logger } = this.options;
    const now = this.clock();
    const about = { decision_id: deployment.decision_id, application: deployment.application, environment: deployment.environment };
    try {
      const audit = await this.evaluate(deployment, evaluator, trigger, now);
      const outbox = audit.status === 'drifted' ? await events.forDrift(audit, await this.previousVerdict(deployment)) : [];
      return await store.audits.record(audit, outbox);
    } catch (err) {
      logger.error('audit of a deployment failed', { ...about, trigger, error: describeThrown(err) });
      try {
        return await store.audits.record(unevaluableRecord(deployment, evaluator, trigger, now, err));
      } catch (recordErr) {
        logger.error('audit error not recorded', { ...about, error: describeThrown(recordErr) });
        return undefined;
      }
    }
  }

  private async evaluate(deployment: DecisionRecord, evaluator: Evaluator, trigger: AuditTrigger, now: Date): Promise<Omit<AuditRecord, 'id'>> {
    const { store } = this.options;
    const waivers = await store.activeWaivers(now, { application: deployment.application, environment: deployment.environment });
    const input = await refreshInput(deployment, store, waivers);
    (input.request ??= {}).time = now.toISOString();
    const replayed = replayRecord({ ...deployment, input }, evaluator);
    return {
      time: now.toISOString(),
      decision_id: deployment.decision_id,
      application: deployment.application,
      environment: deployment.environment,
      ...(deployment.service ? { service: deployment.service } : {}),
      ...(deployment.artifact_digest ? { artifact_digest: deployment.artifact_digest } : {}),
      status: replayed.allow ? 'compliant' : 'drifted',
      trigger,
      bundle: replayed.bundle,
      deny: replayed.deny,
      warn: replayed.warn,
      waived: replayed.waived,
    };
  }

  /**
   * The newest record that judged this application and environment, errors skipped: a drift
   * notifies when it starts, and an audit that failed in between says nothing about whether
   * the drift went away (src/notify/events.ts forDrift).
   */
  private async previousVerdict(deployment: DecisionRecord): Promise<AuditRecord | undefined> {
    const recent = await this.options.store.audits.list({ application: deployment.application, environment: deployment.environment, limit: PREVIOUS_LOOKBACK });
    return recent.find((r) => r.status !== 'error');
  }
}
