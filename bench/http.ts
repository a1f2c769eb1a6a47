// HTTP figures: one server under autocannon for a fixed duration after a warm-up, with
// latencies recorded per response (autocannon's own histogram has 1 ms resolution), and
// the CPU both the server and the load generator used meanwhile.
import autocannon from 'autocannon';
import { readMachineBusySeconds, readTreeCpuSeconds } from './cpu.js';
import { summarize } from './stats.js';

export interface LoadOptions {
  connections: number;
  durationSec: number;
  warmupSec: number;
}

export interface LoadFigures {
  target: string;
  requests: number;
  /** 2xx responses per second. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** autocannon's own p99 (whole milliseconds), as a cross-check. */
  autocannonP99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Server CPU (with its worker processes) over the measured run, in cores (1.0 = one core busy all the time). */
  serverCores: number;
  /** This process's CPU (autocannon) over the measured run, in cores. */
  loadGeneratorCores: number;
  /** CPU of everything else on the machine over the run (other processes), in cores. */
  otherCores: number;
}

async function fire(url: string, body: string, connections: number, durationSec: number, onResponse?: (status: number, ms: number) => void) {
  const instance = autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: durationSec, timeout: 10 });
  if (onResponse) instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => onResponse(status, ms));
  return await instance;
}

export async function runLoad(target: string, url: string, body: string, serverPid: number, options: LoadOptions): Promise<LoadFigures> {
  return (await runSlice(target, url, body, serverPid, options)).figures;
}

/** One measured run with what merging it with others needs: its latencies and wall time. */
export interface LoadSlice {
  figures: LoadFigures;
  samples: number[];
  wallSec: number;
  /** autocannon's own duration of the run, which perSecond is over. */
  durationSec: number;
}

export async function runSlice(target: string, url: string, body: string, serverPid: number, options: LoadOptions): Promise<LoadSlice> {
  if (options.warmupSec > 0) await fire(url, body, options.connections, options.warmupSec);
  const samples: number[] = [];
  const serverCpu = readTreeCpuSeconds(serverPid);
  const machineCpu = readMachineBusySeconds();
  const ownCpu = process.cpuUsage();
  const started = performance.now();
  const result = await fire(url, body, options.connections, options.durationSec, (status, ms) => {
    if (status >= 200 && status < 300) samples.push(ms);
  });
  const wallSec = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownCpu);
  const machineCores = (readMachineBusySeconds() - machineCpu) / wallSec;
  const serverCores = (readTreeCpuSeconds(serverPid) - serverCpu) / wallSec;
  const loadGeneratorCores = (own.user + own.system) / 1e6 / wallSec;
  const latency = summarize(samples, wallSec * 1000);
  const figures: LoadFigures = {
    target,
    requests: result['2xx'],
    perSecond: result['2xx'] / result.duration,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    autocannonP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    serverCores,
    loadGeneratorCores,
    otherCores: Math.max(0, machineCores - serverCores - loadGeneratorCores),
  };
  return { figures, samples, wallSec, durationSec: result.duration };
}

/**
 * Slices of one server's load taken in turns with other servers' slices, as one run: requests
 * and errors added up, rates over the slices' summed time, percentiles over every latency,
 * cores weighted by each slice's time.
 */
export function mergeSlices(slices: readonly LoadSlice[]): LoadFigures {
  const first = slices[0];
  if (!first) throw new Error('no slices to merge');
  const wallSec = slices.reduce((n, s) => n + s.wallSec, 0);
  const sum = (pick: (f: LoadFigures) => number) => slices.reduce((n, s) => n + pick(s.figures), 0);
  const weighted = (pick: (f: LoadFigures) => number) => slices.reduce((n, s) => n + pick(s.figures) * s.wallSec, 0) / wallSec;
  const latency = summarize(slices.flatMap((s) => s.samples), wallSec * 1000);
  return {
    target: first.figures.target,
    requests: sum((f) => f.requests),
    perSecond: sum((f) => f.requests) / slices.reduce((n, s) => n + s.durationSec, 0),
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    autocannonP99Ms: Math.max(...slices.map((s) => s.figures.autocannonP99Ms)),
    errors: sum((f) => f.errors),
    timeouts: sum((f) => f.timeouts),
    non2xx: sum((f) => f.non2xx),
    serverCores: weighted((f) => f.serverCores),
    loadGeneratorCores: weighted((f) => f.loadGeneratorCores),
    otherCores: weighted((f) => f.otherCores),
  };
}
