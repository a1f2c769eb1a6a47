// Loads the policy bundle named by the configuration from disk and verifies it. Node-only
// (reads files); the engine does the rest from bytes.
import { readFileSync } from 'node:fs';
import { createEvaluator, loadBundle, type Evaluator, type VerificationConfig } from '../../engine/index.js';
import { fixedCodeError } from '../../shared/errors.js';

export interface BundleSettings {
  path: string;
  name: string;
  public_key?: string;
  key_id: string;
  algorithm: string;
  scope?: string;
  max_memory_mb: number;
}

export class BundleFileError extends fixedCodeError('BundleFileError', 'bundle_file_refused', 'refused') {}

/** The trusted key from a PEM file, or undefined when none is configured. */
export function readVerification(settings: Pick<BundleSettings, 'public_key' | 'key_id' | 'algorithm' | 'scope'>): VerificationConfig | undefined {
  if (!settings.public_key) return undefined;
  let key: string;
  try {
    key = readFileSync(settings.public_key, 'utf8');
  } catch (err) {
    throw new BundleFileError(`bundle verification key ${settings.public_key} cannot be read: ${(err as Error).message}`);
  }
  return {
    keys: { [settings.key_id]: { key, algorithm: settings.algorithm, ...(settings.scope !== undefined ? { scope: settings.scope } : {}) } },
    ...(settings.scope !== undefined ? { scope: settings.scope } : {}),
  };
}

/** The evaluator's limits from the bundle settings. */
export function evaluatorOptionsOf(settings: Pick<BundleSettings, 'max_memory_mb'>): { maxMemoryBytes: number } {
  return { maxMemoryBytes: settings.max_memory_mb * 1024 * 1024 };
}

/**
 * Reads, verifies and instantiates a bundle file. Throws with a message naming the file.
 * A caller that already read the key passes it, so the key file is read once.
 */
export async function loadEvaluatorFromFile(settings: BundleSettings, verification = readVerification(settings)): Promise<Evaluator> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(settings.path);
  } catch (err) {
    throw new BundleFileError(`bundle ${settings.path} cannot be read: ${(err as Error).message} (build one with "make bundle")`);
  }
  try {
    const bundle = await loadBundle(bytes, { name: settings.name, ...(verification ? { verification } : {}) });
    return await createEvaluator(bundle, evaluatorOptionsOf(settings));
  } catch (err) {
    throw new BundleFileError(`bundle ${settings.path} refused: ${(err as Error).message}`, { cause: err });
  }
}
