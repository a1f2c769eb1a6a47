// `dfw replay` and `dfw what-if`: re-evaluate logged inputs from the decision log (the
// store named by --store or dfw.yaml): replay with the revision logged with the decision
// (or --bundle), what-if with a candidate.
import { Command, Option } from 'commander';
import type { WhatIfReport } from '../../decide/index.js';
import type { Config } from '../../config/load.js';
import { storeOptions } from '../../store/config.js';
import type { Store } from '../../store/index.js';
import type { Evaluator } from '../../engine/index.js';
import { CliError, EXIT_ALLOW, EXIT_DENY } from '../exit-codes.js';
import { terminalProgress } from '../format/progress.js';
import { describeUsage, environmentHelp } from '../help.js';
import { bundleAlgorithm, bundleAlgorithmOption, bundleAlgorithmSource } from '../bundle-algorithm.js';

// The config reader, the store's drivers, the engine and the what-if pool load when the
// command runs, not with every dfw command (main.ts).
const localFile = () => import('../../bundles/agent/local-file.js');

interface StoreOptions {
  config?: string;
  store?: string;
  bundle?: string;
  bundleKey?: string;
  bundleAlg?: string;
}

function storeAndBundleOptions(command: Command, bundleHelp: string): Command {
  return command
    .addOption(new Option('-c, --config <file>', 'dfw.yaml naming the store and the bundle').env('DFW_CONFIG'))
    .addOption(new Option('--store <url>', 'decision log: sqlite:<path> or postgres://… (overrides the config)').env('DFW_STORE_URL'))
    .addOption(new Option('-b, --bundle <path>', bundleHelp))
    .addOption(new Option('--bundle-key <pem>', 'require the bundle to be signed by this public key'))
    .addOption(bundleAlgorithmOption())
    // Both read dfw.yaml's store and bundle sections through loadConfig, overrides included.
    .addHelpText('after', environmentHelp(['store', 'bundle']));
}

async function configOf(options: StoreOptions, command: Command): Promise<Config> {
  const { loadConfig } = await import('../../config/load.js');
  const config = loadConfig(options.config);
  if (options.bundleKey) config.bundle.public_key = options.bundleKey;
  // As `dfw serve` and `dfw check` choose it (bundle-algorithm.ts).
  config.bundle.algorithm = bundleAlgorithm(config.bundle.public_key, options.bundleAlg, config.bundle.algorithm, bundleAlgorithmSource(command.getOptionValueSource('bundleAlg')));
  return config;
}

async function openLog(options: StoreOptions, config: Config): Promise<Store> {
  const { openStore } = await import('../../store/index.js');
  return openStore(options.store ?? config.store.url, storeOptions(config.store)).catch((err: Error) => {
    throw new CliError(`the decision log cannot be opened: ${err.message}`);
  });
}

async function loadBundleFile(config: Config, path: string): Promise<Evaluator> {
  const { loadEvaluatorFromFile } = await localFile();
  return loadEvaluatorFromFile({ ...config.bundle, path }).catch((err: Error) => {
    throw new CliError(err.message);
  });
}

