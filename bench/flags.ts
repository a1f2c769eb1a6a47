// The benchmark's command line: which sections run, for how long, and whether the figures
// replace docs/performance.md.
import { parseArgs } from 'node:util';
import type { LoadOptions } from './http.js';

export const SECTIONS = ['evaluate', 'bundle', 'http', 'profile', 'scale'] as const;
export type Section = (typeof SECTIONS)[number];
export const REPORT = 'docs/performance.md';

export const HELP = `node --import tsx bench/run.ts [flags]   (make bench runs it with none)

  --only <list>            sections to run, comma-separated: ${SECTIONS.join(',')} (default all)
  --connections <n>        HTTP connections, the same for dfw and OPA (default 16)
  --duration <s>           measured seconds per HTTP run (default 10)
  --warmup <s>             unmeasured seconds of load before each HTTP run (default 2)
  --eval-seconds <s>       measured seconds per in-process evaluate() loop (default 3)
  --opa-count <n>          opa bench repetitions, each ~1 s (default 3)
  --bundle-iterations <n>  loadBundle/createEvaluator repetitions (default 20)
  --no-large               only the typical input
  --sweep <list>           also load dfw and OPA with these connection counts on the typical
                           input, to show where p99 stays low (default 1,4,8; "" skips it)
  --no-single-core-opa     skip the extra OPA server run with GOMAXPROCS=1
  --no-memory-store-dfw    skip the extra dfw server run with its decision log in memory
  --no-cluster-dfw         skip dfw serve --workers 2 (and the bundle swap under load)
  --no-ceiling             skip the raw node:http server (parse the body, answer)
  --listing-rows <n>       decisions seeded for the listing p99, per database (default 10000000)
  --what-if-decisions <n>  decisions in the log what-if re-evaluates (default 100000)
  --no-postgres            listing figures on SQLite only (otherwise scripts/postgres.sh url)
  --save-scale <file>      also write the scale section's figures as JSON (they take ~25 min)
  --reuse-scale <file>     without the scale section, report the figures a --save-scale run wrote
  --quick                  short runs (HTTP 3 s, evaluate 1 s, opa bench once, 5 bundle loads,
                           200k listing rows, 10k what-if decisions)
  --patience <s>           time allowed in all for waiting on a quiet machine and measuring a
                           run again that other processes disturbed (default 150; 0 = never)
  --write | --no-write     write ${REPORT} (default: only when every section ran; otherwise print)
`;

export interface Flags {
  sections: Set<Section>;
  load: LoadOptions;
  /** Connection counts of the latency sweep (typical input, dfw and OPA); empty skips it. */
  sweep: number[];
  evalSeconds: number;
  opaCount: number;
  bundleIterations: number;
  large: boolean;
  singleCoreOpa: boolean;
  memoryStoreDfw: boolean;
  clusterDfw: boolean;
  ceiling: boolean;
  listingRows: number;
  whatIfDecisions: number;
  postgres: boolean;
  saveScale?: string;
  reuseScale?: string;
  patienceSec: number;
  write: boolean;
}

/** A bad flag: reported as a usage message, without a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function numberFlag(name: string, value: string | undefined, fallback: number, max = 600): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`--${name} must be a number from 0 to ${max}, not ${value}`);
  return n;
}

function sweepFlag(value: string | undefined): number[] {
  if (value === undefined) return [1, 4, 8];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const n = Number(part);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--sweep: each connection count must be a whole number from 1 to 1000, not ${part}`);
      return n;
    });
}

const OPTIONS = {
  only: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'eval-seconds': { type: 'string' },
  'opa-count': { type: 'string' },
  'bundle-iterations': { type: 'string' },
  'no-large': { type: 'boolean' },
  sweep: { type: 'string' },
  'no-single-core-opa': { type: 'boolean' },
  'no-memory-store-dfw': { type: 'boolean' },
  'no-cluster-dfw': { type: 'boolean' },
  'no-ceiling': { type: 'boolean' },
  'listing-rows': { type: 'string' },
  'what-if-decisions': { type: 'string' },
  'no-postgres': { type: 'boolean' },
  'save-scale': { type: 'string' },
  'reuse-scale': { type: 'string' },
  quick: { type: 'boolean' },
  patience: { type: 'string' },
  write: { type: 'boolean' },
  'no-write': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags, or undefined when --help asked for the usage. Throws UsageError on a bad one. */
export function parseFlags(argv: string[]): Flags | undefined {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    values = parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  const sections = new Set<Section>();
  for (const name of (values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim())) {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new UsageError(`--only: unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
    sections.add(name as Section);
  }
  return {
    sections,
    load: {
      connections: Math.max(1, Math.round(numberFlag('connections', values.connections, 16, 1000))),
      durationSec: Math.max(1, numberFlag('duration', values.duration, quick ? 3 : 10)),
      warmupSec: numberFlag('warmup', values.warmup, quick ? 1 : 2),
    },
    sweep: sweepFlag(values.sweep),
    evalSeconds: Math.max(0.1, numberFlag('eval-seconds', values['eval-seconds'], quick ? 1 : 3)),
    opaCount: Math.max(1, Math.round(numberFlag('opa-count', values['opa-count'], quick ? 1 : 3, 100))),
    bundleIterations: Math.max(1, Math.round(numberFlag('bundle-iterations', values['bundle-iterations'], quick ? 5 : 20, 10_000))),
    large: !values['no-large'],
    singleCoreOpa: !values['no-single-core-opa'],
    memoryStoreDfw: !values['no-memory-store-dfw'],
    clusterDfw: !values['no-cluster-dfw'],
    ceiling: !values['no-ceiling'],
    listingRows: Math.round(numberFlag('listing-rows', values['listing-rows'], quick ? 200_000 : 10_000_000, 100_000_000)),
    whatIfDecisions: Math.round(numberFlag('what-if-decisions', values['what-if-decisions'], quick ? 10_000 : 100_000, 10_000_000)),
    postgres: !values['no-postgres'],
    ...(values['save-scale'] ? { saveScale: values['save-scale'] } : {}),
    ...(values['reuse-scale'] ? { reuseScale: values['reuse-scale'] } : {}),
    patienceSec: numberFlag('patience', values.patience, 150, 3600),
    // Every section ran, or all but scale with earlier scale figures given.
    write: values['no-write'] ? false : (values.write ?? (sections.size === SECTIONS.length || (sections.size === SECTIONS.length - 1 && !sections.has('scale') && values['reuse-scale'] !== undefined))),
  };
}
