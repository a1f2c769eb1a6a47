// Loads a bundle from bytes: archive, manifest, signature, policy.wasm and data.json. The
// result is verified and ready for createEvaluator; nothing here touches files or HTTP.
import { BundleError, SignatureError } from '../errors.js';
import { DEFAULT_ARCHIVE_LIMITS, readArchive, type ArchiveFiles, type ArchiveLimits } from './archive.js';
import { canonicalJson } from './canonical-json.js';
import { SIGNATURES_FILE, verifyBundleSignature, type VerificationConfig } from './signature.js';

export interface WasmResolver {
  entrypoint: string;
  module: string;
}

/** The bundle's .manifest (OPA bundle format). */
export interface Manifest {
  revision: string;
  roots: string[];
  wasm: WasmResolver[];
  rego_version?: number;
  metadata?: Record<string, unknown>;
}

export interface Bundle {
  name: string;
  manifest: Manifest;
  /** The Wasm module of the entrypoint. */
  wasm: Uint8Array;
  /** data.json, parsed. */
  data: Record<string, unknown>;
  /**
   * data.json as canonical JSON text: handed to the Wasm policy as-is, so numbers keep
   * every digit (JSON.parse would round 12345678901234567890).
   */
  dataJson: string;
  /** Every file, for catalog extraction and re-serving. */
  files: ArchiveFiles;
  /** Key id that verified the signature, or null for an unsigned bundle. */
  signedBy: string | null;
}

export interface LoadBundleOptions {
  name?: string;
  /** Trusted keys. When given, a signature is required. */
  verification?: VerificationConfig;
  /** The entrypoint the evaluator will call; the manifest must map it to a module. */
  entrypoint?: string;
  limits?: ArchiveLimits;
}

export const DEFAULT_ENTRYPOINT = 'firewall/decision';
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
/**
 * Deepest nesting dfw loads in data.json and .manifest. OPA (Go) accepts 10,000 levels, but
 * whatever later walks the data recursively (JSON.stringify when it is served or logged,
 * the catalog) would overflow the call stack long before that; real bundle data nests a
 * handful of levels.
 */
export const MAX_BUNDLE_DATA_DEPTH = 256;

/**
 * Parses a structured file from its canonical text, the very text its signature hash
 * covers (signature.ts): where JSON.parse and Go's decoder differ (a lone surrogate stays
 * one in JavaScript but becomes U+FFFD in Go), the data the policy sees is still exactly
 * the data that was signed.
 */
function parseJsonFile(files: ArchiveFiles, name: string): unknown {
  const text = canonicalFileText(files, name);
  return text === undefined ? undefined : JSON.parse(text);
}

function canonicalFileText(files: ArchiveFiles, name: string): string | undefined {
  const bytes = files.get(name);
  if (!bytes) return undefined;
  try {
    return canonicalJson(strictDecoder.decode(bytes), MAX_BUNDLE_DATA_DEPTH);
  } catch (err) {
    const message = (err as Error).message;
    if (message.startsWith('exceeded max depth')) {
      throw new BundleError('bundle_data_too_deep', `${name} nests deeper than dfw loads: ${message}`, { cause: err });
    }
    const problem = err instanceof TypeError ? 'is not valid UTF-8' : `is not valid JSON: ${message}`;
    throw new BundleError('bundle_file_malformed', `${name} ${problem}`, { cause: err });
  }
}

/**
 * opa build merges all data into the root data.json. Any other data file would be data
 * that OPA loads (at its directory's path) and this loader would silently leave out, so
 * the policy would decide on less than the bundle says: refuse it instead.
 */
function refuseOtherDataFiles(files: ArchiveFiles): void {
  for (const name of files.keys()) {
    const base = name.slice(name.lastIndexOf('/') + 1);
    if ((base === 'data.json' && name !== 'data.json') || base === 'data.yaml' || base === 'data.yml') {
      throw new BundleError('bundle_data_unsupported', `bundle has data file ${name}; only a root data.json is read (build the bundle with opa build, which merges all data into it)`);
    }
  }
}

