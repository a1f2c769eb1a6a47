// The storage contract: one Store interface for the decision log, waivers and the evidence
// store, implemented identically on SQLite and PostgreSQL (docs/storage.md).
import type { BySeverity, Decision, WaivedViolation } from '../engine/index.js';
import type { EvidenceKind, ParsedEvidence, ReportKind } from '../evidence/types.js';
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
export type NewDecisionRecord = Omit<DecisionRecord, 'time'> & {
  time: Instant;
  outbox?: NewOutboxMessage[];
  /**
   * JSON.stringify(input), when the caller already wrote it (the check service writes it once
   * for the policy): the store keeps it as it is when no mask path matches, instead of
   * writing the input again. It must be exactly that text.
   */
  input_json?: string;
};

/** A decision in a list: everything but the (large) input and decision documents. */
export type DecisionSummary = Omit<DecisionRecord, 'input' | 'decision'>;

/** A DecisionRecord whose input is left as the JSON text the log stores (what-if hands it to another thread). */
export type LoggedInputRecord = Omit<DecisionRecord, 'input'> & { input_json: string };

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

// Waiver requests: the first step of the two-step waiver flow. Anyone with a token asks
// (the token's name is recorded as the requester, never a typed field); an admin with a
// different identity approves, which creates the waiver in the same transaction.
export type WaiverRequestState = 'pending' | 'approved' | 'rejected';

export interface NewWaiverRequest {
  rule: string;
  application: string;
  /** An environment name, or `*` for every environment. */
  environment: string;
  artifact_digest?: string;
  reason: string;
  ticket?: string;
  /** The authenticated identity that asked (the API token's name). */
  requested_by: string;
  /** When the waiver would expire; judged again when it is approved. */
  expires_at: Instant;
}

export interface WaiverRequest {
  id: string;
  rule: string;
  application: string;
  environment: string;
  artifact_digest?: string;
  reason: string;
  ticket?: string;
  requested_by: string;
  expires_at: string;
  created_at: string;
  state: WaiverRequestState;
  /** Who approved or rejected it, and when. */
  decided_by?: string;
  decided_at?: string;
  /** The waiver an approval created. */
  waiver_id?: string;
}

export interface WaiverRequests {
  create(request: NewWaiverRequest): Promise<WaiverRequest>;
  get(id: string): Promise<WaiverRequest | undefined>;
  /** Newest first; only those in `state` when given. */
  list(options?: { state?: WaiverRequestState }): Promise<WaiverRequest[]>;
  /**
   * Turns a pending request into a waiver approved by `approved_by`, atomically: a request
   * decided meanwhile is a WaiverRequestDecidedError and no waiver is created.
   */
  approve(id: string, approval: { approved_by: string; at: Instant }): Promise<{ request: WaiverRequest; waiver: Waiver }>;
  /** Closes a pending request without a waiver. */
  reject(id: string, rejection: { rejected_by: string; at: Instant }): Promise<WaiverRequest>;
}

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

/** The rules one logged decision reported, by outcome (for compliance reports). */
export interface DecisionRuleOutcomes {
  environment: string;
  denied: string[];
  warned: string[];
  waived: string[];
}

/** What `dfw report compliance` reads from the decision log (src/store/compliance.ts). */
export interface ComplianceActivity {
  /** The period, from inclusive, to exclusive (request times). */
  from: string;
  to: string;
  /** Decisions in the period per environment, dry runs left out. */
  decisions: Record<string, number>;
  /** One entry per decision in the period that reported at least one rule. */
  outcomes: DecisionRuleOutcomes[];
}

/** One read cache's counters since the store was opened (src/store/read-cache.ts). */
export interface CacheStats {
  /** Reads answered from memory after the generations matched. */
  hits: number;
  /** Reads that went to the database (absent, changed, evicted or not cacheable). */
  misses: number;
  entries: number;
  /** The entries' weight: bytes of stored JSON for evidence, waivers for waivers. */
  weight: number;
}

/** The caches behind `activeWaivers` and `latestEvidence` (src/store/cached-reads.ts). */
export interface StoreCaches {
  stats(): { waivers: CacheStats; evidence: CacheStats };
}

export interface FirstAllowed {
  environment: string;
  decision_id: string;
  time: string;
}

/**
 * One lock held by one database session (PostgreSQL: a session-level advisory lock), which the
 * database releases when the session ends, a crashed process or a dropped connection included.
 */
