// Fills a decision log fast for the listing figures: one INSERT … SELECT over a generated
// series (SQLite: a recursive CTE; PostgreSQL: generate_series), so 10 M rows take minutes,
// not the hours that 10 M checks would. Rows are small (the listing never reads input or
// decision), spread over APPLICATIONS applications, the three environments, 80 % allow, one
// second apart.
import type { Dialect } from '../src/store/sql/driver.js';

export const SEED_APPLICATIONS = 20;
export const SEED_START_MS = 1_700_000_000_000;
const COLUMNS =
  'decision_id, time_ms, application, service, environment, artifact_digest, allow, deny, warn, waived, ' +
  'bundle_name, bundle_revision, timing_ms, caller, via, dry_run, input, decision, recorded_at_ms';

/** One statement inserting rows [from, from + count). */
export function seedStatement(dialect: Dialect, from: number, count: number): string {
  const last = from + count - 1;
  if (dialect === 'sqlite') {
    return `WITH RECURSIVE c(x) AS (SELECT ${from} UNION ALL SELECT x + 1 FROM c WHERE x < ${last})
      INSERT INTO decisions (${COLUMNS})
      SELECT printf('seed-%012d', x), ${SEED_START_MS} + x * 1000, 'app-' || (x % ${SEED_APPLICATIONS}), NULL,
        CASE x % 3 WHEN 0 THEN 'production' WHEN 1 THEN 'staging' ELSE 'development' END, NULL, (x % 5) <> 0,
        '{}', '{}', '[]', 'firewall', 'seed', '{}', 'seed', 'api', 0, '{}', '{}', ${SEED_START_MS} + x * 1000 FROM c`;
  }
  return `INSERT INTO decisions (${COLUMNS})
    SELECT 'seed-' || lpad(x::text, 12, '0'), ${SEED_START_MS}::bigint + x * 1000, 'app-' || (x % ${SEED_APPLICATIONS}), NULL,
      (ARRAY['production', 'staging', 'development'])[x % 3 + 1], NULL, (x % 5) <> 0,
      '{}', '{}', '[]', 'firewall', 'seed', '{}', 'seed', 'api', false, '{}', '{}', ${SEED_START_MS}::bigint + x * 1000
    FROM generate_series(${from}::bigint, ${last}::bigint) AS x`;
}
