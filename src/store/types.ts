// The storage contract: one Store interface for the decision log, waivers and the evidence
// store, implemented identically on SQLite and PostgreSQL (docs/storage.md).
import type { BySeverity, Decision, WaivedViolation } from '../engine/index.js';
import type { EvidenceKind, ParsedEvidence, ReportKind } from '../evidence/types.js';
import type { AuditLog } from './audit-types.js';
import type { NewOutboxMessage, Outbox } from './outbox-types.js';
import type { WaiverRequests } from './waiver-request-types.js';

export type * from './outbox-types.js';
export type * from './audit-types.js';
export type * from './waiver-request-types.js';

/** A point in time: a Date or an RFC 3339 string. Stored with millisecond precision. */
export type Instant = Date | string;

/** One logged decision. Times come back as `Date.prototype.toISOString()` (UTC, ms). */
export interface DecisionRecord {
  decision_id: string;
  /** The request time (`input.request.time`), which the policy judged against. */
  time: string;
  application: string;
  service?: string;
  environment: string;
  artifact_digest?: string;
  allow: boolean;
  deny: BySeverity;
  warn: BySeverity;
  waived: WaivedViolation[];
  bundle: { name: string; revision: string };
  timing_ms: Record<string, number>;
  /** Who asked: the API token's name, or the CLI user. */
  caller: string;
  /** How the request came in: api | kubernetes | github | cli. */
  via: string;
  /** A dry run is recorded but was not enforced. */
  dry_run: boolean;
  /** The full input document, secrets masked (the store masks again on write). */
  input: unknown;
  /** The full decision as it was answered. */
  decision: Decision;
}

/**
 * What `recordDecision` accepts: a record whose time may also be a Date, and the
 * notifications it causes, queued in the outbox in the same transaction (src/store/outbox.ts).
 */
export type NewDecisionRecord = Omit<DecisionRecord, 'time'> & { time: Instant; outbox?: NewOutboxMessage[] };

/** A decision in a list: everything but the (large) input and decision documents. */
export type DecisionSummary = Omit<DecisionRecord, 'input' | 'decision'>;

export interface DecisionFilter {
  application?: string;
  environment?: string;
  allow?: boolean;
  /** A rule id found in the decision's deny, warn or waived lists. */
  rule?: string;
  /** Request time at or after (inclusive). */
  from?: Instant;
  /** Request time before (exclusive). */
  to?: Instant;
}

export interface PageRequest {
  /** 1..1000, default 50. */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when there may be more: pass it back as `cursor`. */
  next_cursor?: string;
}

export interface NewWaiver {
  rule: string;
  application: string;
  /** An environment name, or `*` for every environment. */
  environment: string;
  artifact_digest?: string;
  reason: string;
  ticket?: string;
  requested_by: string;
  approved_by: string;
  expires_at: Instant;
}

export interface Waiver {
  id: string;
  rule: string;
  application: string;
  environment: string;
  artifact_digest?: string;
  reason: string;
  ticket?: string;
  requested_by: string;
  approved_by: string;
  expires_at: string;
  created_at: string;
  revoked_at?: string;
  revoked_by?: string;
}

/** An entry of `input.waivers` (docs/input.schema.json $defs/waiver). */
export type InputWaiver = Omit<Waiver, 'created_at' | 'revoked_at' | 'revoked_by'>;

export interface WaiverListOptions {
  /** Include revoked waivers (history). Default false. Ignored when `activeAt` is given. */
  includeRevoked?: boolean;
  /** Only waivers in force at that instant: created by then, not expired, not yet revoked. */
  activeAt?: Instant;
}

export interface ReportSubject {
  digest?: string;
  repository?: string;
  commit?: string;
}

export interface NewReport {
  kind: ReportKind;
  /** An image digest, or a repository and commit (or both). */
  subject: ReportSubject;
  raw: string;
  normalized: ParsedEvidence;
  pushed_by: string;
  received_at: Instant;
}

