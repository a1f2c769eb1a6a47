// The interpretation section of docs/performance.md, computed from the figures so that it
// stays true when the benchmark is rerun: what dominates, and what stands out.
import { CLUSTER_NAME } from './http-compare.js';
import type { BenchResults } from './results.js';
import { DEFAULT_MASK_PATHS } from '../src/store/mask.js';
import { fmt } from './stats.js';

const DEFAULT_MASK_PATH_COUNT = DEFAULT_MASK_PATHS.length;

const pct = (share: number) => `${fmt(100 * share, 2)}%`;

function evaluateNotes(r: BenchResults): string[] {
  return r.evaluate.map(({ dfw, opa }) => {
    const x = dfw.evaluate.perSecond / opa.perSecond;
    const speed = x >= 1 ? `${fmt(x, 2)}× as many evaluations per second as` : `${fmt(1 / x, 2)}× fewer evaluations per second than`;
    let text = `**In process**, on the ${dfw.input} input, dfw's Wasm evaluator does ${speed} OPA's interpreter (p50 ${fmt(dfw.evaluate.p50Ms)} ms against ${fmt(opa.p50Ms)} ms), although its figure includes serializing the input to JSON and parsing the result on every call.`;
    if (dfw.mask.p50Ms > dfw.evaluate.p50Ms) {
      text += ` **Masking the input for the decision log (\`serializeMasked\`, p50 ${fmt(dfw.mask.p50Ms)} ms) costs ${fmt(dfw.mask.p50Ms / dfw.evaluate.p50Ms, 2)}× the evaluation itself.**`;
    }
    return text;
  });
}

function httpNotes(r: BenchResults): string[] {
  const http = r.http;
  if (!http) return [];
  const notes: string[] = [];
  for (const name of [...new Set(http.runs.map((run) => run.input))]) {
    const dfw = http.runs.find((run) => run.input === name && run.target === 'dfw');
    const opa = http.runs.find((run) => run.input === name && run.target === 'opa');
    const opa1 = http.runs.find((run) => run.input === name && run.target.startsWith('opa ('));
    if (!dfw || !opa) continue;
    const ev = r.evaluate.find((e) => e.dfw.input === name);
    const dfwCpu = (dfw.serverCores / dfw.perSecond) * 1000;
    const opaCpu = (opa.serverCores / opa.perSecond) * 1000;
    let text = `**Over HTTP**, on the ${name} input, dfw answers ${fmt(dfw.perSecond)} req/s against OPA's ${fmt(opa.perSecond)} (${fmt(dfw.perSecond / opa.perSecond, 2)}×)`;
    text += opa1 ? ` and ${fmt(opa1.perSecond)} for OPA on one core (${fmt(dfw.perSecond / opa1.perSecond, 2)}×).` : '.';
    text += ` Per request dfw's process used ${fmt(dfwCpu)} ms of CPU, OPA's ${fmt(opaCpu)} ms`;
    text += ev ? ` (\`opa bench\`: ${fmt(ev.opa.msPerOp)} ms/op; dfw's evaluate(): ${fmt(ev.dfw.evaluate.meanMs)} ms).` : '.';
    if (dfw.serverCores < 0.8) {
      text += ` dfw's process kept only ${fmt(dfw.serverCores, 2)} of a core busy although ${r.flags.connections} requests were always waiting: its server thread spends the rest waiting (for the decision writer's commits and their fsync, or for the CPU the load generator and the writer thread use), not computing.`;
    }
    if (ev && opaCpu > 1.5 * ev.opa.msPerOp) {
      text += ` OPA's server spends ${fmt(opaCpu / ev.opa.msPerOp, 2)}× its \`opa bench\` cost per request on what \`opa bench\` leaves out: HTTP handling, decoding the JSON body into Rego values, encoding the result, its access log.`;
    }
    const memoryLog = http.runs.find((run) => run.input === name && run.target.startsWith('dfw ('));
    if (memoryLog) {
      text += ` With its decision log in memory instead of on disk, dfw answers ${fmt(memoryLog.perSecond)} req/s (${fmt(memoryLog.perSecond / dfw.perSecond, 2)}× its default, ${fmt(memoryLog.perSecond / opa.perSecond, 2)}× OPA).`;
    }
    const cluster = http.runs.find((run) => run.input === name && run.target.startsWith('dfw --workers'));
    if (cluster) {
      text += ` With \`${cluster.target}\` (one server process per core, the primary's writer thread committing the SQLite log) dfw answers ${fmt(cluster.perSecond)} req/s (${fmt(cluster.perSecond / dfw.perSecond, 2)}× one process, ${fmt(cluster.perSecond / opa.perSecond, 2)}× OPA), its processes using ${fmt(cluster.serverCores, 2)} cores.`;
    }
    const ceiling = http.runs.find((run) => run.input === name && run.target.startsWith('node:http'));
    if (ceiling) text += ` A bare node:http server that only parses the same body answers ${fmt(ceiling.perSecond)} req/s on one thread: the ceiling above one dfw process.`;
    const busy = Math.max(...http.runs.filter((run) => run.input === name).map((run) => run.otherCores));
    if (busy > 0.3) text += ` **Other processes used up to ${fmt(busy, 2)} cores during these runs: the machine was not quiet, and every figure here is lower than it would be on an idle machine.**`;
    const profile = r.profile?.find((p) => p.input === name);
    if (profile) text += profileNote(profile.shares);
    const little = (r.flags.connections / dfw.perSecond) * 1000;
    if (dfw.p99Ms > 3 * dfw.p50Ms) {
      text += ` Latency under this closed-loop load is mostly queueing (${r.flags.connections} connections / ${fmt(dfw.perSecond)} req/s ≈ ${fmt(little)} ms on average); dfw's p99 of ${fmt(dfw.p99Ms)} ms is ${fmt(dfw.p99Ms / dfw.p50Ms, 2)}× its p50 (OPA's: ${fmt(opa.p99Ms / opa.p50Ms, 2)}×).`;
    }
    notes.push(text);
  }
  return notes;
}

