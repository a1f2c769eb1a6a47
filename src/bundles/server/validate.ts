// What a bundle must pass before it is published or activated: every file hash and the
// signature against the trusted key, then, for a Wasm bundle, instantiation. A Rego-target
// bundle (for stock OPA agents) carries no Wasm, so it is verified but cannot be run here.
import {
  BundleError,
  createEvaluator,
  DEFAULT_ARCHIVE_LIMITS,
  loadBundleFiles,
  readArchive,
  verifySignedFiles,
  type Evaluator,
  type EvaluatorOptions,
  type VerificationConfig,
} from '../../engine/index.js';

export interface ValidatedBundle {
  revision: string;
  /** 'wasm' when dfw can evaluate it, 'rego' for a Rego-target bundle for OPA agents. */
  target: 'wasm' | 'rego';
  evaluator: Evaluator | null;
}

export interface ValidateOptions {
  name: string;
  verification: VerificationConfig;
  /** The bundle must be a Wasm bundle dfw can evaluate (the server's own policy). */
  requireEvaluator: boolean;
  evaluatorOptions?: EvaluatorOptions;
}

function manifestOf(files: Map<string, Uint8Array>): Record<string, unknown> {
  const bytes = files.get('.manifest');
  if (!bytes) throw new BundleError('bundle_manifest_missing', 'bundle has no .manifest (build it with opa build)');
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new BundleError('bundle_manifest_invalid', `.manifest is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new BundleError('bundle_manifest_invalid', '.manifest is not a JSON object');
  return manifest as Record<string, unknown>;
}

/** Verifies (and for Wasm bundles instantiates) a candidate. Throws the engine's errors. */
export async function validateBundle(bytes: Uint8Array, options: ValidateOptions): Promise<ValidatedBundle> {
  const files = await readArchive(bytes, DEFAULT_ARCHIVE_LIMITS);
  const manifest = manifestOf(files);
  const hasWasm = Array.isArray(manifest.wasm) && manifest.wasm.length > 0;
  if (options.requireEvaluator || hasWasm) {
    const bundle = await loadBundleFiles(files, { name: options.name, verification: options.verification });
    const evaluator = await createEvaluator(bundle, options.evaluatorOptions);
    return { revision: bundle.manifest.revision, target: 'wasm', evaluator };
  }
  await verifySignedFiles(files, options.verification);
  if (manifest.revision !== undefined && typeof manifest.revision !== 'string') throw new BundleError('bundle_manifest_invalid', '.manifest: revision must be a string');
  return { revision: (manifest.revision as string | undefined) ?? '', target: 'rego', evaluator: null };
}
