// Versioned schema migrations, one logical schema written for both dialects. Each is applied
// once, in one transaction with the record of it in schema_migrations; never edit a
// migration that has shipped, add the next number.
import type { Dialect, SqlDriver, SqlExecutor } from './sql/driver.js';
import { StoreError } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  statements: (dialect: Dialect) => string[];
}

/**
 * Identifier columns that pages are ordered by compare bytewise in both databases: SQLite's
 * default BINARY collation, PostgreSQL's "C" (the database default may be a locale).
 */
const id = (d: Dialect) => (d === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'decision log',
    statements: (d) => [
      `CREATE TABLE decisions (
        decision_id ${id(d)} PRIMARY KEY,
        time_ms BIGINT NOT NULL,
        application TEXT NOT NULL,
        service TEXT,
        environment TEXT NOT NULL,
        artifact_digest TEXT,
        allow BOOLEAN NOT NULL,
        deny TEXT NOT NULL,
        warn TEXT NOT NULL,
        waived TEXT NOT NULL,
        bundle_name TEXT NOT NULL,
        bundle_revision TEXT NOT NULL,
        timing_ms TEXT NOT NULL,
        caller TEXT NOT NULL,
        via TEXT NOT NULL,
        dry_run BOOLEAN NOT NULL,
        input TEXT NOT NULL,
        decision TEXT NOT NULL,
        recorded_at_ms BIGINT NOT NULL
      )`,
      'CREATE INDEX decisions_time ON decisions (time_ms, decision_id)',
      'CREATE INDEX decisions_application ON decisions (application, time_ms)',
      'CREATE INDEX decisions_environment ON decisions (environment, time_ms)',
      // One row per rule id a decision mentions, so "decisions about rule X" is an index lookup.
      `CREATE TABLE decision_rules (
        decision_id ${id(d)} NOT NULL REFERENCES decisions (decision_id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        PRIMARY KEY (decision_id, rule)
      )`,
      'CREATE INDEX decision_rules_rule ON decision_rules (rule, decision_id)',
    ],
  },
  {
    version: 2,
    name: 'waivers',
    statements: (d) => [
      `CREATE TABLE waivers (
        id ${id(d)} PRIMARY KEY,
        rule TEXT NOT NULL,
        application TEXT NOT NULL,
        environment TEXT NOT NULL,
        artifact_digest TEXT,
        reason TEXT NOT NULL,
        ticket TEXT,
        requested_by TEXT NOT NULL,
        approved_by TEXT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT,
        revoked_by TEXT
      )`,
      'CREATE INDEX waivers_application ON waivers (application, environment)',
      'CREATE INDEX waivers_created ON waivers (created_at_ms, id)',
    ],
  },
  {
    version: 3,
    name: 'evidence store',
    statements: (d) => [
      // subject_key is the whole subject in one NOT NULL column: a UNIQUE constraint over
      // nullable columns would treat two NULLs as different and store duplicates.
      `CREATE TABLE evidence_reports (
        id ${id(d)} PRIMARY KEY,
        kind TEXT NOT NULL,
        subject_digest TEXT,
        subject_repository TEXT,
        subject_commit TEXT,
        subject_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        raw TEXT NOT NULL,
        pushed_by TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL,
        UNIQUE (kind, subject_key, sha256)
      )`,
      'CREATE INDEX evidence_reports_digest ON evidence_reports (subject_digest, received_at_ms)',
      'CREATE INDEX evidence_reports_source ON evidence_reports (subject_repository, subject_commit, received_at_ms)',
      `CREATE TABLE evidence_items (
        report_id ${id(d)} NOT NULL REFERENCES evidence_reports (id) ON DELETE CASCADE,
        evidence_kind TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (report_id, evidence_kind)
      )`,
    ],
  },
  {
    version: 4,
    name: 'decision listing index',
    // GET /v1/decisions filtered by application, environment and verdict, newest first: one
    // B-tree walked backwards from the newest entry, stopping after a page, instead of
    // reading every decision of the application and sorting (docs/performance.md has the
    // EXPLAIN plans and the p99 at 10 M decisions).
    statements: () => ['CREATE INDEX decisions_app_env_allow_time ON decisions (application, environment, allow, time_ms, decision_id)'],
  },
  {
    version: 5,
    name: 'notification outbox',
    statements: (d) => [
      // One row per (event, receiver); event_id is the CloudEvent id the receiver dedupes on.
      `CREATE TABLE outbox (
        event_id ${id(d)} NOT NULL,
        receiver ${id(d)} NOT NULL,
        type TEXT NOT NULL,
        event TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at_ms BIGINT NOT NULL,
        next_attempt_at_ms BIGINT NOT NULL,
        last_error TEXT,
        delivered_at_ms BIGINT,
        PRIMARY KEY (event_id, receiver)
      )`,
      'CREATE INDEX outbox_due ON outbox (state, next_attempt_at_ms)',
      'CREATE INDEX outbox_created ON outbox (created_at_ms, event_id)',
    ],
  },
  {
    version: 6,
    name: 'audit records',
    statements: (d) => [
      `CREATE TABLE audit_records (
        id ${id(d)} PRIMARY KEY,
        time_ms BIGINT NOT NULL,
        decision_id TEXT NOT NULL,
        application TEXT NOT NULL,
        environment TEXT NOT NULL,
        service TEXT,
        artifact_digest TEXT,
        status TEXT NOT NULL,
        trigger_kind TEXT NOT NULL,
        bundle_name TEXT NOT NULL,
        bundle_revision TEXT NOT NULL,
        deny TEXT NOT NULL,
        warn TEXT NOT NULL,
        waived TEXT NOT NULL
      )`,
      'CREATE INDEX audit_records_deployment ON audit_records (application, environment, time_ms)',
      'CREATE INDEX audit_records_time ON audit_records (time_ms, id)',
      // "The newest allowed decision of each application and environment" for the audit.
      'CREATE INDEX decisions_deployed ON decisions (application, environment, allow, dry_run, time_ms)',
    ],
  },
  {
    version: 8,
    name: 'waiver requests',
    statements: (d) => [
      // A request is asked for by one identity and approved (into a waiver) by another.
      `CREATE TABLE waiver_requests (
        id ${id(d)} PRIMARY KEY,
        rule TEXT NOT NULL,
        application TEXT NOT NULL,
        environment TEXT NOT NULL,
        artifact_digest TEXT,
        reason TEXT NOT NULL,
        ticket TEXT,
        requested_by TEXT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        state TEXT NOT NULL,
        decided_by TEXT,
        decided_at_ms BIGINT,
        waiver_id TEXT
      )`,
      'CREATE INDEX waiver_requests_state ON waiver_requests (state, created_at_ms)',
    ],
  },
  {
    version: 9,
    name: 'console sessions',
    statements: (d) => [
      `CREATE TABLE console_sessions (
        id_sha256 ${id(d)} PRIMARY KEY,
        caller TEXT NOT NULL,
        csrf TEXT NOT NULL,
        expires_at_ms BIGINT NOT NULL
      )`,
      'CREATE INDEX console_sessions_expiry ON console_sessions (expires_at_ms)',
    ],
  },
  {
    version: 10,
    name: 'cache generations',
    statements: (d) => [
      // One counter per cache scope (an application's waivers, a digest's or a commit's
      // reports), bumped in the transaction of every write that changes what the scope's
      // reads return. A process serves a cached read only while the counter is unchanged:
      // one primary-key lookup instead of the queries (src/store/read-cache.ts). Rows are
      // never deleted, so a counter never comes back to a value it had.
      `CREATE TABLE cache_generations (
        scope ${id(d)} PRIMARY KEY,
        generation BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 11,
    name: 'deployments and first promotions',
    statements: (d) => [
      // What is deployed (the newest allowed, enforced decision of each application and
      // environment) and where a digest was first allowed: kept up to date by every decision's
      // own transaction, so the continuous audit and the promotion collector read a handful of
      // rows instead of scanning a log that grows with every check (docs/performance.md).
      `CREATE TABLE deployments (
        application TEXT NOT NULL,
        environment TEXT NOT NULL,
        decision_id ${id(d)} NOT NULL,
        time_ms BIGINT NOT NULL,
        artifact_digest TEXT,
        PRIMARY KEY (application, environment)
      )`,
      'CREATE INDEX deployments_digest ON deployments (artifact_digest)',
      `CREATE TABLE first_allowed (
        application TEXT NOT NULL,
        artifact_digest TEXT NOT NULL,
        environment TEXT NOT NULL,
        decision_id ${id(d)} NOT NULL,
        time_ms BIGINT NOT NULL,
        PRIMARY KEY (application, artifact_digest, environment)
      )`,
      // Filled from the log once, in one sorted pass (a correlated NOT EXISTS would be
      // quadratic on a log of millions); ties in time go to the greater id, as in the log.
      `INSERT INTO deployments (application, environment, decision_id, time_ms, artifact_digest)
       SELECT application, environment, decision_id, time_ms, artifact_digest FROM (
         SELECT application, environment, decision_id, time_ms, artifact_digest,
                ROW_NUMBER() OVER (PARTITION BY application, environment ORDER BY time_ms DESC, decision_id DESC) AS n
         FROM decisions WHERE allow = TRUE AND dry_run = FALSE) ranked
       WHERE n = 1`,
      `INSERT INTO first_allowed (application, artifact_digest, environment, decision_id, time_ms)
       SELECT application, artifact_digest, environment, decision_id, time_ms FROM (
         SELECT application, artifact_digest, environment, decision_id, time_ms,
                ROW_NUMBER() OVER (PARTITION BY application, artifact_digest, environment ORDER BY time_ms, decision_id) AS n
         FROM decisions WHERE allow = TRUE AND dry_run = FALSE AND artifact_digest IS NOT NULL) ranked
       WHERE n = 1`,
    ],
  },
  {
    version: 12,
    name: 'cache generations kept by triggers',
    // Migration 10's counters bumped by the database itself, in the transaction of every
    // write to waivers, evidence_reports or evidence_items — whoever makes it: this dfw, an
    // older one still running during a rolling upgrade, an operator's SQL. A process serves
    // a cached read only while its counters are unchanged (src/store/cached-reads.ts).
    statements: (d) => (d === 'postgres' ? postgresGenerationTriggers() : sqliteGenerationTriggers()),
  },
  {
    version: 13,
    name: 'decision lists written once',
    // No table changes: from here on the decision column holds "column" where its deny, warn
    // and waived lists were (src/store/decision-rows.ts). The version is what matters: a dfw
    // that does not know it refuses the database instead of reading "column" as a list.
    statements: () => [],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

// Migration 12's triggers (never edit them: add a migration). The scope names are those of
// src/store/generations.ts. A 'source' name joins repository and commit with '@', so two
// subjects can share a counter ("a@b"@"c" and "a"@"b@c"): that only makes a cached read
// refresh more often, it never serves a stale one. Digest scopes sort before source scopes,
// so two PostgreSQL writers take the counters' row locks in the same order.

function sqliteGenerationTriggers(): string[] {
  const bump = (select: string) => `INSERT INTO cache_generations (scope, generation) ${select} ON CONFLICT (scope) DO UPDATE SET generation = generation + 1;`;
  const waiver = (row: 'NEW' | 'OLD') => bump(`VALUES ('waivers:' || ${row}.application, 1)`);
  // The WHERE also settles SQLite's parsing ambiguity of an upsert over a SELECT.
  const reportRow = (row: 'NEW' | 'OLD') => [
    bump(`SELECT 'digest:' || ${row}.subject_digest, 1 WHERE ${row}.subject_digest IS NOT NULL`),
    bump(`SELECT 'source:' || ${row}.subject_repository || '@' || ${row}.subject_commit, 1 WHERE ${row}.subject_repository IS NOT NULL AND ${row}.subject_commit IS NOT NULL`),
  ];
  const parent = (reportId: string) => [
    bump(`SELECT 'digest:' || subject_digest, 1 FROM evidence_reports WHERE id = ${reportId} AND subject_digest IS NOT NULL`),
    bump(`SELECT 'source:' || subject_repository || '@' || subject_commit, 1 FROM evidence_reports WHERE id = ${reportId} AND subject_repository IS NOT NULL AND subject_commit IS NOT NULL`),
  ];
  const trigger = (name: string, event: string, table: string, body: string[]) => `CREATE TRIGGER ${name} AFTER ${event} ON ${table} BEGIN ${body.join(' ')} END`;
  return [
    trigger('waivers_generation_insert', 'INSERT', 'waivers', [waiver('NEW')]),
    trigger('waivers_generation_update', 'UPDATE', 'waivers', [waiver('OLD'), waiver('NEW')]),
    trigger('waivers_generation_delete', 'DELETE', 'waivers', [waiver('OLD')]),
    trigger('evidence_reports_generation_update', 'UPDATE', 'evidence_reports', [...reportRow('OLD'), ...reportRow('NEW')]),
    trigger('evidence_reports_generation_delete', 'DELETE', 'evidence_reports', reportRow('OLD')),
    // A report row alone shows nothing (latestEvidence joins its items): its items' inserts bump.
    trigger('evidence_items_generation_insert', 'INSERT', 'evidence_items', parent('NEW.report_id')),
    trigger('evidence_items_generation_update', 'UPDATE', 'evidence_items', [...parent('OLD.report_id'), ...parent('NEW.report_id')]),
    trigger('evidence_items_generation_delete', 'DELETE', 'evidence_items', parent('OLD.report_id')),
  ];
}

function postgresGenerationTriggers(): string[] {
  // The table's own schema (TG_TABLE_SCHEMA), not the session's search_path: an operator's
  // schema-qualified UPDATE from another session bumps the right counters too.
  const bump = `bump := format('INSERT INTO %I.cache_generations AS g (scope, generation) VALUES ($1, 1)
      ON CONFLICT (scope) DO UPDATE SET generation = g.generation + 1', TG_TABLE_SCHEMA);`;
  const reportScopes = (row: string) => `
      IF ${row}.subject_digest IS NOT NULL THEN EXECUTE bump USING 'digest:' || ${row}.subject_digest; END IF;
      IF ${row}.subject_repository IS NOT NULL AND ${row}.subject_commit IS NOT NULL THEN
        EXECUTE bump USING 'source:' || ${row}.subject_repository || '@' || ${row}.subject_commit;
      END IF;`;
  const parentScopes = (reportId: string) => `
      FOR parent IN EXECUTE format('SELECT subject_digest, subject_repository, subject_commit FROM %I.evidence_reports WHERE id = $1', TG_TABLE_SCHEMA) USING ${reportId} LOOP
        ${reportScopes('parent')}
      END LOOP;`;
  const fn = (name: string, declare: string, body: string) => `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE bump text; ${declare}
    BEGIN
      ${bump}
      ${body}
      RETURN NULL;
    END $fn$`;
  return [
    fn('waivers_generation', '', `
      IF TG_OP <> 'INSERT' THEN EXECUTE bump USING 'waivers:' || OLD.application; END IF;
      IF TG_OP <> 'DELETE' THEN EXECUTE bump USING 'waivers:' || NEW.application; END IF;`),
    'CREATE TRIGGER waivers_generation AFTER INSERT OR UPDATE OR DELETE ON waivers FOR EACH ROW EXECUTE FUNCTION waivers_generation()',
    fn('evidence_reports_generation', '', `${reportScopes('OLD')}
      IF TG_OP = 'UPDATE' THEN ${reportScopes('NEW')} END IF;`),
    'CREATE TRIGGER evidence_reports_generation AFTER UPDATE OR DELETE ON evidence_reports FOR EACH ROW EXECUTE FUNCTION evidence_reports_generation()',
    fn('evidence_items_generation', 'parent record;', `
      IF TG_OP <> 'INSERT' THEN ${parentScopes('OLD.report_id')} END IF;
      IF TG_OP <> 'DELETE' THEN ${parentScopes('NEW.report_id')} END IF;`),
    'CREATE TRIGGER evidence_items_generation AFTER INSERT OR UPDATE OR DELETE ON evidence_items FOR EACH ROW EXECUTE FUNCTION evidence_items_generation()',
  ];
}

/** Any fixed number: it names the advisory lock that serializes migrating replicas. */
const MIGRATION_LOCK = 4_207_730_561;

async function appliedVersions(tx: SqlExecutor): Promise<Set<number>> {
  const rows = await tx.all<{ version: unknown }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * Brings the schema to LATEST_SCHEMA_VERSION. Safe to call from several processes at once:
 * PostgreSQL takes an advisory lock, SQLite's BEGIN IMMEDIATE the write lock. A database
 * migrated by a newer dfw is refused rather than written with an older idea of its schema.
 */
export async function migrate(driver: SqlDriver, schema?: string): Promise<number[]> {
  return driver.transaction(async (tx) => {
    if (driver.dialect === 'postgres') {
      await tx.all(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      if (schema) await tx.run(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    }
    await tx.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)',
    );
    const applied = await appliedVersions(tx);
    const newest = Math.max(0, ...applied);
    if (newest > LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        'schema_too_new',
        `the database is at schema version ${newest}, this dfw knows up to ${LATEST_SCHEMA_VERSION}: upgrade dfw`,
      );
    }
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements(driver.dialect)) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