/** What the CPU profile of dfw's server says dominates. */
function profileNote(shares: Array<{ category: string; share: number }>): string {
  const share = (prefix: string) => shares.filter((x) => x.category.startsWith(prefix)).reduce((a, x) => a + x.share, 0);
  const groups: Array<[string, number]> = [
    ['evaluate()', share('evaluate()')],
    ['the decision log (recording the decision, reading waivers and evidence)', share('decision log:') + share('store reads')],
    ['the HTTP stack (Node, @hono/node-server, hono, reading the body)', share('hono') + share('@hono/node-server') + share('Node HTTP') + share('reading')],
    ['the log line', share('decision log line')],
  ];
  const [top] = [...groups].sort((a, b) => b[1] - a[1]);
  let text = ` In dfw's profile, ${groups.map(([what, x]) => `${what} takes ${pct(x)}`).join(', ')} of the server thread's busy time: **${top![0]} dominates**.`;
  const wasm = share('evaluate(): Wasm policy');
  const jsSide = share('evaluate(): JavaScript');
  // Under load the evaluation thread runs the policy (an input of 64 Ki characters or more
  // always, a smaller one while other checks wait), which this profile of the server thread
  // does not see. Run here, the Wasm part of evaluate() is several times its JavaScript side
  // (input to JSON text, result parsing), which stays here either way: a Wasm share below
  // that side's means most of the Wasm time is elsewhere, and comparing with what is left
  // here would mislead (the 23:08 run of 2026-12-07 called masking "15× the Wasm evaluation").
  const onThisThread = wasm > jsSide;
  const timesWasm = (part: number) => (onThisThread ? `, ${fmt(part / wasm, 2)}× the Wasm evaluation on this thread` : '');
  const worthNaming = (part: number) => (onThisThread ? part > wasm : part >= 0.01);
  if (onThisThread) text += ` The Wasm evaluation on this thread is ${pct(wasm)}, evaluate()'s JavaScript side (input to JSON text, result parsing) ${pct(jsSide)}.`;
  else {
    text += ' The Wasm evaluation is mostly not on this thread: under this load the evaluation thread runs it (an input of 64 Ki characters or more always, a smaller one while other checks wait), outside this profile';
    text += wasm >= 0.001 ? ` (Wasm is ${pct(wasm)} of this thread's time; evaluate()'s JavaScript side, which stays here, ${pct(jsSide)}).` : '.';
  }
  // Commits belong to the writer thread; any on this thread are a store without one (or
  // another statement counted with them).
  const commit = share('decision log: SQLite BEGIN');
  if (worthNaming(commit) && commit >= 0.01) text += ` SQLite transactions on this thread, each commit with an fsync (\`synchronous=FULL\`), take ${pct(commit)}${timesWasm(commit)}.`;
  const mask = share('decision log: masking');
  if (worthNaming(mask)) {
    text += ` Masking secrets in the logged copy of the input takes ${pct(mask)}${timesWasm(mask)}: store/mask.ts walks the input once for its ${DEFAULT_MASK_PATH_COUNT} default paths (folded into one pattern), so its cost grows with the input's size.`;
  }
  const logLine = share('decision log line');
  if (logLine > 0.5 * wasm && logLine > 0.03) text += ` Writing the one JSON log line takes ${pct(logLine)}${timesWasm(logLine)} (console.error to a file or pipe is synchronous in Node).`;
  return text;
}

