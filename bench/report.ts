// Renders the benchmark figures as docs/performance.md: machine, date, exact commands,
// side-by-side tables and an interpretation computed from the same figures.
import type { BenchResults } from './results.js';
import { interpretation } from './interpretation.js';
import { scaleSection, swapSection, targetsSection } from './report-targets.js';
import { bundleSection, evaluateSection, httpSection, kib, memorySection, profileSection, sweepSection, table } from './report-figures.js';
import { fmt } from './stats.js';

export type { BenchResults, HttpResults } from './results.js';

function coreSpeedsText(speeds: BenchResults['coreSpeeds']): string {
  const one = (cores: Array<{ core: number; ms: number }> | undefined) => (cores ? cores.map(({ core, ms }) => `core ${core}: ${fmt(ms)}`).join(', ') : '–');
  return speeds ? `${one(speeds.start)} at the start; ${one(speeds.end)} at the end` : '–';
}

function machineSection(r: BenchResults): string {
  const m = r.machine;
  return `## Machine and run

${table(
  ['What', 'Value'],
  [
    ['Date', r.date.toISOString().replace(/\.\d+Z$/, 'Z')],
    ['CPU', `${m.cpu} (/proc/cpuinfo)`],
    ['Cores available', String(m.cores)],
    ['Memory', m.memory],
    ['OS', m.os],
    ['Node', m.node],
    ['OPA', m.opa],
    ['wasm-opt (Binaryen)', m.wasmOpt ?? '–'],
    ['Total benchmark time', r.totalSeconds ? `${fmt(r.totalSeconds)} s` : '–'],
    ['CPU used by other processes', `${fmt(r.background.startCores, 2)} cores at the start${r.background.waitedSec > 2 ? ` (after waiting ${fmt(r.background.waitedSec)} s for a quiet machine)` : ''}, ${fmt(r.background.endCores, 2)} at the end`],
    ['Measurements repeated because other processes used > 0.3 cores meanwhile', String(r.background.retries)],
    ['Speed of each core: the same JSON workload pinned to it (taskset), ms, lower is faster', coreSpeedsText(r.coreSpeeds)],
  ],
)}

The benchmark driver (and with it autocannon, the load generator) runs on the same machine as
the servers it loads, so on a small machine they compete for the same cores; the HTTP table
shows how much CPU each side, and everything else on the machine, used.`;
}

function commandsSection(r: BenchResults): string {
  const c = r.commands;
  const lines = [
    `# this file: make bench   (= make deps tools bundle build, then:)`,
    `node --import tsx bench/run.ts${r.argv.length ? ` ${r.argv.join(' ')}` : ''}`,
    '',
    '# bundles, built into a temporary folder ($BENCH_TMP) and signed with the test-only key',
    ...c.build,
  ];
  if (c.evaluate.length) lines.push('', '# OPA in-process figures (Go benchmark loop) and the same-decision check', ...c.evaluate);
  if (c.http.length) lines.push('', '# servers, then the equivalent of the programmatic autocannon runs', ...c.http);
  return `## Exact commands

\`\`\`sh
${lines.join('\n')}
\`\`\`

\`$REPO\` is the repository root; \`$BENCH_TMP\` the run's temporary folder (removed at the
end), which holds \`<input>.input.json\` (the input document, as dfw's evaluator builds it),
\`<input>.request.json\` (the check request POSTed to dfw), \`<input>.opa-body.json\`
(\`{"input": <input document>}\` for OPA), and one working folder per server, so that dfw's
default relative paths (the decision log \`data/dfw.db\`) land there, never in the repository.

Settings: HTTP ${r.flags.connections} connections, ${r.flags.warmupSec} s warm-up + ${r.flags.durationSec} s measured per server;
in-process ${r.flags.evalSeconds} s per loop after 1 s of warm-up (evaluate() in ${r.flags.opaCount} slices alternating with as many \`opa bench\` runs); \`opa bench\` ${r.flags.opaCount} run(s);
${r.flags.bundleIterations} bundle loads after 3 warm-ups. A measurement during which other processes used
more than 0.3 cores is repeated (up to 5 times, the quietest kept) within \`--patience\`.`;
}

function inputsSection(r: BenchResults): string {
  const decision = (name: string) => r.evaluate.find((e) => e.dfw.input === name)?.dfw.decision ?? r.http?.decisions[name] ?? '–';
  return `## Inputs

${table(
  ['Input', 'What', 'Check request', 'Input document', 'Decision (deny/warn: critical/high/medium/low)'],
  r.inputs.map((i) => [i.name, i.description, kib(i.requestBytes), kib(i.inputBytes), `\`${decision(i.name)}\``]),
)}

Both evaluate the \`production\` environment. dfw's evaluator sets \`input.request.time\`,
\`input.request.time_ns\` and \`input.request.bundle\` itself; OPA is given the same input
document with those three fields already filled (the same instant, \`2026-11-28T14:00:00Z\`,
and the bundle \`firewall\` at revision \`bench\`), so both evaluate identical input. Before any figure counts, dfw's evaluator, \`opa eval\` and every HTTP server must
reach the same decision on each input (the bench stops otherwise).`;
}

export function renderReport(r: BenchResults): string {
  const sections = [
    `# Performance

Figures from \`bench/run.ts\` (\`make bench\`; not part of \`make test\` or CI). This file is
generated: rerun the benchmark to refresh it rather than editing it. Absolute numbers depend
on the machine below; the side-by-side ratios are the point. What was changed to get here,
and what each change was measured to do, is in [performance-changes.md](performance-changes.md)
(written by hand).`,
    machineSection(r),
    targetsSection(r),
    inputsSection(r),
    evaluateSection(r),
    httpSection(r),
    sweepSection(r),
    swapSection(r),
    scaleSection(r),
    bundleSection(r),
    memorySection(r),
    profileSection(r),
    interpretation(r),
    commandsSection(r),
  ];
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}
