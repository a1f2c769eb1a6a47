// The sections of docs/performance.md for issue 13: the target table (each figure beside its
// target, met or not, from this run), the bundle swap under load, and the decision log at
// scale (listing p99 at 10 M decisions, what-if rate and memory).
import type { BenchResults } from './results.js';
import { lowLatencyUpTo, table } from './report-figures.js';
import { CLUSTER_NAME } from './http-compare.js';
import { fmt } from './stats.js';

const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');

export function targetsSection(r: BenchResults): string {
  const runs = r.http?.runs ?? [];
  const find = (input: string, target: string) => runs.find((x) => x.input === input && x.target === target);
  const rows: string[][] = [];
  const best = (input: string) => {
    const candidates = ['dfw', CLUSTER_NAME].map((t) => find(input, t)).filter((x) => x !== undefined);
    return candidates.sort((a, b) => b.perSecond - a.perSecond)[0];
  };
  for (const [input, target] of [['typical', 3], ['large', 2]] as const) {
    const dfw = best(input);
    const opa = find(input, 'opa');
    if (dfw && opa) {
      const ratio = dfw.perSecond / opa.perSecond;
      // Three digits: 2.97 rounded to two read as the 3× it misses.
      rows.push([input, `req/s ÷ \`opa run --server\` (all cores)`, `${fmt(ratio)}× (${dfw.target}: ${fmt(dfw.perSecond)} vs ${fmt(opa.perSecond)})`, `≥ ${target}×`, verdict(ratio >= target)]);
    }
    if (input === 'typical' && dfw && opa) {
      // Where the sweep (Latency by connections) found dfw's p99 within 10 ms, for context.
      const upTo = lowLatencyUpTo(r);
      const context = upTo === undefined ? '' : `; dfw ≤ 10 ms up to ${upTo} connection${upTo === 1 ? '' : 's'}`;
      rows.push([input, `p99 at ${r.flags.connections} connections`, `${fmt(dfw.p99Ms)} ms (OPA ${fmt(opa.p99Ms)} ms${context})`, "≤ OPA's and ≤ 10 ms", verdict(dfw.p99Ms <= opa.p99Ms && dfw.p99Ms <= 10)]);
    }
  }
  const dfwRuns = runs.filter((x) => x.target.startsWith('dfw'));
  const failures = dfwRuns.reduce((n, x) => n + x.errors + x.non2xx + x.timeouts, 0);
  const swap = r.http?.swap;
  const swapFailures = swap ? swap.load.errors + swap.load.non2xx + swap.load.timeouts : undefined;
  rows.push(['both', 'errors / non-2xx / timeouts, also across a bundle swap', `${failures} in the HTTP runs; ${swapFailures ?? '–'} across the swap`, '0', verdict(swapFailures === undefined ? undefined : failures === 0 && swapFailures === 0)]);
  const typicalEval = r.evaluate.find((e) => e.dfw.input === 'typical');
  if (typicalEval) {
    const ratio = typicalEval.dfw.evaluate.perSecond / typicalEval.opa.perSecond;
    rows.push(['in process', '`evaluate()` ÷ `opa bench`', `${fmt(ratio)}×`, '≥ 10×', verdict(ratio >= 10)]);
  }
  for (const l of r.scale?.listing ?? []) {
    rows.push([`decision log (${l.backend})`, `listing by application + environment + verdict at ${fmt(l.rows)} decisions, p99`, `${fmt(l.p99Ms)} ms`, '< 50 ms', verdict(l.rows >= 10_000_000 ? l.p99Ms < 50 : undefined)]);
  }
  const w = r.scale?.whatIf;
  if (w) {
    const flat = whatIfFlat(w.rssMiB);
    const during = w.rssMiB.quarter !== undefined && w.rssMiB.last !== undefined ? `, ${fmt(w.rssMiB.quarter)} a quarter in → ${fmt(w.rssMiB.last)} at the end` : '';
    rows.push(['what-if', `decisions re-evaluated per second over ${fmt(w.decisions)}`, `${fmt(w.perSecond)}/s; RSS ${fmt(w.rssMiB.start)} before${during}, peak ${fmt(w.rssMiB.peak)}, ${fmt(w.rssMiB.end)} MiB after`, '≥ 2,000/s, memory flat', verdict(w.decisions >= 100_000 ? w.perSecond >= 2000 && flat : undefined)]);
  }
  const loaded = r.http?.loaded ?? [];
  const dfwLoaded = loaded.filter((l) => l.server === 'dfw' || l.server === CLUSTER_NAME);
  if (dfwLoaded.length) {
    // Judged on the configuration whose throughput the rows above report: the memory a
    // deployment needs for that speed. The other configuration's figure is shown beside it.
    const judged = dfwLoaded.find((l) => l.server === best('typical')?.target) ?? dfwLoaded[0]!;
    // Pages the processes share (Node's binary and libraries) count once: the memory the
    // machine gives the server. Summed RSS, which counts them once per process, is shown beside.
    const figures = dfwLoaded.map((l) => `${l.server}: ${fmt(l.memory.heldKiB / 1024)} MiB${l.memory.rssKiB - l.memory.heldKiB > 1024 ? ` (RSS summed over its processes: ${fmt(l.memory.rssKiB / 1024)})` : ''}`).join('; ');
    rows.push(['memory', 'resident memory after the load (all processes of the server, pages they share counted once)', figures, '≤ 256 MiB, flat over 10 min', `${verdict(judged.memory.heldKiB / 1024 <= 256)} for ${judged.server} (after the load); the 10-minute run is \`make soak\` (docs/reliability.md)`]);
  }
  return `## Targets (issue 13)

Every figure from this run, beside its target. "dfw" is the best of \`dfw serve\` (one
process, the default) and \`${CLUSTER_NAME}\` (node:cluster, the SQLite decision log written by
the primary). Both commit the SQLite decision log on a writer thread and record every
decision durably before answering.

${table(['Input / area', 'Figure', 'This run', 'Target', 'Verdict'], rows)}`;
}

