// The Makefile's last step for bundles/firewall.tar.gz: the Wasm bundle opa built unsigned,
// its policy run through wasm-opt when Binaryen is installed, packed and (with a key) signed
// by opa — what `dfw policy build` does for a team's repository (src/policy/wasm-opt.ts).
//   node --import tsx scripts/optimize-bundle.ts --opa .tools/bin/opa --revision R \
//     [--signing-key key.pem --signing-alg RS256] plain.tar.gz out.tar.gz
import { parseArgs } from 'node:util';
import { packOptimizedBundle } from '../src/policy/optimized-bundle.js';
import { findWasmOpt, isOptimizer } from '../src/policy/wasm-opt.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { opa: { type: 'string' }, revision: { type: 'string' }, 'signing-key': { type: 'string' }, 'signing-alg': { type: 'string' } },
});
const [plain, out] = positionals;
if (!values.opa || !values.revision || !plain || !out) {
  console.error('usage: optimize-bundle.ts --opa <opa> --revision <revision> [--signing-key <pem> --signing-alg <alg>] <plain.tar.gz> <out.tar.gz>');
  process.exit(2);
}
const found = findWasmOpt();
if (!isOptimizer(found)) console.error(`warning: ${out}: policy.wasm not optimized: ${found.missing}`);
try {
  const done = await packOptimizedBundle(values.opa, isOptimizer(found) ? found : undefined, plain, out, {
    revision: values.revision,
    ...(values['signing-key'] ? { signingKey: values['signing-key'], signingAlg: values['signing-alg'] ?? 'RS256' } : {}),
  });
  if (done) console.log(`optimized ${out}'s policy.wasm with ${done.optimizer} in ${done.seconds.toFixed(1)} s (${done.beforeBytes} → ${done.afterBytes} bytes)`);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
