// Cache generations (schema versions 10 and 12): a counter per scope, bumped by database
// triggers in the transaction of every write that changes the scope's reads. Reading the
// counters is how a process learns, with primary-key lookups in one statement, whether what
// it cached is still what the database holds — whichever process wrote: this one, a cluster
// worker beside it, another replica on the same PostgreSQL.
import type { SqlExecutor } from './sql/driver.js';
import type { ReportSubject } from './types.js';
import { fromBigint } from './values.js';

// The scope names are also spelled in SQL by migration 12's triggers: keep them alike.

/** The active waivers of one application (all its environments: a waiver may name `*`). */
export const waiverScope = (application: string): string => `waivers:${application}`;

/**
 * The scopes of the reports `latestEvidence(subject)` considers: those for the digest and
 * those for the repository at the commit (src/store/report-subject.ts, subjectMatch, which
 * matches them by equality, as the triggers name them from the stored columns).
 */
export function evidenceScopes(subject: ReportSubject): string[] {
  const scopes: string[] = [];
  if (subject.digest) scopes.push(`digest:${subject.digest}`);
  if (subject.repository && subject.commit) scopes.push(`source:${subject.repository}@${subject.commit}`);
  return scopes;
}

/** The scopes' counters, in the order asked (0 for a scope never written). */
export async function readGenerations(db: SqlExecutor, scopes: readonly string[]): Promise<number[]> {
  const rows = await db.all<{ scope: string; generation: unknown }>(
    `SELECT scope, generation FROM cache_generations WHERE scope IN (${scopes.map(() => '?').join(', ')})`,
    scopes,
  );
  const byScope = new Map(rows.map((row) => [row.scope, fromBigint(row.generation)]));
  return scopes.map((scope) => byScope.get(scope) ?? 0);
}

/** Scopes per statement at most: the IN list stays short and SQLite's prepared statements few. */
const MAX_SCOPES = 128;

interface Lookup {
  scopes: readonly string[];
  resolve: (generations: number[]) => void;
  reject: (err: unknown) => void;
}

/**
 * readGenerations for many concurrent checks at once: the lookups asked for in one turn of
 * the event loop share one statement, issued after all of them were asked (setImmediate, as
 * group commit batches its writes). That is what keeps the guarantee: the statement starts
 * after each lookup did, so it sees every write acknowledged before any of them.
 */
export class GenerationReader {
  private pending: Lookup[] = [];
  private scheduled = false;

  constructor(private readonly db: SqlExecutor) {}

  read(scopes: readonly string[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ scopes, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush(this.pending.splice(0));
      });
    });
  }

  private async flush(batch: Lookup[]): Promise<void> {
    const unique = [...new Set(batch.flatMap((lookup) => lookup.scopes))];
    const found = new Map<string, number>();
    try {
      for (let i = 0; i < unique.length; i += MAX_SCOPES) {
        const chunk = unique.slice(i, i + MAX_SCOPES);
        const generations = await readGenerations(this.db, chunk);
        chunk.forEach((scope, j) => found.set(scope, generations[j]!));
      }
    } catch (err) {
      for (const lookup of batch) lookup.reject(err);
      return;
    }
    for (const lookup of batch) lookup.resolve(lookup.scopes.map((scope) => found.get(scope)!));
  }
}
