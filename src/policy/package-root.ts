// Where dfw itself is installed: the built-in rule pack (rego/), the capabilities file, the
// input schema, the compiled bundle and the init templates travel inside the npm package,
// so every path is found from this file, never from the working directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dfwPackageRoot, packagedBundlePath } from '../bundles/agent/packaged-bundle.js';

export { packagedBundlePath };

/** The folder holding dfw's package.json (the checkout, or node_modules/dfw when installed). */
export const dfwRoot = dfwPackageRoot;

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
