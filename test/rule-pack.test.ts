// The rule pack as the real OPA sees it: the Wasm bundle's entrypoint and rule annotations,
// OPA's own signature verification, the capabilities gate against impure or unsupported
// builtins, and the README's rule catalog.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { packTar, unpackTar } from 'modern-tar';
import { HOST_BUILTINS } from '../src/engine/builtins/index.js';
import { CATALOG_END, CATALOG_START, catalogSection, renderRuleCatalog } from '../scripts/rule-catalog.js';
import { ROOT, opaPath } from './helpers/opa.js';

const CAPABILITIES = join(ROOT, 'wasm/capabilities.json');
const KEYS = join(ROOT, 'test/fixtures/keys');
const ENTRYPOINT = 'firewall/decision';

/** The Makefile's `opa build -t wasm` (bundle target), without -o and --bundle. */
const WASM_BUILD = ['build', '-t', 'wasm', '-e', ENTRYPOINT, '--capabilities', CAPABILITIES, '--ignore', '*_test.rego'];

const EXPECTED_RULES: Record<string, { severity: string; category: string }> = {
  'DFW-GIT-001': { severity: 'critical', category: 'git' },
  'DFW-BUILD-001': { severity: 'high', category: 'build' },
  'DFW-CONTAINER-001': { severity: 'critical', category: 'container' },
  'DFW-ARTIFACT-001': { severity: 'critical', category: 'artifact' },
  'DFW-CLOUD-001': { severity: 'medium', category: 'cloud' },
  'DFW-SCAN-001': { severity: 'high', category: 'scanning' },
  'DFW-VULN-001': { severity: 'critical', category: 'vulnerabilities' },
  'DFW-CHANGE-001': { severity: 'high', category: 'change' },
  'DFW-REVIEW-001': { severity: 'high', category: 'review' },
  // Issue 16's rule pack.
  'DFW-GIT-002': { severity: 'high', category: 'git' },
  'DFW-GIT-003': { severity: 'medium', category: 'git' },
  'DFW-GIT-004': { severity: 'high', category: 'git' },
  'DFW-GIT-005': { severity: 'high', category: 'git' },
  'DFW-GIT-006': { severity: 'medium', category: 'git' },
  'DFW-SOURCE-001': { severity: 'high', category: 'source' },
  'DFW-SOURCE-002': { severity: 'critical', category: 'source' },
  'DFW-BUILD-002': { severity: 'high', category: 'build' },
  'DFW-BUILD-003': { severity: 'critical', category: 'build' },
  'DFW-BUILD-004': { severity: 'high', category: 'build' },
  'DFW-BUILD-005': { severity: 'high', category: 'build' },
  'DFW-VULN-002': { severity: 'high', category: 'vulnerabilities' },
  'DFW-VULN-003': { severity: 'critical', category: 'vulnerabilities' },
  'DFW-SBOM-001': { severity: 'high', category: 'sbom' },
  'DFW-SBOM-002': { severity: 'high', category: 'sbom' },
  'DFW-SBOM-003': { severity: 'critical', category: 'sbom' },
  'DFW-ARTIFACT-002': { severity: 'medium', category: 'artifact' },
  'DFW-WORKLOAD-001': { severity: 'critical', category: 'workload' },
  'DFW-WORKLOAD-002': { severity: 'high', category: 'workload' },
  'DFW-WORKLOAD-003': { severity: 'critical', category: 'workload' },
  'DFW-WORKLOAD-004': { severity: 'high', category: 'workload' },
  'DFW-WORKLOAD-005': { severity: 'medium', category: 'workload' },
  'DFW-WORKLOAD-006': { severity: 'medium', category: 'workload' },
  'DFW-PROMOTION-001': { severity: 'high', category: 'promotion' },
  'DFW-CHANGE-003': { severity: 'high', category: 'change' },
  'DFW-POSTURE-001': { severity: 'medium', category: 'posture' },
};

/** NIST SP 800-53 rev 5, SOC 2 (2017 trust services criteria), SLSA v1.0 build levels, OWASP Top 10 CI/CD, CIS SSCS. */
const CONTROL = /^(NIST-800-53:[A-Z]{2}-\d+(\(\d+\))?|SOC2:(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)|SLSA:build-L[123]|OWASP-CICD:CICD-SEC-([1-9]|10)|CIS-SSCS:[1-5](\.\d+){1,2})$/;

