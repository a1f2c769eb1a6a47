// Continuous audit's contract: an audit record says what a deployment that was let through
// would get with today's bundle and today's evidence. It is not a deploy decision: it
// changes nothing, it only tells (src/audit/).
import type { BySeverity, WaivedViolation } from '../engine/index.js';
import type { NewOutboxMessage } from './outbox-types.js';
import type { DecisionRecord, Instant } from './types.js';

export type AuditStatus = 'compliant' | 'drifted';
/** What started the audit run. */
export type AuditTrigger = 'schedule' | 'evidence' | 'waiver' | 'bundle' | 'manual';

export interface NewAuditRecord {
  /** When the deployment was re-evaluated. */
  time: Instant;
  /** The allowed decision that let the deployment through. */
  decision_id: string;
  application: string;
  environment: string;
  service?: string;
  artifact_digest?: string;
  status: AuditStatus;
  trigger: AuditTrigger;
  bundle: { name: string; revision: string };
  deny: BySeverity;
  warn: BySeverity;
  waived: WaivedViolation[];
}

export interface AuditRecord extends Omit<NewAuditRecord, 'time'> {
  id: string;
  time: string;
}

export interface AuditLog {
  /** The newest allowed, enforced (not dry-run) decision of each application and environment. */
  deployments(filter?: { artifact_digest?: string; application?: string }): Promise<DecisionRecord[]>;
  /** Records the result and queues its notifications in the same transaction. */
  record(record: NewAuditRecord, outbox?: NewOutboxMessage[]): Promise<AuditRecord>;
  /** The newest audit record of each application and environment, drifted first. */
  latest(): Promise<AuditRecord[]>;
  /** Newest first. */
  list(filter?: { application?: string; environment?: string; limit?: number }): Promise<AuditRecord[]>;
}
