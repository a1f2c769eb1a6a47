// The Makefile's last step for bundles/firewall.tar.gz: the Wasm bundle opa built unsigned
// (at its revision), its policy run through wasm-opt when Binaryen is installed, and with a
// key signed by `opa sign` — what `dfw policy build` does for a team's repository
// (src/policy/wasm-opt.ts, src/policy/optimized-bundle.ts).
//   node --import tsx scripts/optimize-bundle.ts --opa .tools/bin/opa \
//     [--signing-key key.pem --signing-alg RS256] plain.tar.gz out.tar.gz
import { parseArgs } from 'node:util';
import { packOptimizedBundle } from '../src/policy/optimized-bundle.js';
import { findWasmOpt, isOptimizer } from '../src/policy/wasm-opt.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { opa: { type: 'string' }, 'signing-key': { type: 'string' }, 'signing-alg': { type: 'string' } },
});
const [plain, out] = positionals;
if (!values.opa || !plain || !out) {
  console.error('usage: optimize-bundle.ts --opa <opa> [--signing-key <pem> --signing-alg <alg>] <plain.tar.gz> <out.tar.gz>');
  process.exit(2);
}
try {
  const optimizer = findWasmOpt();
  if (!isOptimizer(optimizer)) console.error(`warning: ${out}: policy.wasm not optimized: ${optimizer.skipped}`);
  const done = await packOptimizedBundle(values.opa, isOptimizer(optimizer) ? optimizer : undefined, plain, out, values['signing-key'] ? { signingKey: values['signing-key'], signingAlg: values['signing-alg'] ?? 'RS256' } : {});
  if (done) console.log(`optimized ${out}'s policy.wasm with ${done.optimizer} in ${done.seconds.toFixed(1)} s (${done.beforeBytes} → ${done.afterBytes} bytes)`);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
