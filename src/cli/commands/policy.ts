// `dfw policy init|test|build|push|diff`: the security team's own policy repository, layered
// on dfw's built-in pack. test exits 0 when every step passes, 1 when one fails, 2 on error.
import { Command, Option } from 'commander';
import type { BuildResult } from '../../policy/index.js';
import { PINNED_OPA_VERSION } from '../../policy/opa-binary.js';
import { TEST_FORMATS, type TestFormat } from '../../policy/test-report.js';
import type { RuleEntry } from '../../engine/index.js';
import { EXIT_ALLOW, EXIT_DENY } from '../exit-codes.js';
import { describeUsage } from '../help.js';
import { percentOption, secondsOption } from '../number-option.js';

// The policy room (opa runs, the check service for examples, OCI push) loads when a
// subcommand runs, not with every dfw command (main.ts).
const policyRoom = () => import('../../policy/index.js');

function catalogTable(result: BuildResult): string {
  const rules = result.catalog.rules;
  const envs = result.catalog.environments;
  const idWidth = Math.max(4, ...rules.map((r) => r.id.length));
  const head = `  ${'rule'.padEnd(idWidth)}  ${'severity'.padEnd(8)}  ${envs.map((e) => e.padEnd(14)).join('')}title`;
  const row = (r: RuleEntry) =>
    `  ${r.id.padEnd(idWidth)}  ${r.severity.padEnd(8)}  ${envs.map((e) => {
      const x = r.enforcement[e];
      return (x ? (x.enforcement === 'off' ? 'off' : `${x.enforcement}${x.severity !== r.severity ? `(${x.severity})` : ''}`) : '-').padEnd(14);
    }).join('')}${r.title}`;
  return [head, ...rules.map(row)].join('\n');
}

/** What each environment blocks and requires signed, and what an unlisted one is decided as: enforcement no rule row shows. */
function environmentTable(result: BuildResult): string {
  const width = Math.max(11, ...result.environments.map((e) => e.name.length));
  const rows = result.environments.map(
    (e) => `  ${e.name.padEnd(width)}  ${(e.blocking.join(', ') || 'nothing').padEnd(26)}  ${String(e.min_build_level ?? '-').padEnd(15)}  ${e.verified_evidence.join(', ') || 'nothing'}`,
  );
  return [
    `environments (an environment not listed is decided as ${result.catalog.unknown_environment}):`,
    `  ${'environment'.padEnd(width)}  ${'blocks'.padEnd(26)}  ${'min SLSA level'.padEnd(15)}  signed evidence required`,
    ...rows,
  ].join('\n');
}

const TEST_STEPS = `
Steps: opa fmt --fail; opa check --strict with dfw's capabilities (http.send, time.now_ns
refused with file and line); every input path checked against docs/input.schema.json; the
layering checks (package exactly firewall.rules.<team>.<rule>, METADATA, rule ids unique
against the built-in pack, unknown_environment at least as strict as production); opa test
with the coverage threshold (0-100); every example through dfw's Wasm evaluator.
The signatures and attestations an example carries are verified with dfw-policy.yaml
signatures: {keys, trusted_root} (cosign keys, Sigstore bundles keyless or with a key), else
with dfw's embedded example keys; enforcement.yaml trust: says which signers count.
Needs opa ${PINNED_OPA_VERSION} on PATH or in DFW_OPA (never downloaded).
`;

const BUILD_OUTPUT = `
Writes <output>/<name>.tar.gz (Wasm: dfw serve, dfw check) and <output>/<name>-rego.tar.gz
(Rego: stock OPA agents). Revision: the git commit; with uncommitted changes
<commit>-dirty.<12 hex of a SHA-256 over the sources and data> (the same tree, the same
revision); outside git sha256-<16 hex>. Prints the rule catalog and each environment's
blocking severities and trust requirements. Refused, naming file and line: a deny outside
package firewall.rules.<team>.<rule>, an unknown_environment weaker than production.

The Wasm policy goes through Binaryen's wasm-opt when it is installed (DFW_WASM_OPT names
another one, DFW_WASM_OPT=off or --no-optimize skips it): about 10 % more evaluations per
second, the same decisions, some seconds more per build. Without it the build says so and
ships the policy as opa compiled it.
`;

function optimizationLine(optimization: BuildResult['optimization']): string {
  if ('skipped' in optimization) return `policy.wasm as opa compiled it, not optimized: ${optimization.skipped}`;
  const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
  return `policy.wasm optimized by ${optimization.optimizer} in ${optimization.seconds.toFixed(1)} s (${kib(optimization.beforeBytes)} → ${kib(optimization.afterBytes)})`;
}

const DIFF_WEAKENS = `
Marked [weakens]: a rule removed; a rule off or warning where it denied, or at a lower
severity; a severity no longer blocking; unknown_environment now naming a more lenient
environment; an environment added or removed that is decided more leniently; trust requiring
a lower SLSA level or less signed evidence; a signer, builder, registry or predicate type
trusted in addition.
`;

