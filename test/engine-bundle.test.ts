// The engine's bundle reader, verifier and evaluator against bundles built by the real opa:
// signatures verified as OPA verifies them, tampering refused, archive safety, canonical
// JSON hashing that agrees with OPA's, and the evaluator over a verified bundle.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTar, unpackTar, type TarEntry } from 'modern-tar';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, CanonicalJsonError } from '../src/engine/bundle/canonical-json.js';
import { loadBundle, type LoadBundleOptions } from '../src/engine/bundle/load.js';
import { BundleError, EvaluationError, FirewallError, SignatureError } from '../src/engine/errors.js';
import { createEvaluator } from '../src/engine/evaluator.js';
import { gunzip, gzip } from '../src/shared/gzip.js';
import { OTHER_KEY, SIGNING_KEY, SIGNING_PUB } from './helpers/bundle.js';
import { opaPath, ROOT } from './helpers/opa.js';

const SIGNED_REVISION = 'engine-bundle-test-7f3a';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Bundle data that exercises every rule of OPA's canonical JSON (v1/bundle/hash.go): number
 * texts that JSON.parse would rewrite, keys whose byte order differs from UTF-16 order
 * (U+E000 and U+FFFF sort before an emoji in UTF-8), U+2028/U+2029 (Go escapes them,
 * JSON.stringify does not), HTML characters (escaped in the data.json opa writes, not in
 * the hash), control characters, escapes and a lone surrogate (U+FFFD in Go).
 */
const TRICKY_DATA_JSON = [
  '{',
  '  "numbers": {"one_point_zero": 1.0, "exponent": 1e3, "exponent_upper": 1E+3, "negative_zero": -0,',
  '              "beyond_2_53": 12345678901234567890, "tiny": 0.5e-7, "trailing_zero": 1.50, "in_array": [1.0, -0, 2e-3]},',
  '  "z": 1, "Z": 2, "é": 3, "e": 4, "😀": 5, "": 6, "\uffff": 7, "\ue000": 8, "ａ": 9,',
  '  "nested": {"b": {"y": [{"d": 1, "c": 2}], "x": {}}, "a": []},',
  '  "strings": {',
  '    "line_separators": "a\u2028b\u2029c",',
  '    "html": "<script>alert(1)</script> & more",',
  '    "controls": "\\u0000\\u0001\\b\\f\\n\\r\\t\\u001f\u007f",',
  '    "escaped_unicode": "\\u00e9\\ud83d\\ude00\\/\\u2028",',
  '    "quote_backslash": "\\"\\\\",',
  '    "lone_surrogate": "\\ud800x"',
  '  },',
  '  "keys": {"<b>": 1, "\u2028": 2, "\\n": 3, "é": 4, "e\u0301": 5}',
  '}',
].join('\n');

/**
 * Builds `rego` under `sourceRoot` exactly as the Makefile does (run from that folder, with
 * the relative path "rego", so the bundle's file names are rego/...), into `out`.
 */
