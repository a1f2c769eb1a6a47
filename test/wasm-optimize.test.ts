// The policy run through Binaryen's wasm-opt (src/policy/wasm-opt.ts): the real optimizer on
// the real bundle, signed by the real `opa sign`. It must verify (in dfw and in OPA), differ from what
// opa compiled, and decide exactly as that did on every example and on generated inputs (the
// differential test compares the optimized bundle with OPA's interpreter as well).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { createEvaluator, loadBundle, loadBundleFiles, readArchive, type Evaluator, type InputDocument } from '../src/engine/index.js';
import { PolicyBuildError, WasmOptUnusableError } from '../src/policy/errors.js';
import { packOptimizedBundle } from '../src/policy/optimized-bundle.js';
import { findWasmOpt, isOptimizer, type NotOptimized } from '../src/policy/wasm-opt.js';
import { buildBundle, buildOptimizedBundle, readExamples, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { generatedCase } from './helpers/input-generator.js';
import { opaPath, ROOT } from './helpers/opa.js';

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

optimize('the optimized bundle is signed, keeps the revision and every other file byte for byte, and carries another module', async (ctx) => {
  assert.is(ctx.optimized.bundle.manifest.revision, 'wasm-opt-test');
  assert.is(ctx.optimized.bundle.signedBy, 'default');
  assert.equal(ctx.optimized.bundle.data, ctx.plain.bundle.data);
  assert.not.ok(Buffer.from(ctx.optimizedBytes).equals(Buffer.from(ctx.plainBytes)), 'wasm-opt changed the module');
  assert.ok(WebAssembly.validate(ctx.optimizedBytes as Uint8Array<ArrayBuffer>));
  const plainFiles = await readArchive(readFileSync(buildBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY })));
  const optimizedFiles = await readArchive(readFileSync(await buildOptimizedBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY })));
  assert.equal([...optimizedFiles.keys()].sort(), [...plainFiles.keys()].sort());
  assert.ok([...plainFiles.keys()].filter((f) => f.endsWith('.rego')).length > 30);
  // Only the module and the signature over it differ: the manifest (revision, module path) too
  // is opa's, byte for byte.
  for (const [name, bytes] of plainFiles) {
    if (name === 'policy.wasm' || name === '.signatures.json') continue;
    assert.ok(Buffer.from(optimizedFiles.get(name)!).equals(Buffer.from(bytes)), name);
  }
});

optimize('OPA loads and verifies the optimized bundle, and dfw refuses it with a byte of the module changed', async () => {
  const bundle = await buildOptimizedBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY });
  // opa itself reads the manifest, checks the signature and every file's digest while loading it.
  const opa = spawnSync(opaPath(), ['build', '--bundle', bundle, '--verification-key', SIGNING_PUB, '-o', join(mkdtempSync(join(tmpdir(), 'dfw-opa-verify-')), 'out.tar.gz')], { encoding: 'utf8' });
  assert.is(opa.status, 0, opa.stderr);
  const files = await readArchive(readFileSync(bundle));
  const module = files.get('policy.wasm')!;
  module[module.length - 1] ^= 1;
  try {
    await loadBundleFiles(files, { verification });
    assert.unreachable('a changed optimized module must not load');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'bundle_digest_mismatch', String(err));
  }
});