function readManifest(files: ArchiveFiles): Manifest {
  const raw = parseJsonFile(files, '.manifest');
  if (raw === undefined) throw new BundleError('bundle_manifest_missing', 'bundle has no .manifest (build it with opa build)');
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BundleError('bundle_manifest_invalid', '.manifest is not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.revision !== undefined && typeof m.revision !== 'string') throw new BundleError('bundle_manifest_invalid', '.manifest: revision must be a string');
  // Every decision names the revision it was made with, and the decision log refuses a
  // record without one: a bundle without a revision would load, report ready, and then fail
  // every check at its record. Refused here, it never becomes active; a publish or an edge
  // update of it is refused and the bundle before it keeps deciding.
  if (typeof m.revision !== 'string' || m.revision.trim() === '') {
    throw new BundleError(
      'bundle_revision_missing',
      '.manifest has no revision, and every decision must name the bundle revision it was made with: build the bundle with opa build --revision <revision> (make bundle and dfw policy build set one)',
    );
  }
  if (m.roots !== undefined && !(Array.isArray(m.roots) && m.roots.every((r) => typeof r === 'string'))) {
    throw new BundleError('bundle_manifest_invalid', '.manifest: roots must be an array of strings');
  }
  const wasm = m.wasm ?? [];
  if (!Array.isArray(wasm) || !wasm.every((w) => w && typeof w.entrypoint === 'string' && typeof w.module === 'string')) {
    throw new BundleError('bundle_manifest_invalid', '.manifest: wasm must be an array of {entrypoint, module}');
  }
  return {
    ...(m as object),
    revision: m.revision,
    roots: (m.roots as string[] | undefined) ?? [''],
    wasm: wasm as WasmResolver[],
  };
}

/**
 * Checks the signature when the bundle has one, and requires one when keys are configured.
 * Returns the key id that verified it, or null for an unsigned bundle.
 */
export async function verifySignedFiles(files: ArchiveFiles, verification?: VerificationConfig): Promise<string | null> {
  if (files.has(SIGNATURES_FILE)) return (await verifyBundleSignature(files, verification)).keyId;
  if (verification) {
    throw new SignatureError('bundle_unsigned', `bundle missing ${SIGNATURES_FILE} file, and a verification key is configured: refusing an unsigned bundle`);
  }
  return null;
}

/** Reads, verifies and parses a bundle. Throws BundleError or SignatureError. */
export async function loadBundle(bytes: Uint8Array, options: LoadBundleOptions = {}): Promise<Bundle> {
  return loadBundleFiles(await readArchive(bytes, options.limits ?? DEFAULT_ARCHIVE_LIMITS), options);
}

/** loadBundle for an archive already read (the bundle server reads it once to tell Wasm from Rego bundles). */
export async function loadBundleFiles(files: ArchiveFiles, options: Omit<LoadBundleOptions, 'limits'> = {}): Promise<Bundle> {
  const signedBy = await verifySignedFiles(files, options.verification);
  refuseOtherDataFiles(files);
  const manifest = readManifest(files);
  const entrypoint = options.entrypoint ?? DEFAULT_ENTRYPOINT;
  const resolver = manifest.wasm.find((w) => w.entrypoint === entrypoint);
  if (!resolver) {
    throw new BundleError('bundle_no_entrypoint', `bundle has no Wasm module for entrypoint "${entrypoint}" (build it with opa build -t wasm -e ${entrypoint})`);
  }
  const wasm = files.get(resolver.module.replace(/^\/+/, ''));
  if (!wasm) throw new BundleError('bundle_wasm_missing', `.manifest names ${resolver.module} for ${entrypoint}, but the bundle has no such file`);
  const dataJson = canonicalFileText(files, 'data.json') ?? '{}';
  const data = JSON.parse(dataJson) as unknown;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new BundleError('bundle_file_malformed', 'data.json must hold a JSON object');
  return { name: options.name ?? 'firewall', manifest, wasm, data: data as Record<string, unknown>, dataJson, files, signedBy };
}
