// The figure sections of docs/performance.md: in-process, HTTP, bundle load, memory and
// the CPU profile of dfw's server, each a table and what it measured.
import { HTTP_SLICES } from './http-compare.js';
import type { BenchResults } from './results.js';
import { DEFAULT_MASK_PATHS } from '../src/store/mask.js';
import { fmt, type LatencySummary } from './stats.js';

export const kib = (bytes: number) => `${fmt(bytes / 1024)} KiB`;
const mib = (kibValue: number) => `${fmt(kibValue / 1024)} MiB`;
const ms = (value: number) => `${fmt(value)} ms`;
const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;
export const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function evaluateSection(r: BenchResults): string {
  if (!r.evaluate.length) return '';
  const rows: string[][] = [];
  for (const { dfw, opa, opaDecision, otherCores } of r.evaluate) {
    rows.push([
      dfw.input,
      fmt(dfw.evaluate.perSecond),
      ms(dfw.evaluate.p50Ms),
      ms(dfw.evaluate.p99Ms),
      fmt(opa.perSecond),
      ms(opa.p50Ms),
      ms(opa.p99Ms),
      ratio(dfw.evaluate.perSecond, opa.perSecond),
      opaDecision === dfw.decision ? 'yes' : `**no**: OPA \`${opaDecision}\``,
      `${fmt(otherCores.dfw, 2)} / ${fmt(otherCores.opa, 2)}`,
    ]);
  }
  const step = (input: string, what: string, f: LatencySummary) => [input, what, fmt(f.perSecond), ms(f.p50Ms), ms(f.p99Ms)];
  const steps = r.evaluate.flatMap(({ dfw }) => [
    step(dfw.input, 'parse + validate + buildInput', dfw.prepare),
    step(dfw.input, 'evaluate() (from the table above)', dfw.evaluate),
    step(dfw.input, 'masked input to JSON for the decision log (serializeMasked)', dfw.mask),
  ]);
  return `## In-process evaluation

${table(['Input', 'dfw evaluate() /s', 'p50', 'p99', 'OPA (opa bench) /s', 'p50', 'p99', 'dfw/OPA throughput', 'Same decision', 'other cores (dfw / OPA)'], rows)}

- **dfw**: \`evaluate(input, {now})\` back to back in one Node thread, each call timed with
  \`performance.now()\`, after 1 s of warm-up. A call serializes the input to JSON, copies it
  into Wasm memory, evaluates \`firewall/decision\` in the compiled policy, reads the result
  back as JSON and checks its shape, and adds the decision id, bundle and timing.
- **OPA**: \`opa bench -d rego --ignore '*_test.rego'\` (the files the bundles hold), OPA's
  Rego interpreter (this OPA build has no Wasm runtime). /s is
  1 / (ns/op), the median over runs; p50/p99 are OPA's own \`timer_rego_query_eval_ns\`
  histogram (evaluation only, without preparing the input). \`opa bench\` parses the input
  file once and hands the parsed value to each evaluation; dfw's figure includes turning
  the input into JSON text and the result back into a JavaScript object every time.
- **Interleaved**: the two are measured in alternating slices, ${r.flags.opaCount} of each (dfw's
  ${r.flags.evalSeconds} s split into ${r.flags.opaCount}, then one \`opa bench\` run, and again), because this
  machine switches between two speeds every few seconds and one side measured after the
  other could fall into the other speed (performance-changes.md, fifth round).
- "other cores": CPU the rest of the machine used during the measurement (/proc/stat less
  this process and \`opa bench\`), which should be near 0.

What \`POST /v1/check\` does around the evaluation, timed the same way: \`JSON.parse\` of the
body, \`parseCheckRequest\` (JSON Schema validation, image reference) and \`buildInput\`
before it; after it, the decision log's \`serializeMasked\` (mask and write the input as JSON) with the
${DEFAULT_MASK_PATHS.length} default mask paths (store/mask.ts; the SQLite write is not included):

${table(['Input', 'Step', 'per second', 'p50', 'p99'], steps)}`;
}