function buildLikeMakefile(sourceRoot: string, out: string, options: { revision: string; signingKey?: string }): Uint8Array {
  const args = ['build', '-t', 'wasm', '-e', 'firewall/decision', '--capabilities', join(ROOT, 'wasm/capabilities.json'), '--ignore', '*_test.rego', '--revision', options.revision];
  if (options.signingKey) args.push('--signing-key', options.signingKey);
  args.push('-o', out, '--bundle', 'rego');
  execFileSync(opaPath(), args, { cwd: sourceRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  return readFileSync(out);
}

interface Context {
  /** rego/ signed with the test signing key at SIGNED_REVISION. */
  signed: Uint8Array;
  unsigned: Uint8Array;
  signedByOther: Uint8Array;
  /** rego/ plus extra/data.json holding TRICKY_DATA_JSON, signed. */
  tricky: Uint8Array;
  signingPub: string;
  /** Temp folder of the builds and of the tricky copy of rego/. */
  dir: string;
}

const trusted = (pem: string): LoadBundleOptions => ({ verification: { keys: { default: { key: pem } } } });

// ---- archives, re-packed by hand -------------------------------------------------------

function file(name: string, body: Uint8Array | string): TarEntry {
  const data = typeof body === 'string' ? encoder.encode(body) : body;
  return { header: { name, size: data.byteLength, type: 'file', mode: 0o600 }, body: data };
}

/** A .tar.gz of `entries`, through modern-tar and the Web CompressionStream. */
async function packBundle(entries: TarEntry[]): Promise<Uint8Array> {
  return gzip(await packTar(entries));
}

/** The files of a bundle by their name in the archive ("/data.json" as opa writes it), in order. */
async function unpackBundle(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const entries = await unpackTar(await gunzip(bytes));
  return new Map(entries.map((e) => [e.header.name, e.data ?? new Uint8Array()]));
}

/** Unpacks a bundle, lets `edit` change its files, and packs it again. */
async function editBundle(bytes: Uint8Array, edit: (files: Map<string, Uint8Array>) => void): Promise<Uint8Array> {
  const files = await unpackBundle(bytes);
  edit(files);
  return packBundle([...files].map(([name, body]) => file(name, body)));
}

function editText(files: Map<string, Uint8Array>, name: string, change: (text: string) => string): void {
  const before = decoder.decode(files.get(name)!);
  const after = change(before);
  assert.is.not(after, before, `the edit of ${name} changes it`);
  files.set(name, encoder.encode(after));
}

function signaturesOf(files: Map<string, Uint8Array>): { signatures: string[]; plugin?: string } {
  return JSON.parse(decoder.decode(files.get('/.signatures.json')!));
}

function setSignatures(files: Map<string, Uint8Array>, signatures: string[]): void {
  files.set('/.signatures.json', encoder.encode(JSON.stringify({ signatures, plugin: '_default' })));
}

const base64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Objects with their keys in reverse order, for a data.json that differs only in form. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  return value;
}

// ---- refusals ---------------------------------------------------------------------------

async function assertRefused(
  loading: Promise<unknown>,
  expected: { error: typeof BundleError | typeof SignatureError; code: string; message: RegExp },
): Promise<FirewallError> {
  let thrown: unknown;
  try {
    await loading;
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `expected a ${expected.error.name} ${expected.code}, but the bundle loaded`);
  assert.instance(thrown, expected.error, `expected a ${expected.error.name}, got ${String(thrown)}`);
  const error = thrown as FirewallError;
  assert.is(error.name, expected.error.name);
  assert.is(error.code, expected.code, error.message);
  assert.match(error.message, expected.message);
  return error;
}

const engineBundle = suite<Context>('engine-bundle');

engineBundle.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-engine-bundle-'));
  ctx.signingPub = readFileSync(SIGNING_PUB, 'utf8');
  ctx.signed = buildLikeMakefile(ROOT, join(ctx.dir, 'signed.tar.gz'), { revision: SIGNED_REVISION, signingKey: SIGNING_KEY });
  ctx.unsigned = buildLikeMakefile(ROOT, join(ctx.dir, 'unsigned.tar.gz'), { revision: 'engine-bundle-unsigned' });
  ctx.signedByOther = buildLikeMakefile(ROOT, join(ctx.dir, 'other.tar.gz'), { revision: SIGNED_REVISION, signingKey: OTHER_KEY });
  const trickyRoot = join(ctx.dir, 'tricky');
  cpSync(join(ROOT, 'rego'), join(trickyRoot, 'rego'), { recursive: true });
  mkdirSync(join(trickyRoot, 'rego', 'extra'));
  writeFileSync(join(trickyRoot, 'rego', 'extra', 'data.json'), TRICKY_DATA_JSON);
  ctx.tricky = buildLikeMakefile(trickyRoot, join(ctx.dir, 'tricky.tar.gz'), { revision: 'engine-bundle-tricky', signingKey: SIGNING_KEY });
});

engineBundle.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

// ---- signatures -------------------------------------------------------------------------

engineBundle('a signed bundle loads with the matching key and names the key that verified it', async ({ signed, signingPub }) => {
  const bundle = await loadBundle(signed, trusted(signingPub));
  assert.is(bundle.signedBy, 'default');
  assert.is(bundle.manifest.revision, SIGNED_REVISION);
  assert.ok(bundle.wasm.byteLength > 0, 'policy.wasm is read');
  assert.ok(bundle.files.has('.signatures.json') && bundle.files.has('policy.wasm'));
  assert.equal(Object.keys(bundle.data), ['firewall']);
});

