// The bundle a logged decision was made with, for `dfw replay` without --bundle: a replay
// with another revision answers a different question ("would this bundle decide alike?").
// Looked for where a dfw keeps revisions: the bundle server's publish.dir, the edge
// evaluator's last good bundle (bundle.cache_dir), then bundle.path. Every candidate is
// verified like any bundle dfw runs.
import { readFileSync } from 'node:fs';
import { createEvaluator, loadBundle, type Evaluator } from '../engine/index.js';
import type { Config } from '../config/load.js';
import { evaluatorOptionsOf, readVerification } from '../bundles/agent/local-file.js';
import { createDiskCache } from '../bundles/agent/last-good-cache.js';
import { createDiskRevisionStore } from '../bundles/server/revision-store.js';
import { CliError } from './exit-codes.js';

export interface LoggedBundle {
  evaluator: Evaluator;
  /** Where it was found, for the operator: "publish.dir /var/lib/dfw/bundles (sha256 93b9…)". */
  source: string;
}

async function instantiate(bytes: Uint8Array, config: Config): Promise<Evaluator> {
  const verification = readVerification(config.bundle);
  const bundle = await loadBundle(bytes, { name: config.bundle.name, ...(verification ? { verification } : {}) });
  return createEvaluator(bundle, evaluatorOptionsOf(config.bundle));
}

/** Finds and loads revision `revision` of bundle `name`, or says everywhere it looked. */
export async function loadLoggedBundle(config: Config, name: string, revision: string): Promise<LoggedBundle> {
  const looked: string[] = [];
  const published = await createDiskRevisionStore(config.publish.dir).readIndex(name).catch(() => undefined);
  const kept = [...(published?.revisions ?? [])].reverse().find((r) => r.revision === revision);
  if (kept) {
    const bytes = await createDiskRevisionStore(config.publish.dir).readBundle(name, kept.digest);
    return { evaluator: await instantiate(bytes, config), source: `publish.dir ${config.publish.dir} (sha256 ${kept.digest})` };
  }
  looked.push(`publish.dir ${config.publish.dir} keeps ${published?.revisions.length ? published.revisions.map((r) => r.revision).join(', ') : 'no revision'} of "${name}"`);

  const cache = createDiskCache(config.bundle.cache_dir, name);
  const cached = await cache.read().catch(() => undefined);
  if (cached && cached.revision === revision) return { evaluator: await instantiate(cached.bytes, config), source: `the edge cache ${cache.location}` };
  looked.push(`the edge cache ${cache.location} ${cached ? `holds revision ${cached.revision ?? '(unknown)'}` : 'is empty'}`);

  let fileRevision = 'cannot be read';
  try {
    const evaluator = await instantiate(readFileSync(config.bundle.path), config);
    if (evaluator.bundle.manifest.revision === revision) return { evaluator, source: `bundle.path ${config.bundle.path}` };
    fileRevision = `is revision ${evaluator.bundle.manifest.revision}`;
  } catch (err) {
    fileRevision = `cannot be used: ${(err as Error).message}`;
  }
  looked.push(`bundle.path ${config.bundle.path} ${fileRevision}`);
  throw new CliError(`revision ${revision} of bundle "${name}", which made this decision, is not available here: ${looked.join('; ')}. ` +
    'Give --bundle <file> to replay with another bundle, or --config naming the dfw.yaml of the server that decided.');
}
