// What every benchmark section shares: the flags, the temporary folder, the quiet-machine
// policy, the log, and how commands are shown in the report.
import type { Flags } from './flags.js';
import { ROOT } from './inputs.js';
import type { QuietPolicy } from './quiet.js';

export const SIGNING_KEY = 'test/fixtures/keys/test-only-signing.key.pem';
export const PUBLIC_KEY = 'test/fixtures/keys/test-only-signing.pub.pem';

export interface BenchContext {
  flags: Flags;
  /** The run's temporary folder, shown as $BENCH_TMP. */
  tmp: string;
  quiet: QuietPolicy;
  /** Signed bundles of this run: Wasm target for dfw, Rego target for OPA. */
  bundles: { signedWasm: string; unsignedWasm: string; signedRego: string };
}

export const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * A command line as the report prints it: quoted where a shell needs it, $BENCH_TMP for the
 * run's folder and $REPO for the repository root.
 */
export function showCommand(context: Pick<BenchContext, 'tmp'>, args: string[]): string {
  return args
    .map((a) => (/[\s*<>]/.test(a) ? `'${a}'` : a))
    .join(' ')
    .split(context.tmp)
    .join('$BENCH_TMP')
    .split(ROOT.replace(/\/$/, ''))
    .join('$REPO');
}

/** The environment for child servers: no DFW_* settings from the caller's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DFW_'))), ...extra };
}
