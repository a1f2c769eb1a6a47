// `dfw report compliance`: per control of a framework, the rules that serve it, what they
// decided over a period, waivers, and the gaps — from the decision log directly (--store, or
// the store of dfw.yaml) or from a dfw server's API (--server). docs/compliance.md.
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { bundleAlgorithm, bundleAlgorithmOption, bundleAlgorithmSource } from '../bundle-algorithm.js';
import { secondsOption } from '../number-option.js';
import {
  activityFromDecisions,
  buildComplianceReport,
  findFramework,
  frameworkIds,
  renderReport,
  REPORT_FORMATS,
  type DecisionSummaryLike,
  type ReportCatalog,
  type ReportFormat,
  type ReportInput,
  type ReportWaiver,
} from '../../compliance/index.js';
import { storeOptions } from '../../store/config.js';
import { CliError } from '../exit-codes.js';
import { callServer, type ServerOptions } from '../server-client.js';

interface ReportOptions {
  framework: string;
  since: string;
  until?: string;
  store?: string;
  server?: string;
  token?: string;
  timeout: number;
  config?: string;
  bundle?: string;
  bundleAlg?: string;
  format: ReportFormat;
  output?: string;
}

const DAY_MS = 86_400_000;
const PAGE = 1000;

/** "30d", "12h", "90m" before `now`, or an RFC 3339 time. */
export function instantFrom(text: string, flag: string, now: Date): Date {
  const m = /^(\d+)([dhm])$/.exec(text);
  if (m) return new Date(now.getTime() - Number(m[1]) * { d: DAY_MS, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(t)) throw new CliError(`${flag} "${text}" is neither a duration like 30d, 12h, 90m nor an RFC 3339 time`);
  return new Date(t);
}

/** The decision log and the bundle's catalog, read directly (SQLite or PostgreSQL). */
async function fromStore(o: ReportOptions, from: Date, to: Date, algorithmSource: string): Promise<Omit<ReportInput, 'framework'>> {
  // The config reader, the engine and the store's drivers load here, not with every dfw command (main.ts).
  const [{ loadConfig }, { loadEvaluatorFromFile }, { ruleCatalog }, { openStore }] = await Promise.all([
    import('../../config/load.js'),
    import('../../bundles/agent/local-file.js'),
    import('../../engine/index.js'),
    import('../../store/index.js'),
  ]);
  const config = loadConfig(o.config);
  const path = o.bundle ?? config.bundle.path;
  // As `dfw serve` chooses it (bundle-algorithm.ts).
  const algorithm = bundleAlgorithm(config.bundle.public_key, o.bundleAlg, config.bundle.algorithm, algorithmSource);
  const evaluator = await loadEvaluatorFromFile({ ...config.bundle, path, algorithm }).catch((err: Error) => {
    throw new CliError(`the rules come from a bundle, and ${path} cannot be loaded: ${err.message} (give --bundle)`);
  });
  const url = o.store ?? config.store.url;
  const store = await openStore(url, storeOptions(config.store)).catch((err: Error) => {
    throw new CliError(`the decision log cannot be opened: ${err.message}`);
  });
  try {
    const catalog = ruleCatalog(evaluator.bundle);
    return {
      catalog,
      activity: await store.complianceActivity(from, to),
      waivers: await store.listWaivers({ activeAt: to }),
      bundle: { name: evaluator.bundle.name, revision: evaluator.bundle.manifest.revision ?? '' },
      source: url.replace(/\/\/[^@/]*@/, '//'), // a PostgreSQL URL may carry a password
    };
  } finally {
    await store.close();
  }
}

/** The same from a dfw server: GET /v1/rules, /v1/decisions (every page), /v1/waivers?active=true (admin token). */
async function fromServer(o: ReportOptions & ServerOptions, from: Date, to: Date): Promise<Omit<ReportInput, 'framework'>> {
  const { body: rules } = await callServer<ReportCatalog & { bundle?: { name: string; revision: string } }>(o, 'GET', '/v1/rules');
  const summaries: DecisionSummaryLike[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), limit: String(PAGE), ...(cursor ? { cursor } : {}) });
    const { body } = await callServer<{ items: DecisionSummaryLike[]; next_cursor?: string }>(o, 'GET', `/v1/decisions?${q}`);
    summaries.push(...body.items);
    cursor = body.next_cursor;
  } while (cursor);
  const { body: waivers } = await callServer<{ waivers: ReportWaiver[] }>(o, 'GET', '/v1/waivers?active=true');
  return {
    catalog: { rules: rules.rules, unknown_environment: rules.unknown_environment },
    activity: activityFromDecisions(from, to, summaries),
    waivers: waivers.waivers,
    ...(rules.bundle ? { bundle: rules.bundle } : {}),
    source: o.server,
  };
}

