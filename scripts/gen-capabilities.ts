// Generates wasm/capabilities.json and wasm/host-builtins.json from the pinned OPA.
//
// capabilities.json lists exactly what a rule may call: the builtins OPA's Wasm compiler
// implements natively, plus those the host supplies (the npm SDK's and dfw's own), plus the
// rego.metadata.* calls the compiler rewrites into literals. With it, `opa build -t wasm`
// refuses a rule that an evaluator could not run. Usage:
//   node --import tsx scripts/gen-capabilities.ts <path-to-opa> <opa-version>
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HOST_BUILTINS } from '../src/engine/builtins/index.js';

const ROOT = new URL('../', import.meta.url).pathname;
const [opa = join(ROOT, '.tools/bin/opa'), version = 'v1.22.3'] = process.argv.slice(2);

/** Never allowed: decisions are pure functions of input and bundle (DESIGN.md). */
const FORBIDDEN = new Set(['time.now_ns', 'http.send', 'net.lookup_ip_addr', 'opa.runtime', 'rand.intn', 'uuid.rfc4122']);

/** Rewritten into literals at compile time, so no implementation is needed anywhere. */
const COMPILE_TIME = ['rego.metadata.rule', 'rego.metadata.chain'];

interface Capabilities {
  builtins: Array<{ name: string }>;
  features?: string[];
  future_keywords?: string[];
  wasm_abi_versions?: Array<{ version: number; minor_version: number }>;
}

function opaCapabilities(): Capabilities {
  return JSON.parse(execFileSync(opa, ['capabilities', '--version', version], { encoding: 'utf8' }));
}

/** The OPA module's source for the pinned version, fetched through the Go module proxy. */
function opaSourceDir(): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `github.com/open-policy-agent/opa@${version}`], {
    encoding: 'utf8',
    cwd: '/',
  });
  return JSON.parse(out).Dir as string;
}

/**
 * The builtins OPA's Wasm compiler implements natively: the keys of builtinsFunctions in
 * internal/compiler/wasm/wasm.go (Go identifiers such as ast.Plus), mapped to their Rego
 * names through the declarations in v1/ast/builtins.go. eq and assign are compiled out by
 * the planner (IsWasmEnabled in the same file).
 */
function wasmNativeBuiltins(src: string): Set<string> {
  const wasmGo = readFileSync(join(src, 'internal/compiler/wasm/wasm.go'), 'utf8');
  const table = wasmGo.slice(wasmGo.indexOf('var builtinsFunctions'), wasmGo.indexOf('var builtinsUsingRE2'));
  const identifiers = [...table.matchAll(/ast\.(\w+)\.Name:/g)].map((m) => m[1]!);
  const builtinsGo = readFileSync(join(src, 'v1/ast/builtins.go'), 'utf8');
  const names = new Map<string, string>();
  for (const m of builtinsGo.matchAll(/^var (\w+) = &Builtin\{\s*Name:\s*"([^"]+)"/gm)) names.set(m[1]!, m[2]!);
  const native = new Set(['eq', 'assign']);
  for (const id of identifiers) {
    const name = names.get(id);
    if (!name) throw new Error(`wasm.go names ast.${id}, which v1/ast/builtins.go does not declare`);
    native.add(name);
  }
  if (native.size < 90) throw new Error(`found only ${native.size} native builtins: the source layout changed`);
  return native;
}

function sdkBuiltins(): string[] {
  const require = createRequire(join(ROOT, 'package.json'));
  const sdkDir = dirname(require.resolve('@open-policy-agent/opa-wasm'));
  return Object.keys(require(join(sdkDir, 'builtins/index.js')) as object).sort();
}

const capabilities = opaCapabilities();
const native = wasmNativeBuiltins(opaSourceDir());
const sdk = sdkBuiltins();
const dfw = Object.keys(HOST_BUILTINS).sort();
const allowed = new Set([...native, ...sdk, ...dfw, ...COMPILE_TIME]);

for (const name of allowed) {
  if (FORBIDDEN.has(name)) throw new Error(`${name} must never be callable from a rule`);
}
const known = new Set(capabilities.builtins.map((b) => b.name));
for (const name of allowed) {
  if (!known.has(name)) throw new Error(`${name} is not a builtin of OPA ${version}`);
}

const out: Capabilities = {
  builtins: capabilities.builtins.filter((b) => allowed.has(b.name)),
  features: capabilities.features,
  future_keywords: capabilities.future_keywords,
  wasm_abi_versions: capabilities.wasm_abi_versions,
};
if (!out.features?.includes('rego_v1')) throw new Error(`OPA ${version} capabilities lack the rego_v1 feature`);
if (!out.wasm_abi_versions?.length) throw new Error(`OPA ${version} capabilities list no Wasm ABI version`);

writeFileSync(join(ROOT, 'wasm/capabilities.json'), JSON.stringify(out, null, 2) + '\n');
const hostOnly = (names: string[]) => names.filter((n) => !native.has(n));
writeFileSync(
  join(ROOT, 'wasm/host-builtins.json'),
  JSON.stringify({ opa_version: version, sdk: hostOnly(sdk), dfw: hostOnly(dfw) }, null, 2) + '\n',
);
console.log(
  `wasm/capabilities.json: ${out.builtins.length} builtins (${native.size} native, ` +
    `${hostOnly(sdk).length} from the SDK, ${hostOnly(dfw).length} from dfw) for OPA ${version}`,
);
