// A separate short load on a `dfw serve` started with `node --cpu-prof`, per input, so that
// the profiler's overhead stays out of the side-by-side figures.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { log, type BenchContext } from './context.js';
import { runLoad } from './http.js';
import type { BenchInput } from './inputs.js';
import { parseStoreCacheReads, readCpuProfile, summarizeCpuProfile, type StoreCacheReads } from './profile.js';
import type { BenchResults } from './results.js';
import { endpoint, requestBody, startDfw } from './servers.js';

export async function profileDfw(context: BenchContext, inputs: BenchInput[], commands: string[]): Promise<NonNullable<BenchResults['profile']>> {
  const durationSec = Math.min(5, context.flags.load.durationSec);
  const profiles: NonNullable<BenchResults['profile']> = [];
  for (const bench of inputs) {
    const dir = join(context.tmp, `profile-${bench.name}`);
    mkdirSync(dir);
    if (context.quiet.enabled) await context.quiet.waitForQuiet(15);
    log(`CPU profile of dfw serve: ${bench.name} input, ${durationSec} s`);
    const started = await startDfw(context, { folder: `dfw-profile-${bench.name}`, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    let load;
    let storeCache: StoreCacheReads | undefined;
    try {
      load = await runLoad('dfw', endpoint(started), requestBody(started, bench), started.server.pid, { connections: context.flags.load.connections, durationSec, warmupSec: 1 });
      // One scrape after the load: the store caches' hits and misses over the whole run.
      storeCache = parseStoreCacheReads(await (await fetch(`${started.server.url}/metrics`)).text());
    } finally {
      // The profile is written when the process exits (dfw shuts down gracefully on SIGTERM).
      await started.server.stop();
    }
    profiles.push({ input: bench.name, requests: load.requests, perSecond: load.perSecond, ...summarizeCpuProfile(readCpuProfile(dir)), storeCache });
    commands.push(started.command);
  }
  return profiles;
}
