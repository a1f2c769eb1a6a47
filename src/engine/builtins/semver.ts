// semver.is_valid and semver.compare, ported from OPA v1.22.3 (internal/semver, topdown/semver.go).

const MAX_INT64 = 2n ** 63n - 1n;

// OPA's reMetaIdentifier, for both pre-release and build metadata. Go's `$` without the
// m flag is end of text, as in JavaScript, so a trailing newline is refused by both.
const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const DECIMALS = /^[0-9]+$/;

/** A version as OPA parses it; build metadata is validated but never compared. */
interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  preRelease: string;
}

/** Rego `semver.is_valid(x)`: false, never undefined, for anything that is not a valid string. */
export function semverIsValid(value: unknown): unknown {
  return typeof value === 'string' && parseVersion(value) !== undefined;
}

/**
 * Rego `semver.compare(a, b)`: -1, 0 or 1; undefined when either operand is not a string
 * or not a valid version (OPA's builtin errors).
 */
export function semverCompare(a: unknown, b: unknown): unknown {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const versionA = parseVersion(a);
  const versionB = parseVersion(b);
  if (versionA === undefined || versionB === undefined) return undefined;
  return compareVersions(versionA, versionB);
}

/**
 * OPA's semver.Parse, step by step, because its order is observable:
 * - one leading lower-case "v" is dropped ("v1.2.3" is valid, "V1.2.3" and "vv1.2.3" are not);
 * - build metadata is everything after the FIRST "+", pre-release everything after the
 *   first "-" before it, so "1.2.3+b-1" has metadata "b-1" and no pre-release;
 * - neither may be empty or hold an empty identifier; numeric pre-release identifiers
 *   may not have leading zeros, metadata identifiers may;
 * - major, minor and patch are decimal digits only (no sign, no whitespace), without a
 *   leading zero, and must fit in an int64 (strconv.ParseInt).
 */
function parseVersion(text: string): Version | undefined {
  let rest = text.startsWith('v') ? text.slice(1) : text;

  const plus = rest.indexOf('+');
  if (plus >= 0) {
    if (!IDENTIFIERS.test(rest.slice(plus + 1))) return undefined;
    rest = rest.slice(0, plus);
  }

  let preRelease = '';
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    preRelease = rest.slice(dash + 1);
    if (!IDENTIFIERS.test(preRelease) || !hasNoLeadingZeroNumbers(preRelease)) return undefined;
    rest = rest.slice(0, dash);
  }

  const parts = rest.split('.');
  if (parts.length !== 3) return undefined;
  const [major, minor, patch] = parts.map(parseNumeric);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, preRelease };
}

function parseNumeric(text: string): bigint | undefined {
  if (!DECIMALS.test(text) || (text.length > 1 && text[0] === '0')) return undefined;
  const n = BigInt(text);
  return n > MAX_INT64 ? undefined : n;
}

function hasNoLeadingZeroNumbers(preRelease: string): boolean {
  return preRelease.split('.').every((id) => !(id.length > 1 && id[0] === '0' && DECIMALS.test(id)));
}

/**
 * OPA's Version.Compare (SemVer 2.0.0 §11) with two quirks kept:
 * - numeric pre-release identifiers are read with strconv.Atoi, which clamps values
 *   beyond int64 to 9223372036854775807, so all such identifiers rank equal;
 * - when that makes every identifier of two different pre-releases of the same length
 *   rank equal, OPA's loop never ends (the evaluation hangs); there is no value to match,
 *   so this returns undefined, as for any builtin that produces no result.
 */
function compareVersions(a: Version, b: Version): -1 | 0 | 1 | undefined {
  const core = compareBigInt(a.major, b.major) || compareBigInt(a.minor, b.minor) || compareBigInt(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.preRelease === b.preRelease) return 0;
  // A version without a pre-release ranks above the same version with one.
  if (a.preRelease === '') return 1;
  if (b.preRelease === '') return -1;

  const idsA = a.preRelease.split('.');
  const idsB = b.preRelease.split('.');
  for (let i = 0; ; i += 1) {
    const idA = idsA[i];
    const idB = idsB[i];
    if (idA === undefined && idB === undefined) return undefined;
    // A longer list of otherwise equal identifiers ranks higher.
    if (idA === undefined) return -1;
    if (idB === undefined) return 1;

    const numericA = DECIMALS.test(idA);
    const numericB = DECIMALS.test(idB);
    // Numeric identifiers rank below alphanumeric ones.
    if (numericA !== numericB) return numericA ? -1 : 1;
    const order = numericA
      ? compareBigInt(clampToInt64(BigInt(idA)), clampToInt64(BigInt(idB)))
      : compareAscii(idA, idB);
    if (order !== 0) return order;
  }
}

function clampToInt64(n: bigint): bigint {
  return n > MAX_INT64 ? MAX_INT64 : n;
}

function compareBigInt(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's byte-wise string order; identifiers are ASCII, so UTF-16 order is the same. */
function compareAscii(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}
