// Bundle load-and-verify time: loadBundle (gunzip, untar, JWT and per-file hash check,
// manifest and data.json) and createEvaluator (compile and instantiate policy.wasm, set data).
import { createEvaluator, loadBundle, type VerificationConfig } from '../src/engine/index.js';
import { median, percentile } from './stats.js';

export interface Timing {
  medianMs: number;
  minMs: number;
  p90Ms: number;
}

export interface BundleLoadFigures {
  iterations: number;
  bundleBytes: number;
  wasmBytes: number;
  dataBytes: number;
  loadVerified: Timing;
  loadUnverified: Timing;
  createEvaluator: Timing;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: median(sorted), minMs: sorted[0]!, p90Ms: percentile(sorted, 90) };
}

async function timeAsync(fn: () => Promise<unknown>, iterations: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/**
 * signedBytes: the Wasm bundle signed with the test key; publicKeyPem: its public half.
 * The same bytes are also loaded without a verification key (the signature is then still
 * checked when present, so the unverified figure uses unsignedBytes).
 */
export async function benchBundleLoad(
  signedBytes: Uint8Array,
  unsignedBytes: Uint8Array,
  publicKeyPem: string,
  iterations: number,
): Promise<BundleLoadFigures> {
  const verification: VerificationConfig = { keys: { default: { key: publicKeyPem, algorithm: 'RS256' } } };
  const bundle = await loadBundle(signedBytes, { verification });
  if (bundle.signedBy !== 'default') throw new Error(`the signed bench bundle verified as ${bundle.signedBy}`);
  const warmup = 3;
  const loadVerified = await timeAsync(() => loadBundle(signedBytes, { verification }), iterations, warmup);
  const loadUnverified = await timeAsync(() => loadBundle(unsignedBytes), iterations, warmup);
  const create = await timeAsync(() => createEvaluator(bundle), iterations, warmup);
  return {
    iterations,
    bundleBytes: signedBytes.byteLength,
    wasmBytes: bundle.wasm.byteLength,
    dataBytes: bundle.files.get('data.json')?.byteLength ?? 0,
    loadVerified: timing(loadVerified),
    loadUnverified: timing(loadUnverified),
    createEvaluator: timing(create),
  };
}