engineBundle('an unsigned bundle loads when no key is configured', async ({ unsigned }) => {
  const bundle = await loadBundle(unsigned);
  assert.is(bundle.signedBy, null);
  assert.is(bundle.manifest.revision, 'engine-bundle-unsigned');
});

engineBundle('an unsigned bundle is refused when a key is configured', async ({ unsigned, signingPub }) => {
  await assertRefused(loadBundle(unsigned, trusted(signingPub)), { error: SignatureError, code: 'bundle_unsigned', message: /missing \.signatures\.json.*refusing an unsigned bundle/ });
});

engineBundle('a bundle re-packed without changes still verifies (the tampering tests below change only what they say)', async ({ signed, signingPub }) => {
  const repacked = await editBundle(signed, () => {});
  const bundle = await loadBundle(repacked, trusted(signingPub));
  assert.is(bundle.signedBy, 'default');
});

engineBundle('one changed byte of policy.wasm is refused as a digest mismatch', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => {
    const wasm = files.get('/policy.wasm')!.slice();
    const at = wasm.length >> 1;
    wasm[at] = wasm[at]! ^ 0x01;
    files.set('/policy.wasm', wasm);
  });
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_digest_mismatch', message: /^policy\.wasm: digest mismatch.*changed after signing/ });
});

engineBundle('an edited data.json is refused as a digest mismatch', async ({ signed, signingPub }) => {
  // Production stops blocking anything: exactly the edit a signature must stop.
  const tampered = await editBundle(signed, (files) => editText(files, '/data.json', (t) => t.replace('"blocking":["critical","high"]', '"blocking":[]')));
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_digest_mismatch', message: /^data\.json: digest mismatch/ });
});

engineBundle('an edited .manifest is refused as a digest mismatch', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => editText(files, '/.manifest', (t) => t.replace(SIGNED_REVISION, 'forged-revision')));
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_digest_mismatch', message: /^\.manifest: digest mismatch/ });
});

engineBundle('a file added after signing is refused as not included in the signature', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => files.set('/rego/firewall/backdoor.rego', encoder.encode('package firewall.backdoor\n')));
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_file_unsigned', message: /rego\/firewall\/backdoor\.rego is not included in the bundle signature/ });
});

engineBundle('a signed file removed from the bundle is refused as missing', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => {
    assert.ok(files.delete('/rego/firewall/rules/git/branch_protection.rego'));
  });
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_file_missing', message: /rego\/firewall\/rules\/git\/branch_protection\.rego specified in the bundle signature but not found/ });
});

engineBundle('a bundle signed by another key is refused', async ({ signedByOther, signingPub }) => {
  await assertRefused(loadBundle(signedByOther, trusted(signingPub)), { error: SignatureError, code: 'bundle_signature_invalid', message: /does not verify with key "default" \(RS256\)/ });
});

engineBundle('a JWT whose signature bytes are altered is refused', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => {
    const [header, payload, signature] = signaturesOf(files).signatures[0]!.split('.');
    const flipped = (signature![10] === 'A' ? 'B' : 'A');
    setSignatures(files, [`${header}.${payload}.${signature!.slice(0, 10)}${flipped}${signature!.slice(11)}`]);
  });
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_signature_invalid', message: /signature does not verify/ });
});

engineBundle('a JWT whose claims are altered (a different file list) is refused', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => {
    const [header, , signature] = signaturesOf(files).signatures[0]!.split('.');
    const forged = base64url(JSON.stringify({ files: [], keyid: 'default' }));
    setSignatures(files, [`${header}.${forged}.${signature}`]);
  });
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_signature_invalid', message: /signature does not verify/ });
});

engineBundle('.signatures.json with two JWTs is refused, as OPA refuses it', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => {
    const [jwt] = signaturesOf(files).signatures;
    setSignatures(files, [jwt!, jwt!]);
  });
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_signature_malformed', message: /multiple JWTs not supported \(expected exactly one\)/ });
});

engineBundle('.signatures.json without a JWT is refused', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => setSignatures(files, []));
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_signature_malformed', message: /missing JWT \(expected exactly one\)/ });
});