export interface ReportSummary {
  id: string;
  kind: ReportKind;
  subject: ReportSubject;
  /** Hex SHA-256 of the raw report's UTF-8 bytes. */
  sha256: string;
  pushed_by: string;
  received_at: string;
  evidence_kinds: EvidenceKind[];
}

export interface StoredReport extends ReportSummary {
  raw: string;
  normalized: ParsedEvidence;
}

/** The newest evidence of one kind, and the report it came from. */
export interface LatestEvidenceEntry<T> {
  value: T;
  report_id: string;
  report_kind: ReportKind;
  subject: ReportSubject;
  received_at: string;
}

export type LatestEvidence = {
  [K in keyof ParsedEvidence]?: LatestEvidenceEntry<NonNullable<ParsedEvidence[K]>>;
};

/** Counts the console's overview draws (src/store/stats.ts). */
export interface DecisionStats {
  /** Decisions per UTC day (YYYY-MM-DD), environment and verdict, since `from`. */
  perDay(from: Instant): Promise<Array<{ day: string; environment: string; allow: boolean; count: number }>>;
  /** How often each rule blocked (was in `deny`) since `from`, dry runs aside, most first. */
  denyingRules(from: Instant): Promise<Array<{ rule: string; count: number }>>;
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Notifications waiting for delivery, delivered, and dead letters. */
  readonly outbox: Outbox;
  /** Continuous audit: what the deployments that were let through would get today. */
  readonly audits: AuditLog;
  readonly stats: DecisionStats;
  /** Waiver requests: asked for by one identity, approved into a waiver by another. */
  readonly waiverRequests: WaiverRequests;

  /** Resolves only once the record is durable (committed and synced). */
  recordDecision(record: NewDecisionRecord): Promise<void>;
  getDecision(id: string): Promise<DecisionRecord | undefined>;
  /** Newest first by (time, decision_id); the cursor is a keyset, stable under inserts. */
  listDecisions(filter?: DecisionFilter, page?: PageRequest): Promise<Page<DecisionSummary>>;
  /** Full records with from <= time < to, oldest first, read in batches. */
  decisionsSince(from: Instant, to?: Instant): AsyncIterableIterator<DecisionRecord>;
  /** Deletes decisions whose request time is before `before`; returns how many. */
  pruneDecisions(before: Instant): Promise<number>;

  createWaiver(waiver: NewWaiver): Promise<Waiver>;
  getWaiver(id: string): Promise<Waiver | undefined>;
  /** Newest first. */
  listWaivers(options?: WaiverListOptions): Promise<Waiver[]>;
  /** Throws WaiverNotFoundError or WaiverAlreadyRevokedError; the waiver stays in history. */
  revokeWaiver(id: string, revocation: { revoked_by: string; at: Instant }): Promise<Waiver>;
  /**
   * Waivers that are not revoked and expire after `at`, for `input.waivers`. `environment`
   * also matches waivers for `*`. Expiry is judged again by the policy.
   */
  activeWaivers(at: Instant, filter?: { application?: string; environment?: string }): Promise<Waiver[]>;

  /** Stores a report once per (kind, subject, sha256 of raw), in one transaction. */
  putReport(report: NewReport): Promise<{ id: string; created: boolean }>;
  getReport(id: string): Promise<StoredReport | undefined>;
  /** Reports that `latestEvidence` would consider for this subject, newest first. */
  listReports(subject: ReportSubject): Promise<ReportSummary[]>;
  /**
   * For each evidence kind, the newest report's evidence among the reports for the digest
   * and for the repository+commit.
   */
  latestEvidence(subject: ReportSubject): Promise<LatestEvidence>;

  /** The newest migration applied. */
  schemaVersion(): Promise<number>;
  /** Round trip to the database (for /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Masked in `input` on every recordDecision, in addition to DEFAULT_MASK_PATHS. */
  maskPaths?: readonly string[];
  /** PostgreSQL only: the schema to use (created if missing), via search_path. */
  schema?: string;
  /** PostgreSQL only: the pool's maximum number of connections (default 10). */
  poolSize?: number;
  /** SQLite only: how long to wait for another process's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The clock for `created_at` (tests). */
  clock?: () => Date;
}
