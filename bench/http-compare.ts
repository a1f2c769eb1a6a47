// The HTTP comparison: dfw serve and opa run --server side by side, in one run, with the
// same connections and duration; their decisions checked first, memory read before and after.
import { log, showCommand, type BenchContext } from './context.js';
import { decisionShape } from './evaluate.js';
import { mergeSlices, runLoad, runSlice, type LoadSlice } from './http.js';
import type { BenchInput } from './inputs.js';
import { readTreeMemory } from './processes.js';
import { publishDuringLoad } from './swap.js';
import type { HttpResults } from './results.js';
import { endpoint, requestBody, startCeiling, startDfw, startOpa, type StartedServer } from './servers.js';

/** The cluster row: one server process per core of this machine (2 here), dfw serve --workers. */
export const CLUSTER_WORKERS = 2;
export const CLUSTER_NAME = `dfw --workers ${CLUSTER_WORKERS}`;

/** Each server's measured time at 16 connections is taken in this many slices, in turns with the others'. */
export const HTTP_SLICES = 3;

async function postJson(url: string, body: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  return (await response.json()) as Record<string, unknown>;
}

/** expected: the in-process evaluator's decision shape per input; every server must agree. */
export async function compareHttp(context: BenchContext, inputs: BenchInput[], expected: Map<string, string>, commands: string[]): Promise<HttpResults> {
  const { flags, quiet } = context;
  const servers: StartedServer[] = [];
  try {
    log('starting dfw serve and opa run --server');
    servers.push(await startDfw(context, { folder: 'dfw-serve' }));
    if (flags.clusterDfw) servers.push(await startDfw(context, { name: CLUSTER_NAME, folder: 'dfw-serve-cluster', workers: CLUSTER_WORKERS }));
    if (flags.memoryStoreDfw) servers.push(await startDfw(context, { name: 'dfw (decision log in memory)', folder: 'dfw-serve-memory', storeUrl: 'sqlite::memory:' }));
    servers.push(await startOpa(context, 'opa'));
    if (flags.singleCoreOpa) servers.push(await startOpa(context, 'opa (GOMAXPROCS=1)', { GOMAXPROCS: '1' }));
    if (flags.ceiling) servers.push(await startCeiling(context));
    commands.push(...servers.map((s) => s.command));
    const idle = servers.map(({ server }) => ({ server: server.name, startupMs: server.startupMs, memory: readTreeMemory(server.pid) }));

    for (const bench of inputs) {
      for (const started of servers.filter((s) => s.kind !== 'ceiling')) {
        const answer = await postJson(endpoint(started), requestBody(started, bench));
        const shape = decisionShape((started.kind === 'dfw' ? answer : answer.result) as never);
        if (shape !== expected.get(bench.name)) throw new Error(`${started.server.name} decided ${shape} on the ${bench.name} input, the evaluator ${expected.get(bench.name)}`);
      }
    }

    const runs: HttpResults['runs'] = [];
    const { connections, durationSec, warmupSec } = flags.load;
    // In turns rather than one server after the other: this machine changes speed from one
    // minute to the next (performance-changes.md, fifth and ninth rounds), and a server
    // measured in one stretch could get a slow minute the others did not. Each server's
    // measured time is split into HTTP_SLICES slices, taken round-robin with the others';
    // the first slice of each gets the whole warm-up, the later ones a short one (new
    // connections, a server already warm).
    const slices = durationSec >= HTTP_SLICES * 2 ? HTTP_SLICES : 1;
    for (const bench of inputs) {
      const taken = new Map<StartedServer, LoadSlice[]>(servers.map((s) => [s, []]));
      for (let round = 0; round < slices; round++) {
        for (const started of servers) {
          const { server } = started;
          const load = { connections, durationSec: durationSec / slices, warmupSec: round === 0 ? warmupSec : Math.min(warmupSec, 0.5) };
          log(`HTTP load: ${server.name}, ${bench.name} input, ${connections} connections, ${load.warmupSec} s + ${load.durationSec.toFixed(1)} s (slice ${round + 1} of ${slices})`);
          const run = () => runSlice(server.name, endpoint(started), requestBody(started, bench), server.pid, load);
          taken.get(started)!.push(await quiet.measure(`${server.name} ${bench.name} slice ${round + 1}`, run, (r) => r.figures.otherCores));
        }
      }
      for (const started of servers) runs.push({ input: bench.name, ...mergeSlices(taken.get(started)!) });
      const autocannon = ['npx', 'autocannon', '-m', 'POST', '-H', 'content-type=application/json', '-c', String(connections), '-d', String(durationSec)];
      commands.push(
        showCommand(context, [...autocannon, '-i', `${context.tmp}/${bench.name}.request.json`, '<dfw url>/v1/check']),
        showCommand(context, [...autocannon, '-i', `${context.tmp}/${bench.name}.opa-body.json`, '<opa url>/v1/data/firewall/decision']),
      );
    }
    const loaded = servers.map(({ server }) => ({ server: server.name, memory: readTreeMemory(server.pid) }));
    const sweep = await sweepConnections(context, servers, inputs[0]!);
    // Last, so the swap cannot disturb the figures above: the same load on the cluster while a
    // new signed revision is published halfway through.
    const cluster = servers.find((s) => s.server.name === CLUSTER_NAME);
    const swap = cluster ? await publishDuringLoad(context, cluster, inputs[0]!) : undefined;
    return { runs, idle, loaded, decisions: Object.fromEntries(expected), ...(swap ? { swap } : {}), ...(sweep.length ? { sweep } : {}) };
  } finally {
    for (const { server } of servers) await server.stop();
  }
}

/**
 * dfw serve (one process) and OPA at each of the sweep's connection counts, on one input, in
 * shorter runs: where latency stays low, as a reader deciding on a deployment wants to know.
 */
async function sweepConnections(context: BenchContext, servers: StartedServer[], bench: BenchInput): Promise<NonNullable<HttpResults['sweep']>> {
  const { flags, quiet } = context;
  const targets = servers.filter((s) => s.server.name === 'dfw' || s.server.name === 'opa');
  const load = { warmupSec: Math.min(flags.load.warmupSec, 1), durationSec: Math.min(flags.load.durationSec, 5) };
  const sweep: NonNullable<HttpResults['sweep']> = [];
  for (const connections of flags.sweep) {
    for (const started of targets) {
      const { server } = started;
      log(`latency sweep: ${server.name}, ${bench.name} input, ${connections} connections, ${load.warmupSec} s + ${load.durationSec} s`);
      const run = () => runLoad(server.name, endpoint(started), requestBody(started, bench), server.pid, { ...load, connections });
      sweep.push({ connections, ...(await quiet.measure(`${server.name} ${bench.name} at ${connections} connections`, run, (r) => r.otherCores)) });
    }
  }
  return sweep;
}