/**
 * A rule that reads the wall clock: its decisions could not be replayed (it should compare
 * with input.request.time_ns). It calls nothing else outside the capabilities.
 */
const CLOCK_RULE = `# METADATA
# description: Reads the wall clock, which a deployment rule must never do.
package firewall.rules.clock.change_window

deny contains "the change window has closed" if {
	time.now_ns() > time.parse_rfc3339_ns(input.evidence.change_ticket.window.end)
}
`;

/** A rule that calls out over the network: neither pure nor available to Wasm. */
const NETWORK_RULE = `# METADATA
# description: Asks a live service, which a deployment rule must never do.
package firewall.rules.network.live_lookup

deny contains "the change is not approved upstream" if {
	response := http.send({"method": "GET", "url": "https://change.example.com/approved"})
	response.status_code != 200
}
`;

interface Annotation {
  annotations: { scope: string; title?: string; description?: string; custom?: Record<string, unknown> };
  path: Array<{ type: string; value: string }>;
  location?: { file?: string };
}

interface Inspection {
  manifest?: { wasm?: Array<{ entrypoint: string; module: string }> };
  namespaces?: Record<string, string[]>;
  annotations?: Annotation[];
}

interface Capabilities {
  builtins: Array<{ name: string; relation?: boolean; deprecated?: boolean; decl: { args?: unknown[] } }>;
  features?: string[];
  wasm_abi_versions?: unknown[];
}

interface Context {
  dir: string;
  bundle: string;
  signed: string;
  inspection: Inspection;
  /** Per test case: a fresh copy of rego/ to add a rule to. */
  copies: Record<'pristine' | 'clock' | 'network', string>;
  /** The builtins OPA's Wasm compiler leaves to the host when a policy calls every capability. */
  probeHostBuiltins: string[];
  /** The builtins the firewall policy's Wasm module asks the host for. */
  policyHostBuiltins: string[];
}

/** Runs opa in `cwd`. `output` is both streams: `opa build` prints its errors on stdout. */
function opa(args: string[], cwd = ROOT): { status: number; stdout: string; output: string } {
  const r = spawnSync(opaPath(), args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', output: `${r.stdout ?? ''}${r.output ?? ''}` };
}

function mustOpa(args: string[], cwd = ROOT): string {
  const r = opa(args, cwd);
  if (r.status !== 0) throw new Error(`opa ${args.join(' ')} failed (exit ${r.status}):\n${r.output}`);
  return r.stdout;
}

async function readTarGz(file: string): Promise<Map<string, Uint8Array>> {
  const entries = await unpackTar(gunzipSync(readFileSync(file)));
  return new Map(entries.filter((e) => e.data).map((e) => [e.header.name.replace(/^\/+/, ''), e.data!]));
}

/** Rewrites a bundle archive, changing one file (or none), keeping every other entry as is. */
async function repackTarGz(from: string, to: string, change?: { name: string; edit: (text: string) => string }): Promise<void> {
  const entries = await unpackTar(gunzipSync(readFileSync(from)));
  const rewritten = entries.map((e) => {
    if (!change || e.header.name.replace(/^\/+/, '') !== change.name || !e.data) return { header: e.header, body: e.data };
    const body = new TextEncoder().encode(change.edit(new TextDecoder().decode(e.data)));
    return { header: { ...e.header, size: body.byteLength }, body };
  });
  writeFileSync(to, gzipSync(await packTar(rewritten)));
}

/**
 * The names a compiled policy imports from the host: OPA's Wasm modules export
 * `builtins()`, a JSON object of builtin name to import id (the same call the npm SDK makes
 * when it loads a policy). No builtin is called, so the imports can all be stubs.
 */
async function wasmHostBuiltins(wasm: Uint8Array): Promise<string[]> {
  const memory = new WebAssembly.Memory({ initial: 5 });
  const refuse = (name: string) => () => {
    throw new Error(`${name} called while listing builtins`);
  };
  const env: Record<string, unknown> = { memory, opa_abort: refuse('opa_abort'), opa_println: refuse('opa_println') };
  for (let i = 0; i <= 4; i++) env[`opa_builtin${i}`] = refuse(`opa_builtin${i}`);
  const module = await WebAssembly.compile(new Uint8Array(wasm));
  const instance = await WebAssembly.instantiate(module, { env: env as WebAssembly.ModuleImports });
  const exports = instance.exports as { builtins(): number; opa_json_dump(addr: number): number };
  const at = exports.opa_json_dump(exports.builtins());
  const bytes = new Uint8Array(memory.buffer, at);
  return Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0))))).sort();
}

