// Figures at log scale: GET /v1/decisions' query (store.listDecisions, the statement the route
// runs) by application + environment + verdict over a log of --listing-rows decisions on
// SQLite and PostgreSQL, first pages and cursor pages; and what-if re-evaluating every
// decision of a --what-if-decisions log with the bench process's RSS sampled throughout.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { whatIfInParallel } from '../src/host/what-if-pool.js';
import { decisionRecordFrom } from '../src/decide/decision-record.js';
import type { Evaluator } from '../src/engine/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { listDecisionsQuery, prepareDecision } from '../src/store/decisions.js';
import { SUMMARY_COLUMNS } from '../src/store/decision-rows.js';
import { log, type BenchContext } from './context.js';
import { BENCH_TIME, ROOT, type BenchInput } from './inputs.js';
import type { ScaleFigures } from './results.js';
import { SEED_APPLICATIONS, seedStatement } from './seed-decisions.js';
import { percentile } from './stats.js';

const CHUNK = 1_000_000;
const QUERIES = 300;
const ENVIRONMENTS = ['production', 'staging', 'development'];

interface Backend {
  name: 'sqlite' | 'postgres';
  url: string;
  options: { schema?: string };
  /** Runs statements in order on one connection; the rows of the last. */
  run(...sql: string[]): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
}

function sqliteBackend(context: BenchContext): Backend {
  const dir = join(context.tmp, 'listing');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'dfw.db');
  return {
    name: 'sqlite',
    url: `sqlite:${file}`,
    options: {},
    async run(...sql) {
      const db = new Database(file);
      try {
        let rows: Array<Record<string, unknown>> = [];
        for (const one of sql) {
          const stmt = db.prepare(one);
          rows = stmt.reader ? (stmt.all() as Array<Record<string, unknown>>) : (stmt.run(), []);
        }
        return rows;
      } finally {
        db.close();
      }
    },
    cleanup: async () => undefined, // the run's folder goes at exit
  };
}

function postgresBackend(): Backend {
  const url = execFileSync('bash', [join(ROOT, 'scripts/postgres.sh'), 'url'], { encoding: 'utf8' }).trim();
  const schema = `dfw_bench_${randomBytes(4).toString('hex')}`;
  const query = async (sql: string[], withSchema = true) => {
    const client = new pg.Client({ connectionString: url, ...(withSchema ? { options: `-c search_path=${schema}` } : {}) });
    await client.connect();
    try {
      let rows: Array<Record<string, unknown>> = [];
      for (const one of sql) rows = (await client.query(one)).rows as Array<Record<string, unknown>>;
      return rows;
    } finally {
      await client.end();
    }
  };
  return { name: 'postgres', url, options: { schema }, run: (...sql) => query(sql), cleanup: async () => void (await query([`DROP SCHEMA IF EXISTS ${schema} CASCADE`], false)) };
}

const open = (b: Backend): Promise<Store> => openStore(b.url, b.options);

async function listing(backend: Backend, rows: number): Promise<ScaleFigures['listing'][number]> {
  await (await open(backend)).close(); // migrated: migration 4's index exists before the rows
  log(`listing: seeding ${rows.toLocaleString('en')} decisions into ${backend.name}`);
  const seedStarted = performance.now();
  // The secondary indexes are dropped for the load and built again after it (a sort each,
  // instead of 10 M random inserts into four B-trees); the SQLite file of a benchmark needs
  // no fsync. Same indexes, same definitions, as the migrations made them.
  const indexes = (
    await backend.run(
      backend.name === 'sqlite'
        ? "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = 'decisions' AND sql IS NOT NULL"
        : "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'decisions' AND schemaname = current_schema() AND indexname NOT LIKE '%_pkey'",
    )
  ).map((r) => ({ name: String(r.name), definition: String(r.definition) }));
  await backend.run(...indexes.map((i) => `DROP INDEX ${i.name}`));
  const fast = backend.name === 'sqlite' ? ['PRAGMA synchronous = OFF'] : ['SET synchronous_commit = off'];
  for (let from = 0; from < rows; from += CHUNK) await backend.run(...fast, seedStatement(backend.name, from, Math.min(CHUNK, rows - from)));
  await backend.run(...(backend.name === 'postgres' ? ['SET maintenance_work_mem = \'512MB\''] : []), ...indexes.map((i) => i.definition));
  await backend.run(backend.name === 'sqlite' ? 'ANALYZE' : 'ANALYZE decisions');
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const store = await open(backend);
  const samples: number[] = [];
  try {
    const filterOf = (i: number) => ({ application: `app-${(i * 7) % SEED_APPLICATIONS}`, environment: ENVIRONMENTS[i % 3]!, allow: i % 4 === 0 });
    for (let i = 0; i < 20; i++) await store.listDecisions(filterOf(i), { limit: 50 }); // warm the cache
    for (let i = 0; i < QUERIES; i++) {
      const filter = filterOf(i);
      let started = performance.now();
      const page = await store.listDecisions(filter, { limit: 50 });
      samples.push(performance.now() - started);
      if (page.next_cursor) {
        started = performance.now();
        await store.listDecisions(filter, { limit: 50, cursor: page.next_cursor });
        samples.push(performance.now() - started);
      }
    }
  } finally {
    await store.close();
  }
  const q = listDecisionsQuery({ application: 'app-7', environment: 'staging', allow: false }, { limit: 50 });
  const inlined = q.sql.replace(/\?/g, (() => {
    const values = ["'app-7'", "'staging'", backend.name === 'sqlite' ? '0' : 'false', String(q.params[3])];
    let i = 0;
    return () => values[i++]!;
  })());
  const plan = (await backend.run(backend.name === 'sqlite' ? `EXPLAIN QUERY PLAN ${inlined}` : `EXPLAIN ${inlined}`))
    .map((r) => String(r.detail ?? r['QUERY PLAN']).trim())
    .join('; ');
  await backend.cleanup();
  const sorted = samples.sort((a, b) => a - b);
  return { backend: backend.name, rows, seedSeconds, queries: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1]!, plan };
}