const PUSH_LAYOUT = `
The Wasm bundle goes to the reference given, the Rego bundle to the same tag + "-rego"
(oci://…/policy:1.2.0 and :1.2.0-rego), each as an OCI image manifest with one layer of
media type application/vnd.oci.image.layer.v1.tar+gzip, which OPA's OCI downloader reads.
Registry credentials: DFW_OCI_USERNAME and DFW_OCI_PASSWORD. On a dfw server the bundles
are published as <name> and <name>-rego (PUT /v1/bundles/:name, like dfw bundle publish).
`;

export function policyCommand(): Command {
  const policy = new Command('policy').description("The security team's policy repository: init, test, build, push, diff (layered on dfw's built-in pack)");

  const init = policy
    .command('init')
    .description('Create a policy repository: an example rule and its tests, examples, enforcement, CI workflow')
    .argument('[dir]', 'folder to create it in', '.')
    .addOption(new Option('--team <name>', 'namespace of the rules: package firewall.rules.<team>.<rule>; not a built-in category such as git (default: from the folder name)'))
    .action(async (dir: string, options: { team?: string }) => {
      const { initPolicyRepo } = await policyRoom();
      const result = initPolicyRepo(dir, options.team ? { team: options.team } : {});
      process.stdout.write(
        `created a policy repository for team ${result.team} in ${result.dir}:\n${result.files.map((f) => `  ${f}`).join('\n')}\n` +
          `example rule ${result.ruleId} in policy/approved_deployer.rego; next: dfw policy test\n`,
      );
    });

  const test = policy
    .command('test')
    .description('Format, check, schema-check, opa test with coverage, and the examples through the Wasm evaluator')
    .argument('[dir]', 'the repository (dfw-policy.yaml here or above)', '.')
    .addOption(new Option('-f, --format <format>', 'output').choices([...TEST_FORMATS]).default('table'))
    .addOption(new Option('--coverage <percent>', 'coverage threshold, 0 to 100 (default: dfw-policy.yaml coverage)').argParser(percentOption))
    .addHelpText('after', TEST_STEPS)
    .action(async (dir: string, options: { format: TestFormat; coverage?: number }, command: Command) => {
      const { formatTestReport, testPolicy } = await policyRoom();
      const report = await testPolicy(dir, options.coverage !== undefined ? { coverage: options.coverage } : {});
      process.stdout.write(formatTestReport(report, options.format));
      command.parent!.setOptionValue('exitCode', report.failed === 0 ? EXIT_ALLOW : EXIT_DENY);
    });

  const build = policy
    .command('build')
    .description('Compile the layered rules into a Wasm bundle and a Rego bundle, signed with --signing-key')
    .argument('[dir]', 'the repository (dfw-policy.yaml here or above)', '.')
    .addOption(new Option('--signing-key <pem>', 'sign both bundles (OPA signing scheme, .signatures.json)'))
    .addOption(new Option('--signing-alg <alg>', 'signature algorithm').choices(['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'ES512']).default('RS256'))
    .addOption(new Option('--revision <revision>', 'bundle revision (default: the git commit, or a hash of the sources)'))
    .addOption(new Option('-o, --output <dir>', 'output folder (default: dfw-policy.yaml bundle.output)'))
    .addOption(new Option('--no-optimize', 'keep the policy as opa compiled it: no wasm-opt pass (Binaryen), even when installed'))
    .addOption(new Option('-f, --format <format>', 'output').choices(['table', 'json']).default('table'))
    .addHelpText('after', BUILD_OUTPUT)
    .action(async (dir: string, options: { signingKey?: string; signingAlg: string; revision?: string; output?: string; optimize: boolean; format: string }) => {
      const { buildPolicy } = await policyRoom();
      const result = await buildPolicy(dir, {
        ...(options.signingKey ? { signingKey: options.signingKey, signingAlg: options.signingAlg } : {}),
        ...(options.revision ? { revision: options.revision } : {}),
        ...(options.output ? { output: options.output } : {}),
        optimize: options.optimize,
      });
      // wasm-opt wanted and not found: said on stderr too, where a CI log shows it whatever the format.
      if ('missing' in result.optimization && result.optimization.missing) process.stderr.write(`warning: ${optimizationLine(result.optimization)}\n`);
      if (options.format === 'json') {
        const { name, revision, signed, wasmBundle, regoBundle, catalog, environments, optimization } = result;
        const optimized = 'skipped' in optimization ? { skipped: optimization.skipped } : { optimizer: optimization.optimizer, before_bytes: optimization.beforeBytes, after_bytes: optimization.afterBytes, seconds: optimization.seconds };
        process.stdout.write(`${JSON.stringify({ name, revision, signed, wasm_bundle: wasmBundle, rego_bundle: regoBundle, optimization: optimized, rules: catalog.rules, environments, unknown_environment: catalog.unknown_environment }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `built ${result.wasmBundle} (Wasm) and ${result.regoBundle} (Rego) at revision ${result.revision}, ${result.signed ? `signed (${options.signingAlg})` : 'unsigned'}\n` +
          `${optimizationLine(result.optimization)}\n` +
          `team ${result.team} over the built-in pack ${result.builtinVersion}: ${result.catalog.rules.length} rules\n\n${catalogTable(result)}\n\n${environmentTable(result)}\n`,
      );
    });

  const push = policy
    .command('push')
    .description('Push the built bundles to an OCI registry (OPA bundle artifacts) or a dfw bundle server')
    .argument('<target>', 'oci://registry/repository:tag, or a dfw server URL (https://dfw.example)')
    .argument('[dir]', 'the repository (dfw-policy.yaml here or above)', '.')
    .addOption(new Option('-b, --bundle <file>', 'push this Wasm bundle instead of the repository\'s build output'))
    .addOption(new Option('--rego-bundle <file>', 'and this Rego bundle (default: <name>-rego.tar.gz beside the build output)'))
    .addOption(new Option('-n, --name <name>', 'bundle name on a dfw server (default: dfw-policy.yaml bundle.name)'))
    .addOption(new Option('-t, --token <token>', 'dfw server API token with the admin role (default: $DFW_TOKEN)'))
    .addOption(new Option('--timeout <seconds>', 'give up after this long').argParser(secondsOption).default(120))
    .addHelpText('after', PUSH_LAYOUT)
    .action(async (target: string, dir: string, options: { bundle?: string; regoBundle?: string; name?: string; token?: string; timeout: number }) => {
      const credentials = process.env.DFW_OCI_USERNAME ? { username: process.env.DFW_OCI_USERNAME, password: process.env.DFW_OCI_PASSWORD ?? '' } : undefined;
      const { pushPolicy } = await policyRoom();
      const pushed = await pushPolicy(target, dir, {
        ...(options.bundle ? { bundle: options.bundle } : {}),
        ...(options.regoBundle ? { regoBundle: options.regoBundle } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.token ? { token: options.token } : {}),
        ...(credentials ? { credentials } : {}),
        timeoutSeconds: options.timeout,
      });
      for (const p of pushed) process.stdout.write(`pushed ${p.kind} bundle revision ${p.revision} to ${p.target} (${p.digest})\n`);
    });

  const diff = policy
    .command('diff')
    .description('Rules added, removed or changed, and enforcement changed (blocking, overrides, unknown_environment, trust), between two bundles; weakenings marked')
    .argument('<old>', 'the bundle in production (.tar.gz)')
    .argument('<new>', 'the candidate (.tar.gz, e.g. build/firewall.tar.gz)')
    .addOption(new Option('-f, --format <format>', 'output').choices(['table', 'json']).default('table'))
    .addOption(new Option('--fail-on-weaken', 'exit 1 only when a change weakens enforcement (0 when everything else changed), for CI gates'))
    .addHelpText('after', DIFF_WEAKENS)
    .action(async (oldFile: string, newFile: string, options: { format: string; failOnWeaken?: boolean }, command: Command) => {
      const { diffBundles, formatDiff, isSameDiff } = await policyRoom();
      const d = await diffBundles(oldFile, newFile);
      process.stdout.write(options.format === 'json' ? `${JSON.stringify(d, null, 2)}\n` : formatDiff(d));
      const fails = options.failOnWeaken ? d.weakening > 0 : !isSameDiff(d);
      command.parent!.setOptionValue('exitCode', fails ? EXIT_DENY : EXIT_ALLOW);
    });

  describeUsage(init, ['dfw policy init acme-policy --team acme', 'cd acme-policy && git init && dfw policy test']);
  describeUsage(test, ['dfw policy test', 'dfw policy test --format junit > policy-test.xml', 'dfw policy test ../acme-policy --coverage 95 --format json'], '0 every step passed, 1 a step failed, 2 error (no dfw-policy.yaml, another pinned pack or opa version)');
  describeUsage(build, ['dfw policy build', 'dfw policy build --signing-key keys/bundle-signing.key.pem', 'dfw policy build --signing-key keys/ec.key.pem --signing-alg ES256 --revision 2026.12.1']);
  describeUsage(push, ['dfw policy push oci://registry.example.com/acme/policy:2026.12.1', 'dfw policy push https://dfw.internal:8787 --token "$DFW_ADMIN_TOKEN"']);
  describeUsage(
    diff,
    ['dfw policy diff released/firewall.tar.gz build/firewall.tar.gz', 'dfw policy diff released/firewall.tar.gz build/firewall.tar.gz --fail-on-weaken   # CI: fail only on a weakening', 'dfw policy diff old.tar.gz new.tar.gz --format json'],
    '0 nothing changed, 1 something changed, 2 error; with --fail-on-weaken: 0 nothing weakens, 1 a change weakens enforcement, 2 error',
  );
  return policy;
}
