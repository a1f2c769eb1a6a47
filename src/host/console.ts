// The web console as dfw serve mounts it: the pages over the server's store and policy,
// Chart.js's UMD file read from node_modules (served by dfw itself, no CDN), and on a bundle
// server the kept revisions to replay against, verified again before they run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { consoleRoutes } from '../api/console/index.js';
import type { ApiToken } from '../api/auth.js';
import { readVerification, type BundleSettings } from '../bundles/agent/local-file.js';
import type { BundlePublisher } from '../bundles/server/publisher.js';
import { createDiskRevisionStore } from '../bundles/server/revision-store.js';
import { validateBundle } from '../bundles/server/validate.js';
import type { ActivePolicy } from '../engine/index.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/types.js';

export interface ConsoleOptions {
  tokens: ApiToken[];
  bundle: BundleSettings;
  publishDir: string;
  publisher?: BundlePublisher;
  waiverMaxDays: number;
}

/** Chart.js's UMD build from node_modules, served by the console itself (no CDN). */
function readChartJs(logger: Logger): string | undefined {
  try {
    const main = createRequire(import.meta.url).resolve('chart.js');
    return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  } catch (err) {
    logger.warn('the console chart library is missing; the overview shows its table only', { error: (err as Error).message });
    return undefined;
  }
}

export function createConsole(
  options: ConsoleOptions,
  /** consoleUrl: notifications.console_url, where people reach the console; https there makes its cookie Secure. */
  context: { store: Store; policy: ActivePolicy; receivers: string[]; logger: Logger; consoleUrl?: string },
): Hono {
  const { store, policy, logger } = context;
  const chartJs = readChartJs(logger);
  const verification = readVerification(options.bundle);
  return consoleRoutes({
    tokens: options.tokens,
    store,
    policy,
    bundleName: options.bundle.name,
    waiverMaxDays: options.waiverMaxDays,
    receivers: context.receivers,
    logger,
    ...(context.consoleUrl ? { publicUrl: context.consoleUrl } : {}),
    ...(chartJs ? { chartJs } : {}),
    ...(options.publisher ? { publisher: options.publisher } : {}),
    ...(options.publisher && verification
      ? {
          // A kept revision, verified again before anything evaluates with it.
          revisionEvaluator: async (name: string, digest: string) => {
            const bytes = await createDiskRevisionStore(options.publishDir).readBundle(name, digest);
            const { evaluator } = await validateBundle(bytes, { name, verification, requireEvaluator: true });
            return evaluator!;
          },
        }
      : {}),
  });
}
