// The policy run through Binaryen's wasm-opt (src/policy/wasm-opt.ts): the real optimizer on
// the real bundle, packed and signed again by the real opa. It must verify, differ from what
// opa compiled, and decide exactly as that did on every example and on generated inputs (the
// differential test compares the optimized bundle with OPA's interpreter as well).
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { createEvaluator, loadBundle, readArchive, type Evaluator, type InputDocument } from '../src/engine/index.js';
import { PolicyBuildError } from '../src/policy/errors.js';
import { findWasmOpt, isOptimizer, optimizeWasm, WASM_OPT_FLAGS } from '../src/policy/wasm-opt.js';
import { buildBundle, buildOptimizedBundle, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { generatedCase } from './helpers/input-generator.js';

const GENERATED = 300;
const verification = { keys: { default: { key: readFileSync(SIGNING_PUB, 'utf8'), algorithm: 'RS256' } } };

interface Ctx {
  plain: Evaluator;
  optimized: Evaluator;
  plainBytes: Uint8Array;
  optimizedBytes: Uint8Array;
}

const optimize = suite<Ctx>('wasm-opt: the optimized policy verifies and decides as opa compiled it');

optimize.before(async (ctx) => {
  const plain = readFileSync(buildBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY }));
  const optimized = readFileSync(await buildOptimizedBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY }));
  // Both signed with the test key, and verified by dfw's loader before they evaluate anything.
  ctx.plain = await createEvaluator(await loadBundle(plain, { verification }));
  ctx.optimized = await createEvaluator(await loadBundle(optimized, { verification }));
  ctx.plainBytes = ctx.plain.bundle.wasm;
  ctx.optimizedBytes = ctx.optimized.bundle.wasm;
});

optimize('the optimized bundle is signed, keeps the revision, data and rule sources, and carries another module', async (ctx) => {
  assert.is(ctx.optimized.bundle.manifest.revision, 'wasm-opt-test');
  assert.is(ctx.optimized.bundle.signedBy, 'default');
  assert.equal(ctx.optimized.bundle.data, ctx.plain.bundle.data);
  assert.not.ok(Buffer.from(ctx.optimizedBytes).equals(Buffer.from(ctx.plainBytes)), 'wasm-opt changed the module');
  assert.ok(WebAssembly.validate(ctx.optimizedBytes as Uint8Array<ArrayBuffer>));
  const names = (files: Map<string, Uint8Array>) => [...files.keys()].filter((f) => f.endsWith('.rego')).sort();
  const plainFiles = await readArchive(readFileSync(buildBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY })));
  const optimizedFiles = await readArchive(readFileSync(await buildOptimizedBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY })));
  assert.equal(names(optimizedFiles), names(plainFiles));
  assert.ok(names(plainFiles).length > 30);
});

optimize('a byte changed in the optimized module fails verification', async () => {
  const bytes = readFileSync(await buildOptimizedBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY }));
  const files = await readArchive(bytes);
  const module = files.get('policy.wasm')!;
  module[module.length - 1] ^= 1;
  // Repacked by hand without a new signature: the file hash no longer matches.
  const { loadBundleFiles } = await import('../src/engine/bundle/load.js');
  try {
    await loadBundleFiles(files, { verification });
    assert.unreachable('a tampered optimized module must not load');
  } catch (err) {
    assert.match(String((err as Error).message), /policy\.wasm/);
  }
});

function sameDecision(ctx: Ctx, input: InputDocument, now: Date): string | undefined {
  const strip = (evaluator: Evaluator) => {
    const { allow, deny, warn, waived } = evaluator.evaluate(input, { now, decisionId: 'same' });
    return { allow, deny, warn, waived };
  };
  const plain = strip(ctx.plain);
  const optimized = strip(ctx.optimized);
  return isDeepStrictEqual(plain, optimized) ? undefined : `opa's module: ${JSON.stringify(plain)}\nwasm-opt's: ${JSON.stringify(optimized)}`;
}

optimize('every example, in four environments, decides the same', (ctx) => {
  let compared = 0;
  let denied = 0;
  for (const [file, body] of readExamples()) {
    for (const environment of ['production', 'staging', 'development', 'sandbox']) {
      const input = buildInput(parseCheckRequest(structuredClone({ ...body, environment })), { id: `opt-${file}`, via: 'cli' });
      const now = new Date(Date.UTC(2026, 10, 28, 14) + compared * 37_001);
      const difference = sameDecision(ctx, input, now);
      assert.not.ok(difference, `${file} in ${environment}:\n${difference}`);
      if (!ctx.optimized.evaluate(input, { now }).allow) denied += 1;
      compared += 1;
    }
  }
  assert.ok(compared >= 40, `${compared} examples compared`);
  assert.ok(denied > 0 && denied < compared, 'the examples both allow and deny');
});

optimize(`${GENERATED} generated inputs decide the same`, (ctx) => {
  const cases = fc.sample(generatedCase, { seed: 20261207, numRuns: GENERATED });
  let denies = 0;
  for (const [i, { input, now }] of cases.entries()) {
    const difference = sameDecision(ctx, input, now);
    assert.not.ok(difference, `generated #${i}:\n${difference}`);
    denies += Object.values(ctx.optimized.evaluate(input, { now }).deny).flat().length;
  }
  assert.ok(denies > GENERATED, `the generated inputs exercise the rules (${denies} denies)`);
});

optimize('findWasmOpt: DFW_WASM_OPT=off, a path that does not run, and PATH without wasm-opt', () => {
  assert.equal(findWasmOpt({ DFW_WASM_OPT: 'off', PATH: process.env.PATH }), { missing: 'DFW_WASM_OPT=off' });
  assert.throws(() => findWasmOpt({ DFW_WASM_OPT: '/nonexistent/wasm-opt' }), (err: unknown) => err instanceof PolicyBuildError && /DFW_WASM_OPT=\/nonexistent\/wasm-opt/.test(err.message));
  const none = findWasmOpt({ PATH: mkdtempSync(join(tmpdir(), 'dfw-empty-path-')) });
  assert.not.ok(isOptimizer(none));
  assert.match((none as { missing: string }).missing, /apt-get install binaryen/);
  const real = findWasmOpt();
  assert.ok(isOptimizer(real), 'wasm-opt is installed (scripts/ensure-packages.sh)');
  assert.match(real.version, /wasm-opt version/);
});

optimize('an optimizer that fails stops the build, naming how to build without it', (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-broken-wasm-opt-'));
  const broken = join(dir, 'wasm-opt');
  writeFileSync(broken, '#!/bin/sh\nif [ "$1" = --version ]; then echo "wasm-opt version 0"; exit 0; fi\necho "[wasm-validator error] broken on purpose" >&2\nexit 1\n');
  chmodSync(broken, 0o755);
  const optimizer = findWasmOpt({ DFW_WASM_OPT: broken });
  assert.ok(isOptimizer(optimizer));
  assert.throws(() => optimizeWasm(optimizer, ctx.plainBytes), (err: unknown) => err instanceof PolicyBuildError && /broken on purpose/.test(err.message) && /DFW_WASM_OPT=off/.test(err.message));
  assert.ok(WASM_OPT_FLAGS.includes('-O3'));
});

optimize.run();