/**
 * A policy that calls every builtin of wasm/capabilities.json on input values. Its
 * capabilities give every builtin untyped arguments and drop the deprecation marks, so
 * that the type checker lets each call through and the Wasm compiler decides, for each one,
 * whether it compiles it natively or imports it from the host.
 */
function writeProbe(dir: string, capabilities: Capabilities): { capabilities: string; bundleDir: string } {
  const untyped = {
    ...capabilities,
    builtins: capabilities.builtins.map(({ deprecated: _deprecated, ...b }) => ({
      ...b,
      decl: { type: 'function', args: (b.decl.args ?? []).map(() => ({ type: 'any' })), result: { type: 'any' } },
    })),
  };
  const rules = capabilities.builtins.map((b) => {
    const args = (b.decl.args ?? []).map((_, i) => `input.a${i}`);
    const name = JSON.stringify(b.name);
    // = and := unify or bind rather than return a value; relations bind their last argument.
    if (b.name === 'eq') return `calls contains [${name}, true] if eq(${args.join(', ')})`;
    if (b.name === 'assign') return `calls contains [${name}, x] if assign(x, input.a1)`;
    if (b.relation) return `calls contains [${name}, out] if ${b.name}(${[...args, 'out'].join(', ')})`;
    return `calls contains [${name}, out] if out := ${b.name}(${args.join(', ')})`;
  });
  const bundleDir = join(dir, 'probe');
  mkdirSync(join(bundleDir, 'probe'), { recursive: true });
  writeFileSync(join(bundleDir, 'probe/probe.rego'), `package probe\n\n${rules.join('\n\n')}\n`);
  const capabilitiesFile = join(dir, 'probe-capabilities.json');
  writeFileSync(capabilitiesFile, JSON.stringify(untyped));
  return { capabilities: capabilitiesFile, bundleDir };
}

function sdkBuiltins(): string[] {
  const require = createRequire(join(ROOT, 'package.json'));
  // The package's exports block deep imports: resolve its directory from the main entry.
  const sdkDir = dirname(require.resolve('@open-policy-agent/opa-wasm'));
  return Object.keys(require(join(sdkDir, 'builtins/index.js')) as object).sort();
}

function readCapabilities(): Capabilities {
  return JSON.parse(readFileSync(CAPABILITIES, 'utf8')) as Capabilities;
}

/** Fails naming what is missing from and what is extra in `actual`. */
function assertSameNames(actual: readonly string[], expected: readonly string[], what: string): void {
  const missing = expected.filter((n) => !actual.includes(n));
  const extra = actual.filter((n) => !expected.includes(n));
  assert.ok(
    missing.length === 0 && extra.length === 0,
    `${what}: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`,
  );
}

function ruleAnnotations(inspection: Inspection): Annotation[] {
  return (inspection.annotations ?? []).filter((a) => a.annotations.scope === 'rule' && a.annotations.custom?.id !== undefined);
}

const RulePack = suite<Context>('rule pack', {} as Context);

