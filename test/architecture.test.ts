// The rooms of src/ and their one-way arrows (docs/architecture.md), checked on every
// import, type-only ones included: a room imports only the rooms below it, and no file
// imports itself back through a chain (bench/ and scripts/ are held to "no cycles" too).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers/opa.js';

/** What each room may import besides itself. Keep in step with docs/architecture.md. */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: [],
  engine: ['shared'],
  evidence: ['shared', 'engine'],
  store: ['shared', 'engine', 'evidence'],
  collect: ['shared', 'engine', 'evidence', 'store'],
  decide: ['shared', 'engine', 'evidence', 'store', 'collect'],
  bundles: ['shared', 'engine'],
  api: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles'],
  integrations: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles', 'api'],
  'edge-runtime': ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles', 'api'],
  notify: ['shared', 'engine', 'evidence', 'store'],
  audit: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'notify'],
  policy: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles', 'compliance'],
  compliance: ['shared', 'engine', 'evidence', 'store'],
  config: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles', 'api', 'integrations', 'notify', 'audit'],
  host: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles', 'api', 'integrations', 'config', 'notify', 'audit'],
  cli: ['shared', 'engine', 'evidence', 'store', 'collect', 'decide', 'bundles', 'api', 'integrations', 'config', 'host', 'policy', 'compliance'],
};

const SRC = join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') || f.endsWith('.tsx')).map((f) => join(dir, f));
}

/** Relative imports of a file, resolved to .ts/.tsx paths (JSON and packages are left out). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.') && /\.(js|ts|tsx|jsx)$/.test(s))
    .map((s) => {
      const target = resolve(dirname(file), s);
      return target.endsWith('.jsx') ? target.replace(/\.jsx$/, '.tsx') : target.replace(/\.js$/, '.ts');
    });
}

function roomOf(file: string): string {
  const [first] = relative(SRC, file).split('/');
  return first!.replace(/\.tsx?$/, '');
}

/** Every cycle in the graph, each named by its files in order. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const architecture = suite('architecture');

architecture('every folder of src/ is a room with declared arrows', () => {
  const rooms = new Set(tsFiles(SRC).map(roomOf));
  const undeclared = [...rooms].filter((room) => !(room in MAY_IMPORT));
  assert.equal(undeclared, [], `rooms not in the table (add them to test/architecture.test.ts and docs/architecture.md): ${undeclared.join(', ')}`);
});

architecture('no room imports a room above it', () => {
  const upward: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = roomOf(file);
    for (const target of importsOf(file)) {
      if (!target.startsWith(SRC)) continue;
      const to = roomOf(target);
      if (to !== from && !(MAY_IMPORT[from] ?? []).includes(to)) upward.push(`${relative(ROOT, file)} (${from}) imports ${relative(ROOT, target)} (${to})`);
    }
  }
  assert.equal(upward, [], upward.join('\n'));
});

architecture('the checker sees an upward import and a cycle when there is one', () => {
  assert.ok(!MAY_IMPORT.engine!.includes('store'), 'engine may not import store');
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.equal(cyclesOf(graph), [['a', 'b', 'c', 'a']]);
});

architecture('no import cycles in src/, bench/ or scripts/', () => {
  const files = [SRC, join(ROOT, 'bench'), join(ROOT, 'scripts')].flatMap(tsFiles);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const cycles = cyclesOf(graph).map((cycle) => cycle.map((f) => relative(ROOT, f)).join(' -> '));
  assert.equal(cycles, [], cycles.join('\n'));
});

architecture.run();