export interface LockSession {
  /**
   * Takes the lock if it is free, connecting first if need be: true once this session holds
   * it, false while another does. Called again while held, it proves the session is still
   * alive, within a time limit; it throws when the session has gone, and `lost` resolves.
   */
  acquire(): Promise<boolean>;
  /** Resolves, with why, when the session ends other than by close(): a lock it held is free. */
  readonly lost: Promise<Error>;
  /** Ends the session, which releases the lock; bounded in time. */
  close(): Promise<void>;
  /**
   * Once connected: whether a connection pooler stands between this session and the server
   * (the backend answering is not the one the connection was announced with). In
   * PgBouncer's transaction mode a session lock is held by whichever backend took it, not by
   * this client, so two processes can both hold it; in session mode it is sound.
   */
  throughPooler(): boolean;
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** The per-process caches of the reads every check makes, for metrics. */
  readonly caches: StoreCaches;
  /** Notifications waiting for delivery, delivered, and dead letters. */
  readonly outbox: Outbox;
  /** Continuous audit: what the deployments that were let through would get today. */
  readonly audits: AuditLog;
  readonly stats: DecisionStats;
  /** Console sign-ins, shared by every process that serves the console. */
  readonly consoleSessions: ConsoleSessions;
  /** Waiver requests: asked for by one identity, approved into a waiver by another. */
  readonly waiverRequests: WaiverRequests;

  /** Resolves only once the record is durable (committed and synced). */
  recordDecision(record: NewDecisionRecord): Promise<void>;
  getDecision(id: string): Promise<DecisionRecord | undefined>;
  /**
   * Per environment, the first allowed, enforced (not dry-run) decision for the application's
   * digest; kept in the decisions' own transactions (migration 11), so one indexed read. A
   * pruned decision stays the first: the digest was allowed then, whatever the log keeps.
   */
  firstAllowed(application: string, digest: string): Promise<FirstAllowed[]>;
  /** Newest first by (time, decision_id); the cursor is a keyset, stable under inserts. */
  listDecisions(filter?: DecisionFilter, page?: PageRequest): Promise<Page<DecisionSummary>>;
  /** Full records with from <= time < to, oldest first, read in batches. */
  decisionsSince(from: Instant, to?: Instant): AsyncIterableIterator<DecisionRecord>;
  /** The same records with each input as its stored JSON text, not parsed. */
  decisionInputsSince(from: Instant, to?: Instant): AsyncIterableIterator<LoggedInputRecord>;
  /** Deletes decisions whose request time is before `before`; returns how many. */
  pruneDecisions(before: Instant): Promise<number>;
  /**
   * For compliance reports (dfw report compliance): decisions per environment with
   * from <= time < to, and the rules each one denied, warned or waived. Dry runs left out.
   */
  complianceActivity(from: Instant, to: Instant): Promise<ComplianceActivity>;

  createWaiver(waiver: NewWaiver): Promise<Waiver>;
  getWaiver(id: string): Promise<Waiver | undefined>;
  /** Newest first. */
  listWaivers(options?: WaiverListOptions): Promise<Waiver[]>;
  /** Throws WaiverNotFoundError or WaiverAlreadyRevokedError; the waiver stays in history. */
  revokeWaiver(id: string, revocation: { revoked_by: string; at: Instant }): Promise<Waiver>;
  /**
   * Waivers that are not revoked and expire after `at`, for `input.waivers`. `environment`
   * also matches waivers for `*`. Expiry is judged again by the policy. With both an
   * application and an environment the answer may come from memory, never past a write
   * that changed it (src/store/cached-reads.ts); its waivers are frozen.
   */
  activeWaivers(at: Instant, filter?: { application?: string; environment?: string }): Promise<Waiver[]>;

  /** Stores a report once per (kind, subject, sha256 of raw), in one transaction. */
  putReport(report: NewReport): Promise<{ id: string; created: boolean }>;
  getReport(id: string): Promise<StoredReport | undefined>;
  /** Reports that `latestEvidence` would consider for this subject, newest first. */
  listReports(subject: ReportSubject): Promise<ReportSummary[]>;
  /**
   * For each evidence kind, the newest report's evidence among the reports for the digest
   * and for the repository+commit. May come from memory, never past a push that changed it
   * (src/store/cached-reads.ts); the answer is frozen, being shared with later reads.
   */
  latestEvidence(subject: ReportSubject): Promise<LatestEvidence>;