RulePack.before(async (context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'dfw-rule-pack-'));
  context.bundle = join(context.dir, 'firewall.tar.gz');
  context.signed = join(context.dir, 'firewall-signed.tar.gz');
  mustOpa([...WASM_BUILD, '-o', context.bundle, '--bundle', 'rego']);
  mustOpa([...WASM_BUILD, '--signing-key', join(KEYS, 'test-only-signing.key.pem'), '-o', context.signed, '--bundle', 'rego']);
  context.inspection = JSON.parse(mustOpa(['inspect', '-a', '--format', 'json', context.bundle])) as Inspection;

  context.copies = { pristine: '', clock: '', network: '' };
  for (const name of ['pristine', 'clock', 'network'] as const) {
    const copy = join(context.dir, name);
    cpSync(join(ROOT, 'rego'), join(copy, 'rego'), { recursive: true });
    context.copies[name] = copy;
  }

  const probe = writeProbe(context.dir, readCapabilities());
  const probeBundle = join(context.dir, 'probe.tar.gz');
  mustOpa(['build', '-t', 'wasm', '-e', 'probe/calls', '--capabilities', probe.capabilities, '-o', probeBundle, '--bundle', probe.bundleDir]);
  context.probeHostBuiltins = await wasmHostBuiltins((await readTarGz(probeBundle)).get('policy.wasm')!);
  context.policyHostBuiltins = await wasmHostBuiltins((await readTarGz(context.bundle)).get('policy.wasm')!);
});

RulePack.after((context) => {
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
});

RulePack('opa inspect shows the Wasm bundle with the one entrypoint firewall/decision', ({ inspection }) => {
  assert.equal(inspection.manifest?.wasm?.map((w) => w.entrypoint), [ENTRYPOINT]);
  assert.ok(inspection.namespaces?.['data.firewall.decision'], 'no namespace data.firewall.decision');
});

RulePack("opa inspect -a lists the pack's rules' annotations with their severities and categories", ({ inspection }) => {
  const found = Object.fromEntries(
    ruleAnnotations(inspection).map((a) => [
      String(a.annotations.custom!.id),
      { severity: String(a.annotations.custom!.severity), category: String(a.annotations.custom!.category) },
    ]),
  );
  for (const [id, expected] of Object.entries(EXPECTED_RULES)) {
    assert.equal(found[id], expected, `${id} in opa inspect -a`);
  }
});

RulePack('every annotated rule has a title, description and remediation, and lives in its category', ({ inspection }) => {
  const annotated = ruleAnnotations(inspection);
  const ids = annotated.map((a) => String(a.annotations.custom!.id));
  assert.equal(new Set(ids).size, ids.length, `rule ids are not unique: ${ids.join(', ')}`);
  for (const a of annotated) {
    const { id, category, remediation } = a.annotations.custom!;
    for (const [field, value] of Object.entries({ title: a.annotations.title, description: a.annotations.description, remediation })) {
      assert.ok(typeof value === 'string' && value.trim().length > 0, `${id} has no ${field}`);
    }
    // data.firewall.rules.<category>.<rule>.deny (DESIGN.md: one rule per file, by category).
    const path = a.path.map((t) => t.value);
    assert.equal(path.slice(0, 3), ['data', 'firewall', 'rules'], `${id} is not under data.firewall.rules`);
    assert.equal(path[3], category, `${id}'s package is not in its category`);
    assert.equal(path[5], 'deny', `${id}'s METADATA is not on deny`);
  }
  const rulePackages = Object.keys(inspection.namespaces ?? {}).filter((ns) => ns.startsWith('data.firewall.rules.'));
  const annotatedPackages = annotated.map((a) => a.path.slice(0, 5).map((t) => t.value).join('.'));
  assertSameNames(annotatedPackages, rulePackages, 'rule packages with an annotated deny');
});

RulePack('every rule maps to compliance controls, each cited in its description', ({ inspection }) => {
  const annotated = ruleAnnotations(inspection);
  assert.ok(annotated.length >= 30, `the pack has ${annotated.length} rules; issue 16 asks for at least 30`);
  const uncited: string[] = [];
  for (const a of annotated) {
    const { id, controls } = a.annotations.custom!;
    assert.ok(Array.isArray(controls) && controls.length > 0, `${id} has no custom.controls`);
    for (const control of controls as unknown[]) {
      assert.ok(typeof control === 'string' && CONTROL.test(control), `${id}: ${JSON.stringify(control)} is not FRAMEWORK:control`);
    }
    // The description says why each control applies: it names every control it claims.
    const description = a.annotations.description ?? '';
    for (const control of controls as string[]) {
      const [framework, name] = control.split(':') as [string, string];
      if (!description.includes(framework === 'SLSA' ? 'SLSA' : name)) uncited.push(`${id} ${control}`);
    }
  }
  assert.equal(uncited, [], `descriptions that do not cite the controls their rule claims: ${uncited.join(', ')}`);
});

