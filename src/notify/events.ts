// The events dfw tells people about, as CloudEvents 1.0 (https://github.com/cloudevents/spec):
// one JSON object per event, its `id` the receivers' idempotency key. Ids derived from what
// happened (the decision, the waiver and the moment, the audited deployment, the drift
// episode and what blocks it) make queuing the same event twice a no-op, so a scan that
// runs again after a restart does not notify again.
import { SEVERITIES, type BySeverity, type Severity } from '../engine/index.js';
import { sha256Hex } from '../shared/sha256.js';
import type { AuditRecord, NewDecisionRecord, NewOutboxMessage, Waiver } from '../store/types.js';
import type { EventName, NotificationsConfig } from './config.js';

export const EVENT_TYPE_PREFIX = 'dev.dfw.';

export interface CloudEvent<T = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
}

/** A violation as notifications carry it. */
export interface EventViolation {
  rule: string;
  title: string;
  severity: Severity;
  message: string;
  remediation: string;
}

/** A stable id from what identifies the event: the same facts give the same id. */
export async function eventId(name: EventName, ...key: string[]): Promise<string> {
  const hex = await sha256Hex([name, ...key].join('\u0000'));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function blockingViolations(deny: BySeverity): EventViolation[] {
  return SEVERITIES.flatMap((severity) =>
    deny[severity].map((v) => ({ rule: v.rule, title: v.title, severity, message: v.message, remediation: v.remediation })),
  );
}

/** What blocks, as drift notifications compare it: each rule with its message. */
function findingsOf(violations: EventViolation[]): string[] {
  return violations.map((v) => `${v.rule}:${v.message}`).sort();
}

export class EventFactory {
  constructor(private readonly config: Pick<NotificationsConfig, 'console_url' | 'receivers'>) {}

  get enabled(): boolean {
    return this.config.receivers.length > 0;
  }

  /** The console page of a decision, when the console's address is known. */
  link(path: string): string | undefined {
    return this.config.console_url ? `${this.config.console_url.replace(/\/+$/, '')}${path}` : undefined;
  }

  /** One outbox message per receiver that wants this event. */
  messages(name: EventName, event: CloudEvent): NewOutboxMessage[] {
    return this.config.receivers
      .filter((r) => !r.events || r.events.includes(name))
      .map((r) => ({ event_id: event.id, receiver: r.name, type: event.type, event }));
  }

  async event(name: EventName, key: string[], at: Date, subject: string, data: Record<string, unknown>): Promise<CloudEvent> {
    return {
      specversion: '1.0',
      id: await eventId(name, ...key),
      source: this.config.console_url ?? 'urn:dfw',
      type: `${EVENT_TYPE_PREFIX}${name}`,
      subject,
      time: at.toISOString(),
      datacontenttype: 'application/json',
      data,
    };
  }

  /** A denial that was enforced (not a dry run): the deployment was stopped. */
  async forDecision(record: NewDecisionRecord): Promise<NewOutboxMessage[]> {
    if (!this.enabled || record.allow || record.dry_run) return [];
    const url = this.link(`/ui/decisions/${encodeURIComponent(record.decision_id)}`);
    const event = await this.event('decision.denied', [record.decision_id], new Date(record.time), `${record.application}/${record.environment}`, {
      decision_id: record.decision_id,
      application: record.application,
      environment: record.environment,
      ...(record.service ? { service: record.service } : {}),
      ...(record.artifact_digest ? { artifact_digest: record.artifact_digest } : {}),
      caller: record.caller,
      via: record.via,
      bundle: record.bundle,
      violations: blockingViolations(record.deny),
      ...(url ? { url } : {}),
    });
    return this.messages('decision.denied', event);
  }

  async forWaiver(name: 'waiver.granted' | 'waiver.expiring' | 'waiver.expired', waiver: Waiver, at: Date): Promise<NewOutboxMessage[]> {
    if (!this.enabled) return [];
    const url = this.link('/ui/waivers');
    const event = await this.event(name, [waiver.id], at, `${waiver.application}/${waiver.environment}`, { waiver, ...(url ? { url } : {}) });
    return this.messages(name, event);
  }

  /**
   * Keyed by the minute of activation, not the millisecond: the worker processes of one
   * server (dfw serve --workers) each activate the revision within moments of each other.
   */
  async forBundle(bundle: { name: string; revision: string; activated_at: string }): Promise<NewOutboxMessage[]> {
    if (!this.enabled) return [];
    const url = this.link('/ui/bundles');
    const event = await this.event('bundle.activated', [bundle.name, bundle.revision, bundle.activated_at.slice(0, 16)], new Date(bundle.activated_at), bundle.name, { bundle, ...(url ? { url } : {}) });
    return this.messages('bundle.activated', event);
  }

  /**
   * A deployment that passed no longer would: one event per drift episode. `previous` is the
   * newest record that judged the same application and environment before this one (audits
   * that failed skipped). Still drifted there, on the same deployment, with nothing new
   * blocking, the drift persists and is not notified again. Otherwise it starts (or a new
   * finding joins it), and the key names that previous record: drifted, compliant under a
   * waiver, then drifted again with the same findings is a new event, while two processes
   * auditing the same deployment at once see the same previous record and queue one.
   */
  async forDrift(audit: Omit<AuditRecord, 'id'>, previous?: AuditRecord): Promise<NewOutboxMessage[]> {
    if (!this.enabled) return [];
    const violations = blockingViolations(audit.deny);
    const findings = findingsOf(violations);
    if (previous?.status === 'drifted' && previous.decision_id === audit.decision_id) {
      const known = new Set(findingsOf(blockingViolations(previous.deny)));
      if (findings.every((f) => known.has(f))) return [];
    }
    const url = this.link(`/ui/decisions/${encodeURIComponent(audit.decision_id)}`);
    const event = await this.event('audit.drifted', [audit.decision_id, previous?.id ?? 'first', ...findings], new Date(audit.time), `${audit.application}/${audit.environment}`, {
      decision_id: audit.decision_id,
      application: audit.application,
      environment: audit.environment,
      ...(audit.artifact_digest ? { artifact_digest: audit.artifact_digest } : {}),
      bundle: audit.bundle,
      violations,
      ...(url ? { url } : {}),
    });
    return this.messages('audit.drifted', event);
  }
}