/** "7d", "12h", "30m" before now, or an RFC 3339 time. */
export function sinceFrom(text: string, now = new Date()): Date {
  const m = /^(\d+)([dhm])$/.exec(text);
  if (m) return new Date(now.getTime() - Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new CliError(`"${text}" is neither a duration like 7d, 12h, 30m nor an RFC 3339 time`);
  return new Date(t);
}

function whatIfTable(r: WhatIfReport): string {
  const lines = [
    `candidate ${r.candidate.name} revision ${r.candidate.revision} over ${r.evaluated} decisions from ${r.from} to ${r.to}`,
    `${r.unchanged} unchanged · ${r.changed.length} changed · ${r.allow_to_deny} allow → deny · ${r.deny_to_allow} deny → allow`,
  ];
  if (r.by_rule.length) {
    lines.push('', 'by rule:', '  rule                 newly blocking  no longer blocking  applications');
    for (const x of r.by_rule) lines.push(`  ${x.rule.padEnd(20)} ${String(x.newly_blocking).padStart(14)}  ${String(x.no_longer_blocking).padStart(18)}  ${x.applications.join(', ')}`);
  }
  if (r.by_application.length) {
    lines.push('', 'by application:', '  application          allow → deny  deny → allow  changed');
    for (const x of r.by_application) lines.push(`  ${x.application.padEnd(20)} ${String(x.allow_to_deny).padStart(12)}  ${String(x.deny_to_allow).padStart(12)}  ${String(x.changed).padStart(7)}`);
  }
  if (r.changed.length) {
    lines.push('', 'changed decisions:');
    for (const c of r.changed) {
      const rules = [...c.newly_blocking.map((x) => `+${x}`), ...c.no_longer_blocking.map((x) => `-${x}`)].join(' ') || '(warnings or waivers differ)';
      lines.push(`  ${c.time}  ${c.decision_id}  ${c.application}/${c.environment}  ${c.change.replace(/_/g, ' ')}  ${rules}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function replayCommand(): Command {
  const command = storeAndBundleOptions(
    new Command('replay')
      .description('Re-evaluate a logged decision; exit 0 when the verdict is identical, 1 when it differs, 2 on error')
      .argument('<decision-id>', 'the decision to replay'),
    'bundle to replay with (default: the revision logged with the decision, from publish.dir, the edge cache or bundle.path)',
  )
    .option('--json', 'print both verdicts as JSON')
    .action(async (id: string, options: StoreOptions & { json?: boolean }, command: Command) => {
      const config = await configOf(options, command);
      const store = await openLog(options, config);
      try {
        const record = await store.getDecision(id);
        if (!record) throw new CliError(`no decision with id ${id} in the log`);
        const logged = (record.decision as { bundle?: { name?: string; revision?: string } }).bundle;
        let evaluator: Evaluator;
        let source: string;
        if (options.bundle) {
          evaluator = await loadBundleFile(config, options.bundle);
          source = `--bundle ${options.bundle}`;
        } else {
          if (!logged?.revision) throw new CliError(`decision ${id} was logged without a bundle revision: give --bundle <file>`);
          const { loadLoggedBundle } = await import('../logged-bundle.js');
          ({ evaluator, source } = await loadLoggedBundle(config, logged.name ?? config.bundle.name, logged.revision));
        }
        const { replayDecision } = await import('../../decide/index.js');
        const result = (await replayDecision({ getDecision: async () => record }, id, evaluator))!;
        if (options.json) process.stdout.write(`${JSON.stringify({ ...result, replayed_with: { revision: evaluator.bundle.manifest.revision, source } }, null, 2)}\n`);
        else {
          process.stdout.write(`${result.identical ? 'identical' : 'DIFFERENT'}: decision ${id} was ${result.logged.allow ? 'allow' : 'deny'} with revision ${logged?.revision ?? '?'}; ` +
            `replayed with revision ${evaluator.bundle.manifest.revision} from ${source}: ${result.replayed.allow ? 'allow' : 'deny'}\n`);
        }
        command.setOptionValue('exitCode', result.identical ? EXIT_ALLOW : EXIT_DENY);
      } finally {
        await store.close();
      }
    });
  return describeUsage(
    command,
    [
      'dfw replay 01a222b3-1cb7-719f-99ac-cfd1db60630e --config dfw.yaml     # with the logged revision',
      'dfw replay 01a222b3-1cb7-719f-99ac-cfd1db60630e --store sqlite:data/dfw.db --bundle bundles/firewall.tar.gz --json',
    ],
    '0 the replayed verdict is identical, 1 it differs, 2 error (no such decision, the logged revision is not available)',
  );
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new CliError(`--threads: expected a whole number from 1 to 64, got "${value}"`);
  return n;
}

export function whatIfCommand(): Command {
  const command = storeAndBundleOptions(
    new Command('what-if').description('Evaluate a candidate bundle over logged decisions and report which would change'),
    'the candidate bundle (required): a .tar.gz, or a policy repository / its build folder (dfw policy build)',
  )
    .option('--since <when>', 'from this long ago (7d, 12h) or this RFC 3339 time', '7d')
    .option('--until <when>', 'up to this RFC 3339 time (default now)')
    .option('--threads <n>', 'evaluate on this many worker threads (default: one per core; 1 = none)', parseThreads)
    .addOption(new Option('-f, --format <format>', 'output').choices(['table', 'json']).default('table'))
    .action(async (options: StoreOptions & { since: string; until?: string; format: string; threads?: number }, command: Command) => {
      if (!options.bundle) throw new CliError('--bundle <candidate.tar.gz> is required');
      const config = await configOf(options, command);
      // A policy repository or its build folder stands for the bundle `dfw policy build` wrote.
      const { builtBundlePath } = await import('../../policy/built-bundle.js');
      const evaluator = await loadBundleFile(config, builtBundlePath(options.bundle));
      const store = await openLog(options, config);
      try {
        const [{ whatIfInParallel }, { evaluatorOptionsOf }] = await Promise.all([import('../../host/what-if-pool.js'), localFile()]);
        const progress = terminalProgress(process.stderr);
        const until = options.until ? sinceFrom(options.until) : new Date();
        const report = await whatIfInParallel(store, evaluator, sinceFrom(options.since), until, {
          ...(options.threads ? { threads: options.threads } : {}),
          evaluator: evaluatorOptionsOf(config.bundle),
          onProgress: (n) => progress.update(`what-if: ${n.toLocaleString('en-US')} decisions evaluated…`),
        }).finally(() => progress.done());
        process.stdout.write(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : whatIfTable(report));
      } finally {
        await store.close();
      }
    });
  return describeUsage(
    command,
    ['dfw what-if --bundle candidate.tar.gz --since 7d --config dfw.yaml', 'dfw what-if --bundle candidate.tar.gz --since 30d --threads 4 --config dfw.yaml', 'dfw what-if --bundle candidate.tar.gz --since 2026-11-01T00:00:00Z --format json --store sqlite:data/dfw.db'],
    '0 report printed (whatever changed), 2 error',
  );
}
