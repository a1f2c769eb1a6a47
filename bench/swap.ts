// Zero failed checks across a bundle swap: the cluster (dfw serve --workers) under the same
// load as its HTTP row while a new signed revision is published halfway through; afterwards
// every answer must come from the new revision (the other worker reloaded it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, SIGNING_KEY, type BenchContext } from './context.js';
import { runLoad } from './http.js';
import type { BenchInput } from './inputs.js';
import { buildWasmBundle } from './opa.js';
import type { SwapFigures } from './results.js';
import { endpoint, requestBody, type StartedServer } from './servers.js';

export const SWAP_REVISION = 'bench-swap';

export async function publishDuringLoad(context: BenchContext, cluster: StartedServer, input: BenchInput): Promise<SwapFigures> {
  const bundle = join(context.tmp, 'firewall.swap.tar.gz');
  buildWasmBundle(SWAP_REVISION, SIGNING_KEY, bundle);
  const { warmupSec, durationSec } = context.flags.load;
  const url = endpoint(cluster);
  const body = requestBody(cluster, input);
  const revisionOf = async () => ((await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { bundle: { revision: string } }).bundle.revision;
  const before = await revisionOf();
  log(`bundle swap under load: ${cluster.server.name}, publishing ${SWAP_REVISION} after ${warmupSec + durationSec / 2} s`);
  let publishStatus = 0;
  const publish = new Promise<void>((resolve) => {
    setTimeout(() => {
      // No tokens are configured in the benchmark: loopback without authentication.
      void fetch(`${cluster.server.url}/v1/bundles/firewall`, { method: 'PUT', headers: { 'content-type': 'application/gzip' }, body: readFileSync(bundle) })
        .then((res) => (publishStatus = res.status))
        .catch(() => (publishStatus = -1))
        .finally(resolve);
    }, (warmupSec + durationSec / 2) * 1000);
  });
  const load = await runLoad(`${cluster.server.name} + publish`, url, body, cluster.server.pid, context.flags.load);
  await publish;
  const answeredAfter: string[] = [];
  for (let i = 0; i < 20; i++) answeredAfter.push(await revisionOf());
  return { server: cluster.server.name, input: input.name, load, publishStatus, revisions: { before, after: SWAP_REVISION }, answeredAfter };
}