engineBundle('a bundle signed with a key id that is not trusted is refused', async ({ signed, signingPub }) => {
  await assertRefused(loadBundle(signed, { verification: { keys: { 'release-2026': { key: signingPub } } } }), {
    error: SignatureError,
    code: 'bundle_signature_unknown_key',
    message: /signed with key id "default", which is not a trusted key \(trusted: release-2026\)/,
  });
});

engineBundle('a signature without the configured scope is refused', async ({ signed, signingPub }) => {
  await assertRefused(loadBundle(signed, { verification: { keys: { default: { key: signingPub, scope: 'production' } } } }), {
    error: SignatureError,
    code: 'bundle_signature_scope',
    message: /scope mismatch.*expected "production"/,
  });
});

engineBundle('a tampered signed bundle is refused on its file hashes even when no key is configured', async ({ signed }) => {
  const tampered = await editBundle(signed, (files) => editText(files, '/data.json', (t) => t.replace('"blocking":["critical","high"]', '"blocking":[]')));
  await assertRefused(loadBundle(tampered), { error: SignatureError, code: 'bundle_digest_mismatch', message: /^data\.json: digest mismatch/ });
});

engineBundle('a signature naming an unknown hash algorithm is refused, even one named like an Object property', async ({ signed }) => {
  // Without a key only the claims' hashes are checked, so forged claims reach the hasher.
  for (const algorithm of ['MD4', 'constructor', '__proto__']) {
    const tampered = await editBundle(signed, (files) => {
      const [header, payload, signature] = signaturesOf(files).signatures[0]!.split('.');
      const claims = JSON.parse(decoder.decode(Uint8Array.from(atob(payload!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))) as { files: Array<{ algorithm: string }> };
      for (const f of claims.files) f.algorithm = algorithm;
      setSignatures(files, [`${header}.${base64url(JSON.stringify(claims))}.${signature}`]);
    });
    await assertRefused(loadBundle(tampered), { error: SignatureError, code: 'bundle_hash_unsupported', message: new RegExp(`hashing algorithm "${algorithm}" is not supported`) });
  }
});

// ---- not a bundle -----------------------------------------------------------------------

engineBundle('bytes that are not gzip are refused', async ({ signed }) => {
  const tar = await gunzip(signed);
  await assertRefused(loadBundle(tar), { error: BundleError, code: 'bundle_not_gzip', message: /not a gzip file/ });
  await assertRefused(loadBundle(new Uint8Array()), { error: BundleError, code: 'bundle_not_gzip', message: /not a gzip file/ });
});

engineBundle('a truncated gzip is refused as unreadable', async ({ signed, signingPub }) => {
  for (const length of [10, signed.byteLength >> 1, signed.byteLength - 4]) {
    await assertRefused(loadBundle(signed.subarray(0, length), trusted(signingPub)), { error: BundleError, code: 'bundle_unreadable', message: /bundle archive cannot be read/ });
  }
});

engineBundle('gzip that does not hold a tar archive is refused as unreadable', async () => {
  await assertRefused(loadBundle(await gzip(encoder.encode('{"not":"a tar archive"}'.repeat(40)))), { error: BundleError, code: 'bundle_unreadable', message: /bundle archive cannot be read/ });
});

// ---- archive safety ---------------------------------------------------------------------

/** The unsigned bundle's files, plus or minus the crafted entries of a test. */
async function craft(unsigned: Uint8Array, change: (entries: TarEntry[]) => TarEntry[]): Promise<Uint8Array> {
  const files = await unpackBundle(unsigned);
  return packBundle(change([...files].map(([name, body]) => file(name, body))));
}

engineBundle('an entry name with "../" is refused as path traversal', async ({ unsigned }) => {
  for (const name of ['../evil.rego', 'rego/../../evil.rego', 'rego/firewall/../../../etc/cron.d/evil']) {
    const crafted = await craft(unsigned, (entries) => [...entries, file(name, 'package evil\n')]);
    await assertRefused(loadBundle(crafted), { error: BundleError, code: 'bundle_entry_name', message: /is refused: its name has a "\.\." segment \(path traversal\)/ });
  }
});

engineBundle('absolute-looking names that escape the bundle ("/../", "./../", drive letters, backslashes) are refused', async ({ unsigned }) => {
  const cases: Array<[string, RegExp]> = [
    ['/../etc/passwd', /path traversal/],
    ['./../evil.rego', /path traversal/],
    ['//../evil.rego', /path traversal/],
    ['C:/Windows/evil.rego', /a drive letter/],
    ['rego\\..\\..\\evil.rego', /a backslash/],
    ['rego/./evil.rego', /an empty or "\." segment/],
  ];
  for (const [name, reason] of cases) {
    const crafted = await craft(unsigned, (entries) => [...entries, file(name, 'package evil\n')]);
    const error = await assertRefused(loadBundle(crafted), { error: BundleError, code: 'bundle_entry_name', message: reason });
    assert.ok(error.message.includes(name), `the message names the entry ${name}`);
  }
});

engineBundle('a directory entry with "../" is refused too, though directories carry nothing', async ({ unsigned }) => {
  const crafted = await craft(unsigned, (entries) => [{ header: { name: '../outside/', type: 'directory', size: 0 } }, ...entries]);
  await assertRefused(loadBundle(crafted), { error: BundleError, code: 'bundle_entry_name', message: /path traversal/ });
  const harmless = await craft(unsigned, (entries) => [{ header: { name: './', type: 'directory', size: 0 } }, { header: { name: 'rego/', type: 'directory', size: 0 } }, ...entries]);
  assert.is((await loadBundle(harmless)).manifest.revision, 'engine-bundle-unsigned');
});

engineBundle('a duplicate entry is refused, also when the names differ only by the leading slash', async ({ unsigned }) => {
  for (const duplicate of ['/data.json', 'data.json', './data.json']) {
    const crafted = await craft(unsigned, (entries) => [...entries, file(duplicate, '{"firewall":{}}')]);
    await assertRefused(loadBundle(crafted), { error: BundleError, code: 'bundle_duplicate_entry', message: /bundle has two entries named "data\.json"/ });
  }
});

engineBundle('an entry larger than the limit is refused before it is read', async ({ unsigned }) => {
  const limits = { maxTotalBytes: 64 * 1024 * 1024, maxEntryBytes: 64 * 1024, maxEntries: 100 };
  await assertRefused(loadBundle(unsigned, { limits }), { error: BundleError, code: 'bundle_entry_too_large', message: /bundle entry "policy\.wasm" is \d+ bytes; the limit is 65536/ });
});

engineBundle('an archive larger than the limit when decompressed is refused (a gzip bomb)', async () => {
  const bomb = await packBundle([file('data.json', new Uint8Array(4 * 1024 * 1024))]);
  assert.ok(bomb.byteLength < 64 * 1024, 'the bomb is small when compressed');
  const limits = { maxTotalBytes: 1024 * 1024, maxEntryBytes: 8 * 1024 * 1024, maxEntries: 100 };
  await assertRefused(loadBundle(bomb, { limits }), { error: BundleError, code: 'bundle_too_large', message: /larger than 1048576 bytes when decompressed/ });
});

engineBundle('an archive with too many entries is refused', async ({ unsigned }) => {
  const limits = { maxTotalBytes: 64 * 1024 * 1024, maxEntryBytes: 64 * 1024 * 1024, maxEntries: 5 };
  await assertRefused(loadBundle(unsigned, { limits }), { error: BundleError, code: 'bundle_too_many_entries', message: /more than 5 files/ });
});

engineBundle('a symlink or hard link entry is refused: only regular files are accepted', async ({ unsigned }) => {
  for (const type of ['symlink', 'link'] as const) {
    const crafted = await craft(unsigned, (entries) => [
      ...entries.filter((e) => e.header.name !== '/data.json'),
      { header: { name: '/data.json', type, size: 0, linkname: '/etc/passwd' } },
    ]);
    await assertRefused(loadBundle(crafted), { error: BundleError, code: 'bundle_entry_type', message: new RegExp(`"/data\\.json" is a ${type}; only regular files are accepted`) });
  }
});

engineBundle('a data file other than the root data.json is refused rather than silently left out', async ({ unsigned }) => {
  for (const name of ['/rego/extra/data.json', '/data.yaml', '/config/data.yml']) {
    const crafted = await craft(unsigned, (entries) => [...entries, file(name, '{"extra": true}')]);
    await assertRefused(loadBundle(crafted), { error: BundleError, code: 'bundle_data_unsupported', message: /only a root data\.json is read/ });
  }
});

// ---- canonical JSON against OPA ---------------------------------------------------------

engineBundle('OPA-signed data.json with canonical-JSON edge cases verifies', async ({ tricky, signingPub }) => {
  const bundle = await loadBundle(tricky, trusted(signingPub));
  assert.is(bundle.signedBy, 'default');
  // OPA writes data.json with HTML escaping on, but hashes it with HTML escaping off: the
  // file's raw bytes are not what was hashed, so this verifies only through canonicalJson.
  const written = decoder.decode(bundle.files.get('data.json')!);
  assert.ok(written.includes('\\u003cscript\\u003e'), 'opa wrote "<" as \\u003c');
  assert.ok(written.includes('"one_point_zero":1.0') && written.includes('"beyond_2_53":12345678901234567890'), 'opa kept the number texts');
  assert.is.not(canonicalJson(written), written);
});

engineBundle('data verified from a tricky data.json is the data that was signed', async ({ tricky, signingPub }) => {
  const { data } = await loadBundle(tricky, trusted(signingPub));
  const extra = data.extra as Record<string, Record<string, unknown>>;
  assert.is(extra.strings!.html, '<script>alert(1)</script> & more');
  assert.is(extra.strings!.line_separators, 'a\u2028b\u2029c');
  assert.is(extra.strings!.controls, '\u0000\u0001\b\f\n\r\t\u001f\u007f');
  assert.is(extra.strings!.escaped_unicode, 'é😀/\u2028');
  assert.is(extra.strings!.lone_surrogate, '\ufffdx', 'a lone surrogate is U+FFFD, as Go decodes it');
  assert.is(extra.numbers!.one_point_zero, 1);
  assert.equal(Object.keys(extra.keys!).sort(), ['\n', '<b>', 'e\u0301', 'é', '\u2028'].sort());
});

engineBundle('a signed data.json re-encoded (other whitespace, key order, escapes) still verifies: OPA hashes canonical JSON', async ({ signed, tricky, signingPub }) => {
  const reformatted = await editBundle(signed, (files) => {
    editText(files, '/data.json', (t) => JSON.stringify(reverseKeys(JSON.parse(t)), null, 2));
    editText(files, '/.manifest', (t) => `\n  ${JSON.stringify(reverseKeys(JSON.parse(t)), null, '\t')}\r\n`);
  });
  assert.is((await loadBundle(reformatted, trusted(signingPub))).signedBy, 'default');
  const escapedDifferently = await editBundle(tricky, (files) =>
    editText(files, '/data.json', (t) =>
      t
        .replaceAll('\\u003c', '<')
        .replaceAll('\\u003e', '\\u003E')
        .replaceAll('\\u2028', '\u2028')
        .replace('"lone_surrogate":"\ufffdx"', '"lone_surrogate":"\\udfff\\u0078"')
        .replace('"é":3', '"\\u00e9":3'),
    ),
  );
  const bundle = await loadBundle(escapedDifferently, trusted(signingPub));
  assert.is((bundle.data.extra as { strings: { lone_surrogate: string } }).strings.lone_surrogate, '\ufffdx', 'the data loaded is the data hashed');
});

engineBundle('a signed number changed only in its text (1.0 to 1) is refused: OPA hashes number texts', async ({ tricky, signingPub }) => {
  const tampered = await editBundle(tricky, (files) => editText(files, '/data.json', (t) => t.replace('"one_point_zero":1.0', '"one_point_zero":1')));
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_digest_mismatch', message: /^data\.json: digest mismatch/ });
});

engineBundle('a signed data.json that is not valid UTF-8 is refused, not hashed lossily', async ({ tricky, signingPub, unsigned }) => {
  const invalid = (files: Map<string, Uint8Array>) => {
    const text = decoder.decode(files.get('/data.json')!);
    const at = encoder.encode(text.slice(0, text.indexOf('"tiny"'))).byteLength;
    const bytes = files.get('/data.json')!;
    files.set('/data.json', new Uint8Array([...bytes.subarray(0, at + 2), 0xff, ...bytes.subarray(at + 2)]));
  };
  await assertRefused(loadBundle(await editBundle(tricky, invalid), trusted(signingPub)), { error: SignatureError, code: 'bundle_file_malformed', message: /data\.json is not valid UTF-8/ });
  const unsignedInvalid = await editBundle(unsigned, (files) => files.set('/data.json', new Uint8Array([...encoder.encode('{"a":"'), 0xe2, 0x82, ...encoder.encode('"}')])));
  await assertRefused(loadBundle(unsignedInvalid), { error: BundleError, code: 'bundle_file_malformed', message: /data\.json is not valid UTF-8/ });
});

engineBundle('a signed data.json that is not JSON is refused as malformed', async ({ signed, signingPub }) => {
  const tampered = await editBundle(signed, (files) => editText(files, '/data.json', (t) => t.replace(/}\s*$/, ',}')));
  await assertRefused(loadBundle(tampered, trusted(signingPub)), { error: SignatureError, code: 'bundle_file_malformed', message: /data\.json is not valid JSON/ });
});

