// Cache generations (schema version 10): a counter per scope, bumped in the same transaction
// as every write that changes the scope's reads. Reading the counters is how a process learns,
// with one primary-key lookup, whether what it cached is still what the database holds — in
// this process, in a cluster worker beside it, or in another replica on the same PostgreSQL.
import type { SqlExecutor } from './sql/driver.js';
import type { ReportSubject } from './types.js';
import { fromBigint } from './values.js';

/** The active waivers of one application (all its environments: a waiver may name `*`). */
export const waiverScope = (application: string): string => `waivers:${application}`;

/**
 * The scopes of the reports `latestEvidence(subject)` considers: those for the digest and
 * those for the repository at the commit (src/store/report-subject.ts, subjectMatch).
 * The same strings for a write (the stored subject) and a read (the looked-up subject),
 * since the query matches them by equality.
 */
export function evidenceScopes(subject: ReportSubject): string[] {
  const scopes: string[] = [];
  if (subject.digest) scopes.push(`digest:${subject.digest}`);
  if (subject.repository && subject.commit) scopes.push(`source:${JSON.stringify([subject.repository, subject.commit])}`);
  return scopes;
}

/**
 * Bumps each scope's counter inside the caller's transaction. In byte order, so two
 * PostgreSQL transactions bumping the same scopes take the row locks in the same order.
 */
export async function bumpGenerations(tx: SqlExecutor, scopes: readonly string[]): Promise<void> {
  for (const scope of [...new Set(scopes)].sort()) {
    await tx.run(
      `INSERT INTO cache_generations (scope, generation) VALUES (?, 1)
       ON CONFLICT (scope) DO UPDATE SET generation = cache_generations.generation + 1`,
      [scope],
    );
  }
}

/** The scopes' counters, in the order asked (0 for a scope never written), in one statement. */
export async function readGenerations(db: SqlExecutor, scopes: readonly string[]): Promise<number[]> {
  const rows = await db.all<{ scope: string; generation: unknown }>(
    `SELECT scope, generation FROM cache_generations WHERE scope IN (${scopes.map(() => '?').join(', ')})`,
    scopes,
  );
  const byScope = new Map(rows.map((row) => [row.scope, fromBigint(row.generation)]));
  return scopes.map((scope) => byScope.get(scope) ?? 0);
}