export function httpSection(r: BenchResults): string {
  const http = r.http;
  if (!http) return '';
  const parts: string[] = [];
  for (const name of [...new Set(http.runs.map((run) => run.input))]) {
    const runs = http.runs.filter((run) => run.input === name);
    const opa = runs.find((run) => run.target === 'opa');
    const rows = runs.map((run) => [
      run.target,
      fmt(run.perSecond),
      ms(run.p50Ms),
      ms(run.p99Ms),
      `${run.errors} / ${run.non2xx} / ${run.timeouts}`,
      fmt(run.serverCores, 2),
      fmt(run.loadGeneratorCores, 2),
      fmt(run.otherCores, 2),
      opa && run !== opa ? ratio(run.perSecond, opa.perSecond) : '',
    ]);
    parts.push(`### ${name} input

${table(['Server', 'req/s', 'p50', 'p99', 'errors / non-2xx / timeouts', 'server cores', 'autocannon cores', 'other cores', 'req/s ÷ opa'], rows)}`);
  }
  return `## HTTP

dfw: \`POST /v1/check\` on \`dfw serve\` (a separate Node process). OPA: \`POST
/v1/data/firewall/decision\` on \`opa run --server\` with the Rego-target bundle of the same
sources (signed, verified at startup). Same machine, same ${r.flags.connections} connections, ${r.flags.durationSec} s measured
per server and input, all in one run, one server at a time but in turns: ${r.flags.durationSec >= HTTP_SLICES * 2 ? `each server's time in ${HTTP_SLICES} slices taken
round-robin with the others' (${r.flags.warmupSec} s of warm-up before its first slice, 0.5 s before the others), so that
a slow minute of this machine falls on every server alike rather than on one` : `one slice each after ${r.flags.warmupSec} s of warm-up`}. req/s counts 2xx answers;
p50/p99 come from every response's latency as autocannon measured it (its own histogram
rounds to whole milliseconds). "server cores" is the server process's CPU time over the run
divided by its duration (/proc/<pid>/stat); "autocannon cores" the same for the benchmark
process; "other cores" what the rest of the machine used meanwhile (/proc/stat), which should
be near 0. "opa (GOMAXPROCS=1)" is OPA limited to one core, like dfw's one JavaScript thread.
"dfw" runs on its defaults, so it records every decision, with its input, in its SQLite
decision log (WAL, \`synchronous=FULL\`; concurrent decisions share a commit and its fsync) before answering; "dfw
(decision log in memory)" is the same server with \`DFW_STORE_URL=sqlite::memory:\`, which
keeps the recording but not the disk write.

${parts.join('\n\n')}

What differs between the two, beyond the evaluator:
- dfw records each decision before it answers (fail closed: an unrecorded decision is an
  error); OPA's decision logging is off unless configured, so OPA does no such work here.
  Before evaluating, dfw also reads the active waivers and stored evidence for the
  deployment from the same store.
- dfw validates the check request against its JSON Schema, parses the image reference,
  builds the input document and assigns a UUIDv7 decision id; OPA receives a ready input
  document. dfw's answer also carries the decision id, bundle, time and timings.
- dfw's request body is the check request; OPA's is \`{"input": …}\` with the built input
  document, which is slightly larger (see Inputs).
- Both log one JSON line per request at their default level (dfw: the decision; OPA: its
  request/response access log lines), to a file.
- dfw answers on one JavaScript thread, with the decision log's writer thread beside it and
  one evaluation thread that runs the policy (\`server.evaluation_threads\`): for the large
  input (input JSON of 64 Ki characters or more) always, for the typical one while other
  checks wait, which at 16 connections is nearly always; OPA's Go HTTP server evaluates requests on
  all cores (GOMAXPROCS defaults to the core count), which is why the GOMAXPROCS=1 row is there.`;
}

/** The most connections up to which every dfw sweep run kept p99 within 10 ms (undefined: not even the fewest). */
export function lowLatencyUpTo(r: BenchResults): number | undefined {
  const runs = (r.http?.sweep ?? []).filter((run) => run.target === 'dfw').sort((a, b) => a.connections - b.connections);
  let upTo: number | undefined;
  for (const run of runs) {
    if (run.p99Ms > 10) break;
    upTo = run.connections;
  }
  return upTo;
}

/**
 * What a 10 ms mean would take at the run's connection count (Little's law), against the CPU
 * a typical check cost in the run: why the latency is what it is on this machine.
 */