/**
 * Expected texts follow Go's encoding/json with SetEscapeHTML(false), as OPA's hasher
 * writes them (v1/bundle/hash.go), and were checked against that hasher: keys sorted by
 * UTF-8 bytes; `"`, `\`, \b \f \n \r \t short-escaped, other C0 controls as lower-case
 * \u00XX, U+2028/U+2029 as \u2028/\u2029, everything else (DEL, HTML, non-ASCII) raw;
 * numbers exactly as written; lone surrogates U+FFFD; the last duplicate key wins.
 */
const CANONICAL_CASES: ReadonlyArray<readonly [behaviour: string, input: string, canonical: string]> = [
  ['numbers keep their original text', '[1.0, 1e3, 1E3, -0, 0.5e-7, 12345678901234567890, 1.50, -1E+2]', '[1.0,1e3,1E3,-0,0.5e-7,12345678901234567890,1.50,-1E+2]'],
  ['keys sort by UTF-8 bytes, not UTF-16 units', '{"b":1,"a":2,"B":3,"Z":4,"z":5,"é":6,"e":7,"😀":8,"\uffff":9,"aa":10,"":11}', '{"":11,"B":3,"Z":4,"a":2,"aa":10,"b":1,"e":7,"z":5,"é":6,"\uffff":9,"😀":8}'],
  ['a private-use key sorts before an emoji', '{"\ufb01":1,"😀":2,"\ue000":3}', '{"\ue000":3,"\ufb01":1,"😀":2}'],
  ['nested objects are sorted at every level, arrays keep their order', '{"z":{"y":[{"b":true,"a":null}],"x":false},"a":"é"}', '{"a":"é","z":{"x":false,"y":[{"a":null,"b":true}]}}'],
  ['whitespace between tokens is dropped', ' {\n\t"a" : [ 1 , 2 ] ,\r\n "b" : { } , "c": [] } \n', '{"a":[1,2],"b":{},"c":[]}'],
  ['HTML characters are not escaped', '"<a href=\\"x\\">&amp;</a>"', '"<a href=\\"x\\">&amp;</a>"'],
  ['HTML escapes are decoded', '"\\u003c\\u003E\\u0026"', '"<>&"'],
  ['raw U+2028 and U+2029 are escaped', '"a\u2028b\u2029c"', '"a\\u2028b\\u2029c"'],
  ['escaped U+2028 and U+2029 stay escaped', '"\\u2028\\u2029"', '"\\u2028\\u2029"'],
  ['control characters use short escapes where Go has them', '"\\u0000\\u0001\\b\\f\\n\\r\\t\\u001F\\u007f"', '"\\u0000\\u0001\\b\\f\\n\\r\\t\\u001f\u007f"'],
  ['unicode escapes and "\\/" are decoded', '"\\u00e9\\u0041\\ud83d\\ude00\\/"', '"éA😀/"'],
  ['lone surrogates become U+FFFD', '["\\ud800", "\\udc00x", "\\ud800\\ud800", "\\ud800\\ud83d\\ude00"]', '["\ufffd","\ufffdx","\ufffd\ufffd","\ufffd😀"]'],
  ['quote and backslash are escaped', '"\\\\ \\""', '"\\\\ \\""'],
  ['non-ASCII is written raw', '"é中😀\\u00a0"', '"é中😀\u00a0"'],
  ['keys are encoded like strings', '{"\\n":1,"\\"":2,"\\u2028":3,"<":4}', '{"\\n":1,"\\"":2,"<":4,"\\u2028":3}'],
  ['the last duplicate key wins, as decoding into a Go map does', '{"a":1,"b":0,"a":2}', '{"a":2,"b":0}'],
  ['literals are kept', '[true,false,null]', '[true,false,null]'],
  ['a top-level scalar is allowed', '  42  ', '42'],
  ['empty containers', '[{},[],{"a":{}}]', '[{},[],{"a":{}}]'],
];

