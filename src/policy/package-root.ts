// Where dfw itself is installed: the built-in rule pack (rego/), the capabilities file, the
// input schema, the compiled bundle and the init templates travel inside the npm package,
// so every path is found from this file, never from the working directory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding dfw's package.json (the checkout, or node_modules/dfw when installed). */
export function dfwRoot(): string {
  if (cached) return cached;
  // src/policy/ under tsx, dist/src/policy/ when compiled: walk up to dfw's package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dfw') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('dfw cannot find its own package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** dfw's version, which is also the version of the built-in rule pack it ships. */
export function dfwVersion(): string {
  return (JSON.parse(readFileSync(join(dfwRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export interface BuiltinPack {
  version: string;
  /** rego/ — firewall/decision.rego, firewall/lib, firewall/rules/<category>/<rule>.rego. */
  regoDir: string;
  /** The built-in enforcement data (rego/firewall/config/data.yaml). */
  dataFile: string;
  capabilities: string;
  inputSchema: string;
}

export function builtinPack(): BuiltinPack {
  const root = dfwRoot();
  return {
    version: dfwVersion(),
    regoDir: join(root, 'rego'),
    dataFile: join(root, 'rego', 'firewall', 'config', 'data.yaml'),
    capabilities: join(root, 'wasm', 'capabilities.json'),
    inputSchema: join(root, 'docs', 'input.schema.json'),
  };
}

/** The bundle `make bundle` (or the package's prepack) compiled from the built-in pack. */
export function packagedBundlePath(): string {
  return join(dfwRoot(), 'bundles', 'firewall.tar.gz');
}