export function latencyBudget(r: BenchResults): string {
  const run = r.http?.runs.find((x) => x.input === 'typical' && x.target === 'dfw');
  if (!run || run.perSecond <= 0) return '';
  const connections = r.flags.connections;
  const needed = (connections * 1000) / 10;
  const serverMs = (run.serverCores / run.perSecond) * 1000;
  const loadMs = (run.loadGeneratorCores / run.perSecond) * 1000;
  const dfwCores = (needed * serverMs) / 1000;
  const withLoad = (needed * (serverMs + loadMs)) / 1000;
  return (
    `For a mean of 10 ms at ${connections} connections (a p99 of 10 ms needs more) dfw would have to answer ${fmt(needed)} checks/s. ` +
    `In the ${connections}-connection run a check cost ${fmt(serverMs)} ms of CPU in dfw's process (all its threads: server, evaluation, writer and V8's helpers) ` +
    `and ${fmt(loadMs)} ms in autocannon: at that cost ${fmt(needed)} checks/s would keep ${fmt(dfwCores)} cores busy in dfw alone (${fmt(withLoad)} with autocannon), where this machine has ${r.machine.cores}.`
  );
}

/** p99 by connections for dfw serve and OPA on the typical input: the sweep, then the main run. */
export function sweepSection(r: BenchResults): string {
  const http = r.http;
  if (!http?.sweep?.length) return '';
  const input = 'typical';
  const at = (server: string, connections: number) =>
    http.sweep!.find((run) => run.target === server && run.connections === connections) ??
    (connections === r.flags.connections ? http.runs.find((run) => run.target === server && run.input === input) : undefined);
  const counts = [...new Set([...http.sweep.map((run) => run.connections), r.flags.connections])].sort((a, b) => a - b);
  const cells = (run: ReturnType<typeof at>) => (run ? [fmt(run.perSecond), ms(run.p50Ms), ms(run.p99Ms), `${run.errors + run.non2xx + run.timeouts}`] : ['–', '–', '–', '–']);
  const rows = counts.map((c) => [String(c), ...cells(at('dfw', c)), ...cells(at('opa', c))]);
  const upTo = lowLatencyUpTo(r);
  const summary =
    upTo === undefined ? "dfw's p99 was above 10 ms at every connection count in this run." : `dfw's p99 was within 10 ms up to ${upTo} connection${upTo === 1 ? '' : 's'} in this run.`;
  return `## Latency by connections

The typical input on \`dfw serve\` (one process, its defaults: every decision committed to the
SQLite log before the answer) and \`opa run --server\`, each number of connections a separate
load of ${Math.min(r.flags.warmupSec, 1)} s warm-up and ${Math.min(r.flags.durationSec, 5)} s measured; the ${r.flags.connections}-connection row is the HTTP run
above. With every connection waiting for its answer before it sends the next check, the mean
latency is the number of connections divided by the throughput (Little's law), so p99 grows
with the connections once the server is busy. ${summary} ${latencyBudget(r)}

${table(['Connections', 'dfw req/s', 'dfw p50', 'dfw p99', 'dfw failed', 'opa req/s', 'opa p50', 'opa p99', 'opa failed'], rows)}`;
}

export function bundleSection(r: BenchResults): string {
  const b = r.bundle;
  if (!b) return '';
  const row = (what: string, t: { medianMs: number; minMs: number; p90Ms: number }) => [what, ms(t.medianMs), ms(t.minMs), ms(t.p90Ms)];
  return `## Bundle load and verify

The Wasm bundle (${kib(b.bundleBytes)}; policy.wasm ${kib(b.wasmBytes)}, data.json ${kib(b.dataBytes)}),
built as by \`make bundle\` and signed with \`test/fixtures/keys/test-only-signing.key.pem\`;
${b.iterations} iterations each, in process, from bytes already in memory.

${table(
  ['Step', 'median', 'min', 'p90'],
  [
    row('loadBundle, signed, verified with the public key (gunzip, untar, RS256 JWT, every file hash, manifest, data.json)', b.loadVerified),
    row('loadBundle, unsigned, no key (same without the signature check)', b.loadUnverified),
    row('createEvaluator (compile and instantiate policy.wasm, set data)', b.createEvaluator),
    ['load + verify + createEvaluator', ms(b.loadVerified.medianMs + b.createEvaluator.medianMs), '', ''],
  ],
)}`;
}

