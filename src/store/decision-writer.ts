// The one writer of a SQLite decision log shared by several server processes: it commits
// rows that the servers prepared (prepareDecision), in group commits, and nothing else.
// Opening it migrates the database, so the servers find the schema ready.
import { DecisionLog, type PendingDecision } from './decisions.js';
import { wrapStoreError } from './errors.js';
import { compileMaskPath } from './mask.js';
import { migrate } from './migrations.js';
import { sqlitePath } from './open.js';
import { maskPathsOf } from './remote-writer.js';
import { openSqlite } from './sql/sqlite.js';
import type { OpenStoreOptions } from './types.js';

export interface DecisionWriter {
  /** Resolves once the row is committed (group commit); rejects with the row's own error. */
  write(pending: PendingDecision): Promise<void>;
  /** Commits what was submitted, then closes the database. */
  close(): Promise<void>;
}

export async function openDecisionWriter(url: string, options: OpenStoreOptions = {}): Promise<DecisionWriter> {
  const maskPaths = maskPathsOf(options);
  maskPaths.forEach(compileMaskPath);
  const db = openSqlite(sqlitePath(url));
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw wrapStoreError(err, 'migrating the store');
  }
  const log = new DecisionLog(db, maskPaths, options.clock ?? (() => new Date()));
  return {
    write: async (pending) => {
      try {
        await log.submit(pending);
      } catch (err) {
        throw wrapStoreError(err, 'recording a decision');
      }
    },
    async close() {
      await log.drain();
      await db.close();
    },
  };
}