function sameDecision(ctx: Ctx, input: InputDocument, now: Date): string | undefined {
  const strip = (evaluator: Evaluator) => {
    const { allow, environment, deny, warn, waived } = evaluator.evaluate(input, { now, decisionId: 'same' });
    return { allow, environment, deny, warn, waived };
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
  assert.equal(findWasmOpt({ DFW_WASM_OPT: 'off', PATH: process.env.PATH }), { skipped: 'DFW_WASM_OPT=off' });
  assert.throws(() => findWasmOpt({ DFW_WASM_OPT: '/nonexistent/wasm-opt' }), (err: unknown) => err instanceof WasmOptUnusableError && err.code === 'wasm_opt_unusable' && /DFW_WASM_OPT=\/nonexistent\/wasm-opt/.test(err.message));
  const none = findWasmOpt({ PATH: mkdtempSync(join(tmpdir(), 'dfw-empty-path-')) }) as NotOptimized;
  assert.is(none.missing, true);
  assert.match(none.skipped, /wasm-opt is not on PATH \(install Binaryen \(apt-get install binaryen/);
  const real = findWasmOpt();
  assert.ok(isOptimizer(real), 'wasm-opt is installed (scripts/ensure-packages.sh)');
  assert.match(real.version, /wasm-opt version/);
});

/** A wasm-opt stand-in: answers --version, then runs `body` with the output path in $out. */
function fakeWasmOpt(body: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dfw-fake-wasm-opt-')), 'wasm-opt');
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = --version ]; then echo "wasm-opt version 0"; exit 0; fi\nfor a; do out="$a"; done\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

for (const [what, body, message] of [
  ['fails', 'echo "[wasm-validator error] broken on purpose" >&2; exit 1', /broken on purpose/],
  ['writes nothing', 'exit 0', /wrote no module/],
  ['writes a module without OPA\'s exports', `printf '\\000asm\\001\\000\\000\\000' > "$out"`, /changed the policy's interface \(exports lost: .*opa_eval/],
] as const) {
  optimize(`an optimizer that ${what} stops the build before anything is signed`, () => {
    const optimizer = findWasmOpt({ DFW_WASM_OPT: fakeWasmOpt(body) });
    assert.ok(isOptimizer(optimizer));
    const out = join(mkdtempSync(join(tmpdir(), 'dfw-refused-')), 'firewall.tar.gz');
    return packOptimizedBundle(opaPath(), optimizer, buildBundle({ revision: 'wasm-opt-test' }), out, { signingKey: SIGNING_KEY }).then(
      () => assert.unreachable('the build must stop'),
      (err: unknown) => {
        assert.instance(err, PolicyBuildError);
        assert.match((err as Error).message, message);
        assert.match((err as Error).message, /DFW_WASM_OPT=off/);
        assert.not.ok(existsSync(out), 'no bundle written');
      },
    );
  });
}

optimize('a bundle signed already, or not a whole .tar.gz, is refused before wasm-opt runs', async () => {
  const optimizer = findWasmOpt();
  assert.ok(isOptimizer(optimizer));
  const dir = mkdtempSync(join(tmpdir(), 'dfw-refused-input-'));
  const signed = buildBundle({ revision: 'wasm-opt-test', signingKey: SIGNING_KEY });
  const truncated = join(dir, 'truncated.tar.gz');
  writeFileSync(truncated, readFileSync(signed).subarray(0, 20_000));
  for (const [input, message] of [[signed, /is signed already: optimize the unsigned bundle, then sign/], [truncated, /is not a readable \.tar\.gz/]] as const) {
    const out = join(dir, 'out.tar.gz');
    await packOptimizedBundle(opaPath(), optimizer, input, out, {}).then(
      () => assert.unreachable(`${input} must be refused`),
      (err: unknown) => {
        assert.instance(err, PolicyBuildError);
        assert.match((err as Error).message, message);
        assert.not.ok(existsSync(out));
      },
    );
  }
});

optimize('scripts/optimize-bundle.ts, as the Makefile runs it: relative paths; without wasm-opt a warning and opa\'s module, signed', async (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-make-bundle-'));
  const plain = buildBundle({ revision: 'wasm-opt-test' });
  const opa = opaPath().startsWith(ROOT) ? opaPath().slice(ROOT.length) : opaPath();
  const run = (out: string, env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/optimize-bundle.ts', '--opa', opa, '--signing-key', 'test/fixtures/keys/test-only-signing.key.pem', '--signing-alg', 'RS256', plain, out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  const optimized = run(join(dir, 'optimized.tar.gz'), {});
  assert.is(optimized.status, 0, optimized.stderr);
  assert.match(optimized.stdout, /optimized .*optimized\.tar\.gz's policy\.wasm with wasm-opt version \d+/);
  const loaded = await loadBundle(readFileSync(join(dir, 'optimized.tar.gz')), { verification });
  assert.is(loaded.manifest.revision, 'wasm-opt-test');
  assert.ok(Buffer.from(loaded.wasm).equals(Buffer.from(ctx.optimizedBytes)), 'the same module as dfw policy build\'s');
  const off = run(join(dir, 'plain.tar.gz'), { DFW_WASM_OPT: 'off' });
  assert.is(off.status, 0, off.stderr);
  assert.match(off.stderr, /warning: .*plain\.tar\.gz: policy\.wasm not optimized: DFW_WASM_OPT=off/);
  const unoptimized = await loadBundle(readFileSync(join(dir, 'plain.tar.gz')), { verification });
  assert.ok(Buffer.from(unoptimized.wasm).equals(Buffer.from(ctx.plainBytes)), "opa's module, signed");
});

optimize.run();