/**
 * N copies of the typical decision (its input, which holds nothing the default mask paths
 * name, and its decision), each its own id and second. The input carries its request time,
 * as the check service logs it, which a replay decides at: the same instant in every copy.
 */
function seedRealDecisions(file: string, evaluator: Evaluator, input: BenchInput, count: number): void {
  const logged = { ...input.input, request: { ...input.input.request, time: BENCH_TIME.toISOString() } };
  const decision = evaluator.evaluate(structuredClone(logged), { now: BENCH_TIME });
  const record = decisionRecordFrom(decision, logged, { caller: 'bench', via: 'api', dry_run: false });
  const template = prepareDecision(record, [], new Date(BENCH_TIME));
  const db = new Database(file);
  try {
    const insert = db.prepare(`INSERT INTO decisions (${SUMMARY_COLUMNS}, input, decision, recorded_at_ms) VALUES (${template.values.map(() => '?').join(', ')})`);
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const values = template.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
        values[0] = `whatif-${String(i).padStart(9, '0')}`;
        values[1] = BENCH_TIME.getTime() - (count - i) * 1000;
        insert.run(...values);
      }
    })();
  } finally {
    db.close();
  }
}

async function whatIfFigures(context: BenchContext, evaluator: Evaluator, input: BenchInput, count: number): Promise<NonNullable<ScaleFigures['whatIf']>> {
  const dir = join(context.tmp, 'what-if');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'dfw.db');
  await (await openStore(`sqlite:${file}`)).close();
  log(`what-if: seeding ${count.toLocaleString('en')} decisions`);
  seedRealDecisions(file, evaluator, input, count);
  const store = await openStore(`sqlite:${file}`);
  global.gc?.();
  const mib = () => process.memoryUsage().rss / 1024 / 1024;
  const start = mib();
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, mib())), 100);
  log(`what-if over ${count.toLocaleString('en')} decisions`);
  const started = performance.now();
  try {
    const threads = availableParallelism();
    // RSS as the pass goes, a quarter in and at its last decision: memory that grew with the
    // decisions read would show between the two, while what the pass sets up once (threads,
    // their policies, the allocator's arenas) is already there a quarter in.
    let quarter: number | undefined;
    let last: number | undefined;
    const every = Math.max(1, Math.floor(count / 20));
    const onProgress = (evaluated: number) => {
      if (quarter === undefined && evaluated >= count / 4) quarter = mib();
      if (evaluated >= count - every) last = mib();
    };
    const report = await whatIfInParallel(store, evaluator, new Date(0), BENCH_TIME, { threads, every, onProgress });
    const seconds = (performance.now() - started) / 1000;
    const peakSeen = Math.max(peak, mib());
    // What the run left behind, not garbage V8 has yet to collect: measured as the start was,
    // after a full collection (make bench runs Node with --expose-gc) and a moment to settle.
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { decisions: report.evaluated, threads, seconds, perSecond: report.evaluated / seconds, rssMiB: { start, peak: peakSeen, end: mib(), ...(quarter !== undefined ? { quarter } : {}), ...(last !== undefined ? { last } : {}) }, changed: report.changed.length };
  } finally {
    clearInterval(sampler);
    await store.close();
  }
}

export async function benchScale(context: BenchContext, evaluator: Evaluator, typical: BenchInput): Promise<ScaleFigures> {
  const { flags } = context;
  const figures: ScaleFigures = { listing: [] };
  figures.listing.push(await listing(sqliteBackend(context), flags.listingRows));
  if (flags.postgres) figures.listing.push(await listing(postgresBackend(), flags.listingRows));
  figures.whatIf = await whatIfFigures(context, evaluator, typical, flags.whatIfDecisions);
  return figures;
}