function resourceNotes(r: BenchResults): string[] {
  const notes: string[] = [];
  const http = r.http;
  if (http) {
    const idle = (name: string) => http.idle.find((i) => i.server === name);
    const after = (name: string) => http.loaded.find((l) => l.server === name);
    const d = idle('dfw');
    const o = idle('opa');
    const dl = after('dfw');
    const ol = after('opa');
    const cluster = after(CLUSTER_NAME);
    const clusterNote = cluster
      ? ` \`${CLUSTER_NAME}\` holds ${fmt(cluster.memory.heldKiB / 1024)} MiB after the load with the pages its processes share counted once (summed RSS ${fmt(cluster.memory.rssKiB / 1024)} MiB counts Node's code once per process).`
      : '';
    if (d && o && dl && ol) {
      notes.push(
        `**Memory**: idle, dfw's Node process holds ${fmt(d.memory.rssKiB / 1024)} MiB against OPA's ${fmt(o.memory.rssKiB / 1024)} MiB; after the load (the large input included) ${fmt(dl.memory.rssKiB / 1024)} MiB against ${fmt(ol.memory.rssKiB / 1024)} MiB, peaks ${fmt(dl.memory.peakKiB / 1024)} and ${fmt(ol.memory.peakKiB / 1024)} MiB.${clusterNote} **Startup**: ${fmt(d.startupMs)} ms to ready for dfw (mostly Node and module loading) against ${fmt(o.startupMs)} ms for OPA.`,
      );
    }
  }
  if (r.bundle) {
    const b = r.bundle;
    notes.push(
      `**Bundle**: loading and verifying the signed bundle takes ${fmt(b.loadVerified.medianMs)} ms (${fmt(b.loadVerified.medianMs - b.loadUnverified.medianMs)} ms more than an unsigned one: the RS256 JWT and the file hashes), instantiating the policy ${fmt(b.createEvaluator.medianMs)} ms, so activating a new bundle takes well under ${fmt(Math.ceil((b.loadVerified.p90Ms + b.createEvaluator.p90Ms) / 10) * 10)} ms.`,
    );
  }
  return notes;
}

export function interpretation(r: BenchResults): string {
  const notes = [...evaluateNotes(r), ...httpNotes(r), ...resourceNotes(r)];
  if (!notes.length) return '';
  return `## Interpretation

${notes.map((n) => `- ${n}`).join('\n')}`;
}