RulePack('a bundle built with --signing-key carries .signatures.json with one JWT', async ({ signed, bundle }) => {
  const files = await readTarGz(signed);
  const signatures = JSON.parse(new TextDecoder().decode(files.get('.signatures.json'))) as { signatures: string[] };
  assert.is(signatures.signatures.length, 1);
  assert.is(signatures.signatures[0]!.split('.').length, 3, 'not a compact JWS');
  assert.not.ok((await readTarGz(bundle)).has('.signatures.json'), 'the unsigned bundle has signatures');
});

RulePack('OPA accepts the signed bundle with the matching public key', ({ dir, signed }) => {
  const r = opa(['build', '-b', signed, '--verification-key', join(KEYS, 'test-only-signing.pub.pem'), '-o', join(dir, 'verified.tar.gz')]);
  assert.is(r.status, 0, r.output);
});

RulePack("OPA rejects the signed bundle with another key's public key", ({ dir, signed }) => {
  const r = opa(['build', '-b', signed, '--verification-key', join(KEYS, 'test-only-other.pub.pem'), '-o', join(dir, 'other.tar.gz')]);
  assert.is.not(r.status, 0, 'verification with the wrong key succeeded');
  assert.match(r.output, /failed to verify JWT signature/);
});

RulePack('OPA rejects an unsigned bundle when a verification key is given', ({ dir, bundle }) => {
  const r = opa(['build', '-b', bundle, '--verification-key', join(KEYS, 'test-only-signing.pub.pem'), '-o', join(dir, 'unsigned.tar.gz')]);
  assert.is.not(r.status, 0, 'an unsigned bundle verified');
  assert.match(r.output, /missing \.signatures\.json/);
});

RulePack('OPA rejects a signed bundle whose data.json changed after signing', async ({ dir, signed }) => {
  const key = join(KEYS, 'test-only-signing.pub.pem');
  // Control: repacking alone keeps the bundle valid, so a rejection below is the edit's.
  const repacked = join(dir, 'repacked.tar.gz');
  await repackTarGz(signed, repacked);
  const control = opa(['build', '-b', repacked, '--verification-key', key, '-o', join(dir, 'repacked-out.tar.gz')]);
  assert.is(control.status, 0, `the repacked, unchanged bundle failed to verify: ${control.output}`);

  const tampered = join(dir, 'tampered.tar.gz');
  // What an attacker on the way would want: production blocks nothing.
  const edit = (text: string) => {
    const data = JSON.parse(text) as { firewall: { config: { environments: Record<string, { blocking: string[] }> } } };
    data.firewall.config.environments.production!.blocking = [];
    return JSON.stringify(data);
  };
  await repackTarGz(signed, tampered, { name: 'data.json', edit });
  const r = opa(['build', '-b', tampered, '--verification-key', key, '-o', join(dir, 'tampered-out.tar.gz')]);
  assert.is.not(r.status, 0, 'a tampered bundle verified');
  assert.match(r.output, /data\.json: digest mismatch/);
});

RulePack('the unmodified rule pack builds with wasm/capabilities.json (control)', ({ copies, dir }) => {
  const r = opa([...WASM_BUILD, '-o', join(dir, 'pristine.tar.gz'), '--bundle', 'rego'], copies.pristine);
  assert.is(r.status, 0, r.output);
});

RulePack('a rule that calls time.now_ns() does not build with wasm/capabilities.json', ({ copies, dir }) => {
  const file = join(copies.clock, 'rego/firewall/rules/clock/change_window.rego');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, CLOCK_RULE);
  const r = opa([...WASM_BUILD, '-o', join(dir, 'clock.tar.gz'), '--bundle', 'rego'], copies.clock);
  assert.is.not(r.status, 0, 'a rule calling time.now_ns() built');
  assert.match(r.output, 'undefined function time.now_ns');
  assert.match(r.output, 'rules/clock/change_window.rego');
});

