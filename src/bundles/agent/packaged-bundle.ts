// The bundle dfw ships: `npm pack` puts the built-in pack's compiled bundle inside the
// package, so an installed dfw decides from any folder. A checkout's own
// bundles/firewall.tar.gz (make bundle) still comes first when the command runs there.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The default, relative to the working directory (a checkout after `make bundle`). */
export const CHECKOUT_BUNDLE_PATH = 'bundles/firewall.tar.gz';

let root: string | undefined;

/** The folder of dfw's own package.json: the checkout, or node_modules/dfw when installed. */
export function dfwPackageRoot(): string {
  if (root) return root;
  // src/… under tsx, dist/src/… when compiled: walk up rather than count folders.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dfw') return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`dfw cannot find its own package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The compiled built-in pack inside the package. */
export function packagedBundlePath(): string {
  return join(dfwPackageRoot(), CHECKOUT_BUNDLE_PATH);
}

/** bundles/firewall.tar.gz when the working directory has one, else the packaged bundle. */
export function defaultBundlePath(cwd: string = process.cwd()): string {
  if (existsSync(resolve(cwd, CHECKOUT_BUNDLE_PATH))) return CHECKOUT_BUNDLE_PATH;
  const packaged = packagedBundlePath();
  return existsSync(packaged) ? packaged : CHECKOUT_BUNDLE_PATH;
}
