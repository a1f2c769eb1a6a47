// Property-based fuzzing (fast-check) of what dfw reads besides HTTP bodies: signed bundle
// tarballs (bytes flipped and cut; archives rebuilt with path traversal, symlinks, duplicate
// and extra entries, a changed or deeply nested data.json, gzip bombs, oversize entries),
// image references, and dfw.yaml config files. Invariants: a bundle either loads with
// exactly the signed files or is refused with a BundleError or SignatureError — never
// another failure, never tampered content; an image reference parses or is refused as such;
// a config file loads or is refused with a ConfigError. Also the deterministic depth bound
// on data.json (a 500 at evaluation before it was bounded).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { packTar } from 'modern-tar';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageReferenceError, parseImageReference, DIGEST } from '../src/collect/image-reference.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { BundleError, loadBundle, SignatureError, type ArchiveLimits } from '../src/engine/index.js';
import { MAX_BUNDLE_DATA_DEPTH } from '../src/engine/bundle/load.js';
import { buildBundle, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { byteMutation, FUZZ_RUNS, fuzzSeed, jsonMutation, report, Tally } from './helpers/fuzz.js';
import { unpackBundle } from './helpers/tamper.js';

interface Ctx {
  bytes: Uint8Array;
  files: Map<string, Uint8Array>;
  dir: string;
}
const fuzz = suite<Ctx>('fuzz-parsers');

const VERIFY = { keys: { default: { key: readFileSync(SIGNING_PUB, 'utf8') } } };
/** Smaller than the defaults so a bomb is quick to make; the code path is the same. */
const LIMITS: ArchiveLimits = { maxTotalBytes: 4 * 1024 * 1024, maxEntryBytes: 3 * 1024 * 1024, maxEntries: 64 };

fuzz.before(async (ctx) => {
  ctx.bytes = new Uint8Array(readFileSync(buildBundle({ revision: 'fuzz-parsers', signingKey: SIGNING_KEY })));
  ctx.files = await unpackBundle(ctx.bytes);
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-fuzz-parsers-'));
});
fuzz.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** Loads `bytes`; returns 'loaded' only if every file is exactly the signed one, else the error code. */
async function outcome(ctx: Ctx, bytes: Uint8Array): Promise<string> {
  try {
    const bundle = await loadBundle(bytes, { verification: VERIFY, limits: LIMITS });
    for (const [name, data] of ctx.files) {
      const loaded = bundle.files.get(name.replace(/^\/+/, ''));
      assert.ok(loaded && Buffer.from(loaded).equals(Buffer.from(data)), `a loaded bundle carries the signed ${name}`);
    }
    assert.is(bundle.files.size, ctx.files.size, 'a loaded bundle has no extra file');
    return 'loaded';
  } catch (err) {
    assert.ok(err instanceof BundleError || err instanceof SignatureError, `refused with a BundleError or SignatureError, not ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    return (err as BundleError).code;
  }
}

type Entry = { name: string; data: Uint8Array; type?: 'file' | 'symlink' | 'directory'; linkname?: string };

/** gzip level 1 (node:zlib): tampered archives are many, and what is fuzzed is the reading side. */
async function pack(entries: Entry[]): Promise<Uint8Array> {
  return gzipSync(
    await packTar(
      entries.map((e) => ({
        header: { name: e.name, size: e.type && e.type !== 'file' ? 0 : e.data.byteLength, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) },
        ...(e.type && e.type !== 'file' ? {} : { body: e.data }),
      })),
    ),
    { level: 1 },
  );
}

const text = (s: string) => new TextEncoder().encode(s);

/** Archive-level tampering: entries renamed, linked, duplicated, added, changed, inflated. */
function archiveTampering(ctx: Ctx): fc.Arbitrary<Entry[]> {
  const names = [...ctx.files.keys()];
  const original = (): Entry[] => names.map((name) => ({ name, data: ctx.files.get(name)! }));
  const pick = fc.nat(names.length - 1);
  return fc.oneof(
    fc.tuple(pick, fc.constantFrom('../', '../../etc/', '/..//', 'a/../../', 'C:', 'x\\..\\', './../', './/')).map(([i, prefix]) => {
      const entries = original();
      entries[i] = { ...entries[i]!, name: prefix + entries[i]!.name.replace(/^\/+/, '') };
      return entries;
    }),
    fc.tuple(pick, fc.constantFrom('/etc/passwd', '../../secret', 'policy.wasm')).map(([i, target]) => [...original().filter((_, j) => j !== i), { name: names[i]!, data: new Uint8Array(), type: 'symlink' as const, linkname: target }]),
    pick.map((i) => [...original(), { name: names[i]!, data: text('{"firewall":{"config":{}}}') }]),
    fc.constantFrom('data.json', 'x/data.json', 'data.yaml', 'extra.rego', '.signatures.json').map((name) => [...original(), { name, data: text('{}') }]),
    fc.tuple(pick, fc.uint8Array({ minLength: 0, maxLength: 64 })).map(([i, data]) => {
      const entries = original();
      entries[i] = { ...entries[i]!, data };
      return entries;
    }),
    fc.integer({ min: 5, max: 6 }).map((mib) => [...original(), { name: 'bomb.bin', data: new Uint8Array(mib * 1024 * 1024) }]),
    fc.integer({ min: 65, max: 80 }).map((n) => [...original(), ...Array.from({ length: n }, (_, i) => ({ name: `many/${i}.txt`, data: text('x') }))]),
    pick.map((i) => original().filter((_, j) => j !== i)),
  );
}

fuzz('bundle tarballs: loaded only with exactly the signed files, else refused with a BundleError or SignatureError', async (ctx) => {
  const tally = new Tally();
  tally.add(await outcome(ctx, ctx.bytes));
  assert.equal([...tally.counts.keys()], ['loaded'], 'the unmodified signed bundle loads');
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'truncate')).map(([at, value, kind]) => {
          const i = at % ctx.bytes.length;
          if (kind === 'truncate') return ctx.bytes.slice(0, i);
          const copy = ctx.bytes.slice();
          copy[i] = value;
          return copy;
        }),
        archiveTampering(ctx).map((entries) => ({ entries })),
      ),
      async (input) => {
        const bytes = input instanceof Uint8Array ? input : await pack(input.entries);
        tally.add(await outcome(ctx, bytes));
      },
    ),
    { seed: fuzzSeed('bundles'), numRuns: FUZZ_RUNS },
  );
  report('bundle tarballs', tally);
});

fuzz(`data.json nested deeper than ${MAX_BUNDLE_DATA_DEPTH} levels is refused when the bundle loads (it overflowed the stack later)`, async (ctx) => {
  const dataName = [...ctx.files.keys()].find((n) => n.replace(/^\/+/, '') === 'data.json')!;
  const withData = async (depth: number) => {
    const data = new TextDecoder().decode(ctx.files.get(dataName)).replace(/^\{/, `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`);
    const entries = [...ctx.files].filter(([n]) => n !== dataName && !n.endsWith('.signatures.json')).map(([name, d]) => ({ name, data: d }));
    return loadBundle(await pack([...entries, { name: dataName, data: text(data) }]), { limits: LIMITS });
  };
  await withData(MAX_BUNDLE_DATA_DEPTH - 2);
  for (const depth of [MAX_BUNDLE_DATA_DEPTH + 1, 9_999]) {
    try {
      await withData(depth);
      assert.unreachable(`a data.json ${depth} deep loaded`);
    } catch (err) {
      assert.instance(err, BundleError);
      assert.is((err as BundleError).code, 'bundle_data_too_deep');
      assert.match((err as Error).message, String(MAX_BUNDLE_DATA_DEPTH));
    }
  }
});

fuzz('image references: parsed or refused with an ImageReferenceError, never another failure', () => {
  const tally = new Tally();
  const part = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/);
  const reference = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.tuple(fc.option(fc.constantFrom('registry.example.com', 'localhost:5000', 'ghcr.io', '[::1]:5000', 'a..b', 'UPPER.io')), fc.array(part, { minLength: 1, maxLength: 4 }), fc.option(fc.oneof(fc.stringMatching(/^\w[\w.-]{0,20}$/), fc.stringMatching(/^[\w.-]{0,130}$/))), fc.option(fc.oneof(fc.constant(`sha256:${'a'.repeat(64)}`), fc.constant(`sha512:${'b'.repeat(128)}`), fc.string({ maxLength: 80 })), { freq: 2 })).map(
      ([registry, path, tag, digest]) => `${registry ? `${registry}/` : ''}${path.join('/')}${tag !== null ? `:${tag}` : ''}${digest !== null ? `@${digest}` : ''}`,
    ),
  );
  fc.assert(
    fc.property(reference, (ref) => {
      try {
        const parsed = parseImageReference(ref);
        assert.ok(parsed.repository.length > 0);
        if (parsed.digest !== undefined) assert.ok(DIGEST.test(parsed.digest), parsed.digest);
        tally.add('parsed');
      } catch (err) {
        assert.instance(err, ImageReferenceError, `${JSON.stringify(ref)}: ${(err as Error).message}`);
        tally.add('refused');
      }
    }),
    { seed: fuzzSeed('image-references'), numRuns: FUZZ_RUNS * 5 },
  );
  report('image references', tally);
});

fuzz('config files: loaded or refused with a ConfigError naming the file, never another failure', (ctx) => {
  const tally = new Tally();
  const base = { server: { host: '127.0.0.1', port: 8787, max_body_bytes: 5242880, shutdown_timeout_seconds: 10 }, log: { level: 'info' }, waivers: { max_days: 30 }, store: { url: 'sqlite:data/dfw.db' }, tokens: [{ name: 'ci', sha256: 'a'.repeat(64), roles: ['check'] }] };
  let n = 0;
  fc.assert(
    fc.property(fc.oneof(jsonMutation(base), byteMutation(JSON.stringify(base)).map((b) => new TextDecoder().decode(b)), fc.string({ unit: 'binary', maxLength: 200 })), (yamlText) => {
      const file = join(ctx.dir, `dfw-${++n % 8}.yaml`);
      writeFileSync(file, yamlText);
      try {
        loadConfig(file, {});
        tally.add('loaded');
      } catch (err) {
        assert.instance(err, ConfigError, `${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n${yamlText.slice(0, 200)}`);
        assert.match((err as Error).message, file);
        tally.add('refused');
      }
    }),
    { seed: fuzzSeed('config'), numRuns: FUZZ_RUNS * 5 },
  );
  report('config files', tally);
});

fuzz.run();