export function memorySection(r: BenchResults): string {
  const http = r.http;
  if (!http) return '';
  const rows = http.idle.map((idle) => {
    const after = http.loaded.find((l) => l.server === idle.server)?.memory;
    return [idle.server, ms(idle.startupMs), mib(idle.memory.rssKiB), mib(idle.memory.heldKiB), after ? mib(after.rssKiB) : '–', after ? mib(after.heldKiB) : '–', after ? mib(after.peakKiB) : '–'];
  });
  return `## Server memory and startup

${table(['Server', 'start → ready', 'RSS idle', 'idle, shared pages once', 'RSS after the load', 'after the load, shared pages once', 'peak RSS'], rows)}

RSS is VmRSS from /proc/<pid>/status, summed over the server's processes, peak is VmHWM
(summed likewise). "Shared pages once" is, approximately, the memory the server's processes
hold together: each one's private pages (/proc/<pid>/smaps_rollup) plus the largest shared
part of any of them (a lower bound of the pages they share; on an idle \`--workers 2\` it came
within 2 MiB of the processes' summed PSS). Every Node process maps the same node binary and libraries, about 48 MiB resident on
this machine, which summed RSS counts once per process although the machine holds those pages
once. For a server of one process the two are the same figure. "Idle" is right after the server became
ready (before any request), "after" once every HTTP run above had finished: a server's
last slice of the large input is followed by the other servers' last slices, so dfw had been
idle for about 15–19 s by then, time for each thread's idle collection and V8's memory
reducer to give back the garbage of the large checks (performance-changes.md, eleventh
round). Start → ready is
wall time from spawning the process to its first good answer (dfw: the "listening" log line,
written after the bundle is verified and the Wasm instantiated; OPA: \`GET /health\`), so it
includes process start, loading and verifying the signed bundle, and compiling the policy.
The in-memory decision log keeps every recorded decision, input included, in the process,
so its RSS grows with the number of decisions.`;
}

export function profileSection(r: BenchResults): string {
  if (!r.profile?.length) return '';
  const names = r.profile.map((p) => p.input);
  const rows = r.profile[0]!.shares.map((s, i) => [s.category, ...r.profile!.map((p) => `${fmt(100 * (p.shares[i]?.share ?? 0), 2)}%`)]);
  return `## Where dfw's server time goes

A separate run of each input against \`dfw serve\` started with \`node --cpu-prof\` (so the
profiler's overhead stays out of the figures above), on its defaults (decision log in SQLite
on disk): ${r.profile.map((p) => `${p.input} ${fmt(p.perSecond)} req/s over ${fmt(p.requests)} requests`).join(', ')}. Each sample
of the JavaScript thread's busy time (idle time and startup left out; time blocked in a
synchronous call such as SQLite's fsync counts as busy) goes to the first of these
categories that any frame of its stack belongs to, in this order:

${table(['Category', ...names], rows)}
${storeCacheParagraph(r.profile)}`;
}

/** The store caches' figure from the profiled runs, and what they guarantee. */
function storeCacheParagraph(profile: NonNullable<BenchResults['profile']>): string {
  const ratio = (c: { hits: number; misses: number }) => `${fmt(c.hits)} of ${fmt(c.hits + c.misses)}`;
  const figures = profile
    .filter((p) => p.storeCache)
    .map((p) => `${p.input}: waivers ${ratio(p.storeCache!.waivers)}, evidence ${ratio(p.storeCache!.evidence)}`);
  return `
${STORE_CACHES}${figures.length ? ` Reads served from memory in these runs (\`dfw_store_cache_reads_total\`): ${figures.join('; ')}.` : ''}`;
}

export const STORE_CACHES = `**Store caches.** The active waivers of a check's application and environment and the
evidence pushed for its digest and commit are cached in each process
(src/store/cached-reads.ts, [storage.md](storage.md#caches-of-waivers-and-evidence)). A
read first looks up the scopes' generation counters (one primary-key lookup) and serves the
cached answer only while they are unchanged; every write of a waiver or a report bumps its
scopes' counters in its own transaction, so no check that starts after the write was
acknowledged — in this process, a \`--workers\` sibling or another replica on the same
PostgreSQL — is answered from before it (test/store-caches*.test.ts). Expiry is judged at
each read; the caches are bounded (least recently used first).`;
