// Host builtins: the functions wasm/capabilities.json promises that neither OPA's Wasm
// compiler nor the npm SDK implements. Web-standard code only (engine rule).
import { parseRfc3339Ns } from './time.js';
import { semverCompare, semverIsValid } from './semver.js';
import type { HostBuiltin } from './types.js';

export type { HostBuiltin } from './types.js';

/** Every builtin dfw supplies to the policy, by its Rego name. */
export const HOST_BUILTINS: Readonly<Record<string, HostBuiltin>> = Object.freeze({
  'time.parse_rfc3339_ns': parseRfc3339Ns,
  'semver.compare': semverCompare,
  'semver.is_valid': semverIsValid,
});