export function swapSection(r: BenchResults): string {
  const swap = r.http?.swap;
  if (!swap) return '';
  const l = swap.load;
  const after = [...new Set(swap.answeredAfter)];
  return `## Bundle swap under load

\`${swap.server}\` under the same load as its row above (${swap.input} input, ${r.flags.connections} connections,
${r.flags.warmupSec} s + ${r.flags.durationSec} s), while a new signed revision (\`${swap.revisions.after}\`) is published through
\`PUT /v1/bundles/firewall\` halfway through the measured part; the worker that takes the
publish tells the primary, and the other workers reload it from \`publish.dir\`.

${table(
  ['req/s', 'p50', 'p99', 'errors / non-2xx / timeouts', 'publish answered', 'revision before', 'revisions answered after'],
  [[fmt(l.perSecond), `${fmt(l.p50Ms)} ms`, `${fmt(l.p99Ms)} ms`, `${l.errors} / ${l.non2xx} / ${l.timeouts}`, String(swap.publishStatus), swap.revisions.before, after.join(', ')]],
)}

That no decision mixes two revisions is a test, not a figure: test/perf-invariants.test.ts
checks under load that each answer's verdict is the one its own revision gives.`;
}

export function scaleSection(r: BenchResults): string {
  const s = r.scale;
  if (!s) return '';
  const w = s.whatIf;
  const when = s.measuredAt && s.measuredAt !== r.date.toISOString() ? `\n\nThese figures come from the run of ${s.measuredAt.replace(/\.\d+Z$/, 'Z')} on the same machine (\`--save-scale\`, reported again here with \`--reuse-scale\`: seeding 10 M rows twice takes ~15 minutes).` : '';
  return `## Decision log at scale${when}

\`store.listDecisions\` (the statement behind \`GET /v1/decisions\`) filtered by application,
environment and verdict, 50 per page, newest first: ${s.listing[0]?.queries ?? 0} pages per database, first pages
and the cursor page after each, over a log seeded with one \`INSERT … SELECT\` per million rows
(bench/seed-decisions.ts: ${20} applications, 3 environments, 80 % allow). Migration 4's index
\`(application, environment, allow, time_ms, decision_id)\` serves filter and order together.

${table(
  ['Database', 'decisions', 'seeded in', 'pages', 'p50', 'p99', 'max', 'plan (EXPLAIN)'],
  s.listing.map((l) => [l.backend, fmt(l.rows), `${fmt(l.seedSeconds)} s`, String(l.queries), `${fmt(l.p50Ms)} ms`, `${fmt(l.p99Ms)} ms`, `${fmt(l.maxMs)} ms`, `\`${l.plan.replace(/\s+/g, ' ').slice(0, 160)}\``]),
)}
${
  w
    ? `
What-if: \`whatIfInParallel()\` (as \`dfw what-if\` runs it: the log read on the main thread, the bundle
evaluated on ${w.threads ?? 1} worker thread(s), one per core) with the benchmark's bundle over a SQLite log
of ${fmt(w.decisions)} copies of the typical decision (its masked input, logged with its request time as
the check service logs it), read in keyset
batches: ${fmt(w.perSecond)} decisions/s (${fmt(w.seconds)} s), ${w.changed} changed. RSS of the benchmark
process: ${fmt(w.rssMiB.start)} MiB before, peak ${fmt(w.rssMiB.peak)} MiB, ${fmt(w.rssMiB.end)} MiB after (before and
after measured after a full garbage collection), and ${w.rssMiB.quarter !== undefined ? `${fmt(w.rssMiB.quarter)} MiB a quarter of the way in, ${fmt(w.rssMiB.last ?? 0)} MiB at the last decision` : 'not sampled during the pass'}.
"Flat" means the pass did not grow with the decisions it read: less than 64 MiB more at the last
decision than a quarter of the way in, when both were sampled (the threads, their policies and
the allocator's arenas are set up by then, and a process keeps some of that after the pass);
otherwise less than 64 MiB more after than before.`
    : ''
}`;
}

/** What-if memory did not grow with the decisions read (see the what-if paragraph). */
function whatIfFlat(rss: { start: number; end: number; quarter?: number; last?: number }): boolean {
  if (rss.quarter !== undefined && rss.last !== undefined) return rss.last - rss.quarter < 64;
  return rss.end - rss.start < 64;
}
