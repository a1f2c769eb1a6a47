// Where `dfw serve` spends its time under load: a V8 CPU profile (node --cpu-prof) of the
// server, each sample's time given to the first category any frame of its stack falls in.
// The sampler counts the JavaScript thread as busy while it waits in a synchronous native
// call (better-sqlite3's fsync), so this is thread time, not only CPU time.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * In priority order: a sample counts for the first category that matches its leaf frame
 * (leaf: true) or any frame of its stack. Wasm functions are named by the OPA compiler
 * (opa_json_* parse the input and write the result; the rest is evaluation).
 */
const CATEGORIES: Array<{ name: string; leaf?: boolean; matches: (url: string, fn: string) => boolean }> = [
  { name: 'startup (modules, config, bundle load)', matches: (u) => /\/dist\/src\/(cli|host\/server\.js|bundles\/agent\/local-file\.js|config)/.test(u) || u.startsWith('node:internal/modules') },
  { name: 'evaluate(): Wasm JSON parse of the input, JSON write of the result (opa_json_*)', leaf: true, matches: (u, fn) => u.startsWith('wasm://') && fn.startsWith('opa_json') },
  { name: 'evaluate(): Wasm policy evaluation (rules, value hashing, allocation)', leaf: true, matches: (u) => u.startsWith('wasm://') },
  { name: 'evaluate(): JavaScript side (input to JSON text, result JSON.parse, host builtins)', matches: (u) => u.includes('/dist/src/engine/') || u.includes('@open-policy-agent/opa-wasm') || u.startsWith('wasm://') },
  {
    // dist/src/store/sql/sqlite.ts runs BEGIN IMMEDIATE / COMMIT through better-sqlite3's exec().
    name: 'decision log: SQLite BEGIN/COMMIT (the commit fsyncs: synchronous=FULL)',
    matches: (u, fn) => fn === 'exec' && u.includes('node_modules/better-sqlite3/'),
  },
  { name: 'decision log: masking secrets in the input copy (store/mask.ts)', matches: (u) => u.includes('/dist/src/store/mask.js') },
  {
    name: 'decision log: building the record, JSON.stringify, SQLite insert',
    matches: (u) => /\/dist\/src\/store\/(decisions|decision-record|decision-rows)\.js/.test(u),
  },
  {
    name: 'decision log: handing the prepared row to the writer thread (structured clone, postMessage)',
    matches: (u) => /\/dist\/src\/store\/(writer-thread|remote-writer)\.js/.test(u),
  },
  {
    name: 'store reads before evaluating: active waivers, stored evidence (SQLite)',
    matches: (u) => u.includes('/dist/src/store/') || u.includes('/dist/src/collect/collectors/') || u.includes('/dist/src/collect/run-collectors.js'),
  },
  { name: 'check request validation and input building (JSON Schema, image reference)', matches: (u) => u.includes('/dist/src/collect/') || /node_modules\/(ajv|ajv-formats|fast-uri)\//.test(u) },
  { name: 'decision log line (JSON.stringify, write to stderr)', matches: (u) => u.includes('/dist/src/shared/logger.js') },
  { name: 'reading and parsing the request body', matches: (u) => /\/dist\/src\/api\/(json-body|body-limit|strict-json)\.js/.test(u) },
  { name: 'other dfw route code (auth, decision id, response)', matches: (u) => u.includes('/dist/src/') || u.includes('node_modules/uuid/') },
  { name: 'hono (routing, middleware, c.json)', matches: (u) => u.includes('node_modules/hono/') },
  { name: '@hono/node-server (Node request to Web Request, writing the Response)', matches: (u) => u.includes('node_modules/@hono/node-server/') },
  { name: 'garbage collection', matches: (_u, fn) => fn === '(garbage collector)' },
  { name: 'Node HTTP, sockets, streams and other native work', matches: () => true },
];

export interface ProfileShare {
  category: string;
  /** Share of the busy (non-idle) samples, 0..1. */
  share: number;
}

export function summarizeCpuProfile(profile: CpuProfile): { busyMs: number; shares: ProfileShare[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const totals = new Map<string, number>();
  let busy = 0;
  for (const [leafId, micros] of time) {
    const leaf = byId.get(leafId)!;
    if (leaf.callFrame.functionName === '(idle)' || leaf.callFrame.functionName === '(root)') continue;
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = leafId; id !== undefined && stack.length < 10_000; id = parent.get(id)) stack.push(byId.get(id)!);
    const category = CATEGORIES.find((c) => (c.leaf ? [leaf] : stack).some((n) => c.matches(n.callFrame.url, n.callFrame.functionName)))!.name;
    totals.set(category, (totals.get(category) ?? 0) + micros);
    busy += micros;
  }
  const startup = CATEGORIES[0]!.name;
  const measured = busy - (totals.get(startup) ?? 0);
  const shares = CATEGORIES.filter((c) => c.name !== startup).map((c) => ({ category: c.name, share: (totals.get(c.name) ?? 0) / measured }));
  return { busyMs: measured / 1000, shares };
}

/** dfw_store_cache_reads_total of a server: how many of a check's waiver and evidence reads came from memory. */
export type StoreCacheReads = Record<'waivers' | 'evidence', { hits: number; misses: number }>;

export function parseStoreCacheReads(metrics: string): StoreCacheReads {
  const reads: StoreCacheReads = { waivers: { hits: 0, misses: 0 }, evidence: { hits: 0, misses: 0 } };
  for (const m of metrics.matchAll(/^dfw_store_cache_reads_total\{cache="(waivers|evidence)",result="(hit|miss)"\} (\d+)/gm)) {
    reads[m[1] as 'waivers' | 'evidence'][m[2] === 'hit' ? 'hits' : 'misses'] = Number(m[3]);
  }
  return reads;
}

/**
 * The server thread's profile among those node --cpu-prof wrote into dir (one per thread:
 * CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile; the main thread is 0, the decision
 * writer's thread another).
 */
export function readCpuProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}
