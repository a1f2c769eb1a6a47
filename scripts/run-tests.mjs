// Runs the whole suite and ends with one line "N passed, N failed" counting every test:
// each `opa test` case, each uvu test, and one each for opa fmt, opa check --strict,
// Rego coverage and the TypeScript type check. Every uvu file runs in its own process, so
// a file that crashes counts as failed instead of taking the others down.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const OPA = process.env.DFW_OPA ?? join(ROOT, '.tools/bin/opa');
const COVERAGE_THRESHOLD = 95;
const only = process.argv.slice(2); // optional: test file names to run

let passed = 0;
let failed = 0;
const failures = [];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...opts });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    failures.push(name);
    console.log(`FAIL ${name}${detail ? `\n${detail.trimEnd()}` : ''}`);
  }
}

if (only.length === 0) {
  const fmt = run(OPA, ['fmt', '--list', '--fail', 'rego']);
  check('opa fmt: every .rego file is formatted', fmt.status === 0 && fmt.stdout.trim() === '', fmt.stdout + fmt.stderr);

  const strict = run(OPA, ['check', '--strict', 'rego']);
  check('opa check --strict rego', strict.status === 0, strict.stdout + strict.stderr);

  const opaTest = run(OPA, ['test', '--format', 'json', 'rego']);
  let results = [];
  try {
    results = JSON.parse(opaTest.stdout || '[]');
  } catch {
    check('opa test produced a result', false, opaTest.stdout + opaTest.stderr);
  }
  for (const r of results) {
    const ok = !r.fail && !r.error;
    check(`opa test ${r.package}.${r.name}`, ok, ok ? '' : JSON.stringify(r.error ?? r.output ?? r, null, 2));
  }

  const cov = run(OPA, ['test', '--coverage', '--format', 'json', 'rego']);
  let coverage = -1;
  let detail = cov.stderr;
  try {
    const report = JSON.parse(cov.stdout);
    coverage = report.coverage;
    const low = Object.entries(report.files ?? {})
      .filter(([file, f]) => !file.endsWith('_test.rego') && (f.coverage ?? 100) < COVERAGE_THRESHOLD)
      .map(([file, f]) => `  ${file}: ${f.coverage}%`);
    detail = low.length ? `files below ${COVERAGE_THRESHOLD}%:\n${low.join('\n')}` : '';
  } catch {
    /* reported below */
  }
  check(`Rego coverage ${coverage.toFixed?.(1) ?? coverage}% >= ${COVERAGE_THRESHOLD}%`, coverage >= COVERAGE_THRESHOLD, detail);

  const tsc = run('npx', ['tsc', '-p', 'tsconfig.test.json']);
  check('TypeScript type check (src, test, scripts, bench)', tsc.status === 0, tsc.stdout + tsc.stderr);
}

const files = readdirSync(join(ROOT, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  const started = Date.now();
  const r = run(process.execPath, ['--import', 'tsx', '--no-warnings', join('test', file)], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 10 * 60 * 1000,
  });
  const out = r.stdout + r.stderr;
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    // No uvu summary: the file crashed before or while running its suite.
    failed++;
    failures.push(`${file} (crashed, exit ${r.status})`);
    console.log(`FAIL ${file}: no uvu summary (exit ${r.status}, ${seconds}s)\n${out.trimEnd()}`);
    continue;
  }
  const bad = total - ok - skipped;
  passed += ok;
  failed += bad;
  if (bad > 0 || r.status !== 0) {
    if (bad === 0) {
      failed++;
      failures.push(`${file} (exit ${r.status})`);
    } else failures.push(`${file} (${bad} failed)`);
    console.log(`FAIL ${file}: ${ok}/${total} passed (${seconds}s)\n${out.trimEnd()}`);
  } else {
    console.log(`ok   ${file}: ${ok} passed (${seconds}s)`);
  }
}

if (failures.length) console.log(`\nfailed:\n  ${failures.join('\n  ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