engineBundle('canonicalJson writes each case as OPA hashes it', () => {
  for (const [behaviour, input, canonical] of CANONICAL_CASES) {
    assert.is(canonicalJson(input), canonical, behaviour);
  }
});

engineBundle('canonicalJson refuses what is not JSON', () => {
  const invalid = ['', ' ', '{"a":1,}', '[1,]', '{a:1}', "'a'", '01', '1.', '.5', '+1', '-', '1e', 'NaN', 'Infinity', 'tru', 'nul', '[1]]', '1 2', '{"a" 1}', '"\\x"', '"\\u12"', '"a\u0001b"', '"unterminated', '[', '{"a":1'];
  for (const text of invalid) {
    assert.throws(() => canonicalJson(text), (err: unknown) => err instanceof CanonicalJsonError, `refuses ${JSON.stringify(text)}`);
  }
});

engineBundle('canonicalJson accepts the nesting Go accepts (10000 levels) without overflowing the stack, and refuses more', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  assert.is(canonicalJson(nested(10_000)), nested(10_000));
  const objects = '{"k":'.repeat(9_999) + '{}' + '}'.repeat(9_999);
  assert.is(canonicalJson(objects), objects);
  assert.throws(() => canonicalJson(nested(10_001)), (err: unknown) => err instanceof CanonicalJsonError && /exceeded max depth/.test(err.message));
  assert.throws(() => canonicalJson(nested(200_000)), (err: unknown) => err instanceof CanonicalJsonError);
});