RulePack('a rule that calls http.send does not build with wasm/capabilities.json', ({ copies, dir }) => {
  const file = join(copies.network, 'rego/firewall/rules/network/live_lookup.rego');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, NETWORK_RULE);
  const r = opa([...WASM_BUILD, '-o', join(dir, 'network.tar.gz'), '--bundle', 'rego'], copies.network);
  assert.is.not(r.status, 0, 'a rule calling http.send built');
  assert.match(r.output, 'undefined function http.send');
  assert.match(r.output, 'rules/network/live_lookup.rego');
});

RulePack('wasm/capabilities.json leaves out time.now_ns and http.send, enables rego_v1 and names a Wasm ABI', () => {
  const capabilities = readCapabilities();
  const names = capabilities.builtins.map((b) => b.name);
  for (const impure of ['time.now_ns', 'http.send']) assert.not.ok(names.includes(impure), `${impure} is in wasm/capabilities.json`);
  assert.ok(capabilities.features?.includes('rego_v1'), 'features lack rego_v1: opa build refuses Rego v1 without it');
  assert.ok((capabilities.wasm_abi_versions ?? []).length > 0, 'wasm_abi_versions is empty');
});

RulePack('every builtin in wasm/capabilities.json is native to the Wasm compiler or supplied by the SDK or dfw', ({ probeHostBuiltins }) => {
  const supplied = new Set([...sdkBuiltins(), ...Object.keys(HOST_BUILTINS)]);
  const unsupplied = probeHostBuiltins.filter((name) => !supplied.has(name));
  assert.equal(unsupplied, [], `capabilities allow builtins that OPA's Wasm compiler leaves to the host and nobody supplies: ${unsupplied.join(', ')}`);
});

RulePack('wasm/host-builtins.json lists exactly the host builtins the SDK and dfw supply', ({ probeHostBuiltins }) => {
  const hostBuiltins = JSON.parse(readFileSync(join(ROOT, 'wasm/host-builtins.json'), 'utf8')) as { sdk: string[]; dfw: string[] };
  const sdk = sdkBuiltins();
  const dfw = Object.keys(HOST_BUILTINS).sort();
  // SDK builtins the Wasm compiler implements natively (json.is_valid) are not host builtins.
  assertSameNames(hostBuiltins.sdk, sdk.filter((name) => probeHostBuiltins.includes(name)), 'host-builtins.json "sdk" vs the SDK builtins the Wasm compiler imports');
  assertSameNames(hostBuiltins.dfw, dfw, 'host-builtins.json "dfw" vs HOST_BUILTINS');
  const neverCalled = dfw.filter((name) => !probeHostBuiltins.includes(name));
  assert.equal(neverCalled, [], `HOST_BUILTINS the Wasm policy never imports (native or not in capabilities): ${neverCalled.join(', ')}`);
  // The SDK's implementation wins over a custom one of the same name (DESIGN.md).
  const shadowed = dfw.filter((name) => sdk.includes(name));
  assert.equal(shadowed, [], `HOST_BUILTINS that the SDK's own would shadow: ${shadowed.join(', ')}`);
});

RulePack('the firewall policy imports only builtins that the SDK or dfw supply', ({ policyHostBuiltins }) => {
  const supplied = new Set([...sdkBuiltins(), ...Object.keys(HOST_BUILTINS)]);
  const unsupplied = policyHostBuiltins.filter((name) => !supplied.has(name));
  assert.equal(unsupplied, [], `policy.wasm imports builtins nobody supplies: ${unsupplied.join(', ')}`);
});

RulePack('the README rule catalog is current (make catalog)', () => {
  const readme = join(ROOT, 'README.md');
  assert.ok(existsSync(readme), 'README.md does not exist yet: write it with the rule-catalog markers, then run "make catalog"');
  const section = catalogSection(readFileSync(readme, 'utf8'));
  assert.ok(section !== undefined, `README.md lacks ${CATALOG_START} … ${CATALOG_END}: add them, then run "make catalog"`);
  assert.fixture(section!, renderRuleCatalog(), 'README.md rule catalog is stale: run "make catalog"');
});

RulePack.run();