  /** The newest migration applied. */
  schemaVersion(): Promise<number>;
  /** Round trip to the database (for /healthz). */
  ping(): Promise<void>;
  /**
   * PostgreSQL only: a database session of its own for the lock named `name` (in this
   * schema), which replicas sharing the database use to run the timed jobs once
   * (src/host/timed-jobs.ts). Closed with the store. Absent on SQLite, whose file one process
   * writes.
   */
  lockSession?(name: string): LockSession;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Masked in `input` on every recordDecision, in addition to DEFAULT_MASK_PATHS. */
  maskPaths?: readonly string[];
  /** PostgreSQL only: the schema to use (created if missing), via search_path. */
  schema?: string;
  /** PostgreSQL only: the pool's maximum number of connections (default 10). */
  poolSize?: number;
  /** The clock for `created_at` (tests). */
  clock?: () => Date;
  /** Bounds of the caches of active waivers and pushed evidence (src/store/cached-reads.ts). */
  cacheLimits?: Partial<{ waiverEntries: number; evidenceEntries: number; evidenceBytes: number }>;
}

// The notification outbox: events queued in the same transaction as what caused them,
// delivered at least once by a background worker, kept as dead letters when a receiver keeps
// failing (src/store/outbox.ts, src/notify/).

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface NewOutboxMessage {
  /**
   * The CloudEvent id, the receiver's idempotency key. The same for every receiver of one
   * event; (event_id, receiver) is unique, so queuing an event twice queues it once.
   */
  event_id: string;
  /** The receiver's name in dfw.yaml `notifications.receivers`. */
  receiver: string;
  /** The CloudEvent type, e.g. dev.dfw.decision.denied. */
  type: string;
  /** The whole CloudEvent as it will be sent. */
  event: unknown;
}

export interface OutboxMessage {
  event_id: string;
  receiver: string;
  type: string;
  event: unknown;
  state: OutboxState;
  /** Delivery attempts started so far (a claim counts, so a crash mid-delivery counts too). */
  attempts: number;
  created_at: string;
  /** When a pending message is due (or its claim ends). */
  next_attempt_at: string;
  last_error?: string;
  delivered_at?: string;
}

export interface Outbox {
  /** Queues messages (outside a decision); returns how many were new. */
  enqueue(messages: NewOutboxMessage[]): Promise<number>;
  /**
   * Claims up to `limit` pending messages due at `now` for `leaseMs`: no other worker (in this
   * process or another replica) takes them until the lease ends, and a worker that dies
   * mid-delivery leaves them due again once it has.
   */
  claim(now: Instant, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  delivered(eventId: string, receiver: string, at: Instant): Promise<void>;
  /** A failed attempt: due again at `retryAt`, or a dead letter when `retryAt` is undefined. */
  failed(eventId: string, receiver: string, failure: { error: string; retryAt?: Instant }): Promise<void>;
  /** Newest first. */
  list(filter?: { state?: OutboxState; limit?: number }): Promise<OutboxMessage[]>;
  counts(): Promise<Record<OutboxState, number>>;
  /** Puts a dead letter back in the queue, due at `at`, its attempts counted from zero. */
  retry(eventId: string, receiver: string, at: Instant): Promise<boolean>;
  /** Deletes delivered messages and dead letters queued before `before`; returns how many. */
  prune(before: Instant): Promise<number>;
}

// Continuous audit: an audit record says what a deployment that was let through would get
// with today's bundle and today's evidence. It is not a deploy decision (src/audit/).

/** `error`: the deployment could not be evaluated; never read as compliant (src/audit/unevaluable.ts). */
export type AuditStatus = 'compliant' | 'drifted' | 'error';
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
  /** The newest audit record of each application and environment, drifted and errors first. */
  latest(): Promise<AuditRecord[]>;
  /** Newest first. */
  list(filter?: { application?: string; environment?: string; trigger?: AuditTrigger; limit?: number }): Promise<AuditRecord[]>;
  /** Deletes audit records older than `before`; returns how many. */
  prune(before: Instant): Promise<number>;
}

/** A signed-in console user (src/api/console/session.ts). */
export interface ConsoleSession {
  /** Hex SHA-256 of the session cookie's value. */
  id_sha256: string;
  /** The fingerprint (`sha256:<hex>`) of the API token signed in with: its name and roles are looked up by it on every request, so a replaced or removed token ends the session. */
  caller: string;
  /** The CSRF token every form of this session carries. */
  csrf: string;
  expires_at: Instant;
}

export interface ConsoleSessions {
  create(session: ConsoleSession): Promise<void>;
  /** The session, unless it has expired or ended. */
  get(idSha256: string, now: Instant): Promise<ConsoleSession | undefined>;
  end(idSha256: string): Promise<void>;
  /** Deletes expired sessions; returns how many. */
  prune(now: Instant): Promise<number>;
}