engineBundle('canonicalJson keeps a number of any length whole', () => {
  const long = '-' + '9'.repeat(5000) + '.' + '0'.repeat(3000) + 'e-12345678901234567890';
  assert.is(canonicalJson(`[ ${long} ]`), `[${long}]`);
});

// ---- the evaluator over a verified bundle -----------------------------------------------

engineBundle('the evaluator runs the verified bundle: an empty production request is denied', async ({ signed, signingPub }) => {
  const bundle = await loadBundle(signed, trusted(signingPub));
  const now = new Date('2026-11-28T14:00:00.123Z');
  const evaluator = await createEvaluator(bundle, { clock: () => now });
  const decision = evaluator.evaluate({ request: { environment: 'production' } });
  assert.is(decision.allow, false);
  assert.is(decision.environment, 'production');
  assert.match(decision.decision_id, UUID_V7);
  assert.equal(decision.bundle, { name: 'firewall', revision: SIGNED_REVISION });
  assert.is(decision.evaluated_at, '2026-11-28T14:00:00.123Z');
  assert.equal(Object.keys(decision.deny).sort(), ['critical', 'high', 'low', 'medium']);
  assert.ok(decision.deny.critical.length + decision.deny.high.length > 0, 'missing evidence denies in production');
  const second = evaluator.evaluate({ request: { environment: 'production' } });
  assert.is.not(second.decision_id, decision.decision_id, 'each decision has its own id');
});

engineBundle('a Wasm memory bound fails the evaluation closed, and a fresh evaluator still decides', async ({ signed, signingPub }) => {
  const bundle = await loadBundle(signed, trusted(signingPub));
  const bounded = await createEvaluator(bundle, { maxMemoryBytes: 1024 * 1024 });
  const huge = { request: { environment: 'production' }, padding: 'x'.repeat(8 * 1024 * 1024) };
  assert.throws(
    () => bounded.evaluate(huge),
    (err: unknown) => err instanceof EvaluationError && err.code === 'evaluation_failed' && /policy evaluation failed: .*memory/i.test(err.message),
  );
  const fresh = await createEvaluator(bundle);
  const decision = fresh.evaluate({ request: { environment: 'production' } });
  assert.is(decision.allow, false);
  assert.match(decision.decision_id, UUID_V7);
});

engineBundle.run();
