// The figures one `make bench` run collects, as report.ts renders them.
import type { BundleLoadFigures } from './bundle-load.js';
import type { EvaluateFigures } from './evaluate.js';
import type { LoadFigures, LoadOptions } from './http.js';
import type { Machine } from './machine.js';
import type { OpaBenchFigures } from './opa.js';
import type { Memory } from './processes.js';
import type { ProfileShare, StoreCacheReads } from './profile.js';

export interface HttpResults {
  runs: Array<LoadFigures & { input: string }>;
  idle: Array<{ server: string; startupMs: number; memory: Memory }>;
  loaded: Array<{ server: string; memory: Memory }>;
  /** The decision every server gave on each input before the load (allow and counts). */
  decisions: Record<string, string>;
  /** The cluster under the same load while a new revision is published halfway. */
  swap?: SwapFigures;
  /** dfw serve and OPA on the typical input at fewer connections (--sweep), shorter runs. */
  sweep?: Array<LoadFigures & { connections: number }>;
}

export interface SwapFigures {
  server: string;
  input: string;
  load: LoadFigures;
  publishStatus: number;
  revisions: { before: string; after: string };
  /** Revisions the checks sampled after the load report, one per sample. */
  answeredAfter: string[];
}

export interface ScaleFigures {
  /** When these figures were measured (a later run may report them again: --reuse-scale). */
  measuredAt?: string;
  listing: Array<{ backend: string; rows: number; seedSeconds: number; queries: number; p50Ms: number; p99Ms: number; maxMs: number; plan: string }>;
  whatIf?: { decisions: number; threads?: number; seconds: number; perSecond: number; rssMiB: { start: number; peak: number; end: number; quarter?: number; last?: number }; changed: number };
}

export interface BenchResults {
  date: Date;
  machine: Machine;
  argv: string[];
  flags: LoadOptions & { evalSeconds: number; opaCount: number; bundleIterations: number };
  commands: { build: string[]; evaluate: string[]; http: string[] };
  inputs: Array<{ name: string; description: string; requestBytes: number; inputBytes: number }>;
  evaluate: Array<{ dfw: EvaluateFigures; opa: OpaBenchFigures; opaDecision: string; otherCores: { dfw: number; opa: number } }>;
  bundle?: BundleLoadFigures;
  http?: HttpResults;
  scale?: ScaleFigures;
  profile?: Array<{ input: string; requests: number; perSecond: number; busyMs: number; shares: ProfileShare[]; storeCache?: StoreCacheReads }>;
  /** CPU other processes used (cores) when the run started and when it ended. */
  background: { startCores: number; endCores: number; waitedSec: number; retries: number };
  /** probeCoreSpeeds (machine.ts) at the start and the end of the run, ms per core. */
  coreSpeeds?: { start?: Array<{ core: number; ms: number }>; end?: Array<{ core: number; ms: number }> };
  totalSeconds?: number;
}
