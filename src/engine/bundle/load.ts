// Loads a bundle from bytes: archive, manifest, signature, policy.wasm and data.json. The
// result is verified and ready for createEvaluator; nothing here touches files or HTTP.
import { BundleError, SignatureError } from '../errors.js';
import { DEFAULT_ARCHIVE_LIMITS, readArchive, type ArchiveFiles, type ArchiveLimits } from './archive.js';
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
const decoder = new TextDecoder();

function parseJsonFile(files: ArchiveFiles, name: string): unknown {
  const bytes = files.get(name);
  if (!bytes) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new BundleError('bundle_file_malformed', `${name} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function readManifest(files: ArchiveFiles): Manifest {
  const raw = parseJsonFile(files, '.manifest');
  if (raw === undefined) throw new BundleError('bundle_manifest_missing', 'bundle has no .manifest (build it with opa build)');
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BundleError('bundle_manifest_invalid', '.manifest is not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.revision !== undefined && typeof m.revision !== 'string') throw new BundleError('bundle_manifest_invalid', '.manifest: revision must be a string');
  if (m.roots !== undefined && !(Array.isArray(m.roots) && m.roots.every((r) => typeof r === 'string'))) {
    throw new BundleError('bundle_manifest_invalid', '.manifest: roots must be an array of strings');
  }
  const wasm = m.wasm ?? [];
  if (!Array.isArray(wasm) || !wasm.every((w) => w && typeof w.entrypoint === 'string' && typeof w.module === 'string')) {
    throw new BundleError('bundle_manifest_invalid', '.manifest: wasm must be an array of {entrypoint, module}');
  }
  return {
    ...(m as object),
    revision: (m.revision as string | undefined) ?? '',
    roots: (m.roots as string[] | undefined) ?? [''],
    wasm: wasm as WasmResolver[],
  };
}

/** Reads, verifies and parses a bundle. Throws BundleError or SignatureError. */
export async function loadBundle(bytes: Uint8Array, options: LoadBundleOptions = {}): Promise<Bundle> {
  const files = await readArchive(bytes, options.limits ?? DEFAULT_ARCHIVE_LIMITS);
  let signedBy: string | null = null;
  if (files.has(SIGNATURES_FILE)) {
    signedBy = (await verifyBundleSignature(files, options.verification)).keyId;
  } else if (options.verification) {
    throw new SignatureError('bundle_unsigned', `bundle missing ${SIGNATURES_FILE} file, and a verification key is configured: refusing an unsigned bundle`);
  }
  const manifest = readManifest(files);
  const entrypoint = options.entrypoint ?? DEFAULT_ENTRYPOINT;
  const resolver = manifest.wasm.find((w) => w.entrypoint === entrypoint);
  if (!resolver) {
    throw new BundleError('bundle_no_entrypoint', `bundle has no Wasm module for entrypoint "${entrypoint}" (build it with opa build -t wasm -e ${entrypoint})`);
  }
  const wasm = files.get(resolver.module.replace(/^\/+/, ''));
  if (!wasm) throw new BundleError('bundle_wasm_missing', `.manifest names ${resolver.module} for ${entrypoint}, but the bundle has no such file`);
  const data = parseJsonFile(files, 'data.json') ?? {};
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new BundleError('bundle_file_malformed', 'data.json must hold a JSON object');
  return { name: options.name ?? 'firewall', manifest, wasm, data: data as Record<string, unknown>, files, signedBy };
}