export function reportCommand(): Command {
  const report = new Command('report').description('Reports on the decision log for auditors');
  const compliance = report
    .command('compliance')
    .description('Per control of a framework: its rules, the decisions they judged, denials, waivers, and the controls no rule serves (gaps)')
    .addOption(new Option('--framework <id>', `framework: ${frameworkIds().join(', ')}`).makeOptionMandatory())
    .option('--since <when>', 'period start: 30d, 12h, 90m before now, or an RFC 3339 time', '30d')
    .option('--until <when>', 'period end (exclusive): RFC 3339 time or a duration before now (default: now)')
    .addOption(new Option('--store <url>', 'read the decision log directly: sqlite:<path> or postgres://… (default: the store of dfw.yaml)').env('DFW_STORE_URL').conflicts('server'))
    .addOption(new Option('-c, --config <file>', 'dfw.yaml naming the store and the bundle').env('DFW_CONFIG'))
    .addOption(new Option('-b, --bundle <path>', 'with --store: the bundle whose rules and controls are reported (default: bundle.path)'))
    .addOption(bundleAlgorithmOption().conflicts('server'))
    .addOption(new Option('-s, --server <url>', 'ask a dfw server instead (needs an admin token)').env('DFW_SERVER'))
    .addOption(new Option('-t, --token <token>', 'API token for --server').env('DFW_TOKEN'))
    .option('--timeout <seconds>', 'with --server: give up on one request after this long', secondsOption, 30)
    .addOption(new Option('-f, --format <format>', 'output').choices([...REPORT_FORMATS]).default('markdown'))
    .option('-o, --output <file>', 'write the report to this file instead of stdout');
  compliance.action(async (o: ReportOptions, command: Command) => {
    const framework = findFramework(o.framework);
    const now = new Date();
    const to = o.until ? instantFrom(o.until, '--until', now) : now;
    const from = instantFrom(o.since, '--since', now);
    if (from >= to) throw new CliError(`--since (${from.toISOString()}) is not before --until (${to.toISOString()})`);
    const data = o.server ? await fromServer({ ...o, server: o.server }, from, to) : await fromStore(o, from, to, bundleAlgorithmSource(command.getOptionValueSource('bundleAlg')));
    const text = renderReport(buildComplianceReport({ framework, ...data }), o.format);
    if (o.output) {
      writeFileSync(o.output, text);
      process.stderr.write(`wrote ${o.output}\n`);
    } else {
      process.stdout.write(text);
    }
  });
  compliance.addHelpText(
    'after',
    `
Examples:
  dfw report compliance --framework SOC2 --since 30d --store sqlite:data/dfw.db
  dfw report compliance --framework NIST-800-53 --since 2026-10-01T00:00:00Z --until 2027-01-01T00:00:00Z --format csv -o q4.csv --config dfw.yaml
  dfw report compliance --framework OWASP-CICD --server https://dfw.example --token "$ADMIN_TOKEN" --format json

Exit codes: 0 report written, 2 error (the message on stderr says why)
`,
  );
  return report;
}
