// Property-based fuzzing (fast-check) of POST /v1/evidence for every report kind, from a
// real report of that kind: structural and byte-level mutations through the real app and a
// real SQLite evidence store. Invariant: never a 5xx (a report is stored whole, or refused
// with a 400 that names the format and the problem). Fixed seeds; DFW_FUZZ_RUNS cases per
// kind (`make fuzz`: 10,000); DFW_FUZZ_KINDS=trivy,sarif fuzzes only those kinds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { ActivePolicy } from '../src/engine/index.js';
import { REPORT_KINDS } from '../src/evidence/types.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { SHARED_FIXTURES } from './helpers/fixtures.js';
import { byteMutation, FUZZ_RUNS, fuzzSeed, jsonMutation, report, Tally } from './helpers/fuzz.js';
import { ROOT } from './helpers/opa.js';

const fuzz = suite<{ dir: string; store: Store; app: Hono }>('fuzz-evidence');

/** A real report of each kind: the shared samples, dfw's own fixtures, or a review as the docs show it. */
const REPORTS: Record<string, { file?: string; document?: unknown; bySource?: boolean }> = {
  trivy: { file: join(SHARED_FIXTURES, 'trivy/alpine-39-high-critical.json') },
  grype: { file: join(SHARED_FIXTURES, 'grype/grype-image-matches.json') },
  sarif: { file: join(SHARED_FIXTURES, 'sarif/codeql-action-valid-multi-run.sarif.json'), bySource: true },
  cyclonedx: { file: join(SHARED_FIXTURES, 'sbom/cyclonedx-1.4-vex-affected-log4shell.json') },
  spdx: { file: join(SHARED_FIXTURES, 'sbom/trivy-conda.spdx.json') },
  slsa: { file: join(SHARED_FIXTURES, 'provenance/slsa-provenance-v1-statement-container-based.json') },
  attestation: { file: join(SHARED_FIXTURES, 'provenance/slsa-github-generator-container-based.sigstore-bundle.json') },
  scorecard: { file: join(ROOT, 'test/fixtures/scorecard/payments-scorecard.json'), bySource: true },
  review: { document: { state: 'approved', reviewer: 'sec', completed_at: '2026-11-01T00:00:00Z' }, bySource: true },
};
const ONLY = process.env.DFW_FUZZ_KINDS?.split(',');

fuzz.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-fuzz-evidence-'));
  ctx.store = await openStore(`sqlite:${join(ctx.dir, 'dfw.db')}`);
  ctx.app = createApp({ policy: new ActivePolicy(), logger: createMemoryLogger(), store: ctx.store });
});
fuzz.after(async (ctx) => {
  await ctx.store.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

fuzz('every report kind has a real sample here', () => {
  assert.equal(Object.keys(REPORTS).sort(), [...REPORT_KINDS].sort());
});

fuzz('evidence reports of each kind: stored whole or refused with a 400, never a 5xx', async (ctx) => {
  for (const kind of REPORT_KINDS.filter((k) => !ONLY || ONLY.includes(k))) {
    const sample = REPORTS[kind]!;
    const base = sample.document ?? JSON.parse(readFileSync(sample.file!, 'utf8'));
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonMutation(base), byteMutation(JSON.stringify(base))), fc.nat(), async (body, n) => {
        const id = n.toString(16).padStart(8, '0');
        const subject = sample.bySource ? `repository=github.com/acme/app&commit=${id}` : `digest=sha256:${id.padStart(64, '0')}`;
        const res = await ctx.app.request(`/v1/evidence?kind=${kind}&${subject}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await res.text();
        tally.add(res.status);
        assert.ok(res.status < 500, `${kind}: 5xx ${res.status}: ${text.slice(0, 300)}`);
      }),
      { seed: fuzzSeed(`evidence-${kind}`), numRuns: FUZZ_RUNS },
    );
    report(`evidence ${kind}`, tally);
  }
});

fuzz.run();
