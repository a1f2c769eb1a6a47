// `dfw check`: evaluate a deployment request locally against a bundle, or ask a dfw
// server, and exit 0 allow / 1 deny / 2 error.
import { appendFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { WarnedDecision } from '../../decide/index.js';
import type { CheckRequest } from '../../collect/check-request.js';
import type { Decision, RuleEntry } from '../../engine/index.js';
import { DEFAULT_BUNDLE_CONFIG } from '../../bundles/agent/config.js';
import { bundleAlgorithm, bundleAlgorithmOption, bundleAlgorithmSource } from '../bundle-algorithm.js';
import { CliError, EXIT_ALLOW, EXIT_DENY } from '../exit-codes.js';
import { formatDecision, OUTPUT_FORMATS, type OutputFormat } from '../format/index.js';
import { describeUsage } from '../help.js';
import { readDocument } from '../read-document.js';
import { callServer } from '../server-client.js';
import { writeAttestation } from './check-attest.js';
import { secondsOption } from '../number-option.js';
import { httpUrl } from '../url-option.js';

interface CheckOptions {
  env?: string;
  input?: string;
  strict?: boolean;
  bundle?: string;
  bundleKey?: string;
  bundleAlg?: string;
  server?: string;
  token?: string;
  format: OutputFormat;
  timeout: number;
  /** Write dfw's signed verdict (a SLSA VSA) here when allowed. */
  attest?: string;
  attestKey?: string;
  /** PEM public keys (files) inline signatures are verified with, instead of the embedded example keys. */
  signatureKey?: string[];
}

async function decideLocally(request: CheckRequest, options: CheckOptions, algorithmSource: string): Promise<{ decision: Decision; rules: RuleEntry[] }> {
  // The engine, the collectors and the decision pipeline load here, not with every dfw
  // command (main.ts); asking a server needs none of them.
  const [{ DEFAULT_CONFIG }, { builtBundlePath }, { loadEvaluatorFromFile }, { ActivePolicy, ruleCatalog }, { createInlineVerifier }, { CollectorRunner }, { createCheckService }] = await Promise.all([
    import('../../config/load.js'),
    import('../../policy/built-bundle.js'),
    import('../../bundles/agent/local-file.js'),
    import('../../engine/index.js'),
    import('../../collect/collectors/index.js'),
    import('../../collect/run-collectors.js'),
    import('../../decide/index.js'),
  ]);
  // A policy repository or its build folder stands for the bundle `dfw policy build` wrote,
  // as for what-if; any other folder is refused with what to give instead.
  const path = builtBundlePath(options.bundle ?? DEFAULT_CONFIG.bundle.path);
  const evaluator = await loadEvaluatorFromFile({
    ...DEFAULT_CONFIG.bundle,
    path,
    ...(options.bundleKey ? { public_key: options.bundleKey } : {}),
    algorithm: bundleAlgorithm(options.bundleKey, options.bundleAlg, DEFAULT_CONFIG.bundle.algorithm, algorithmSource),
  }).catch((err: Error) => {
    throw new CliError(err.message);
  });
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  // Inline signatures are verified as `dfw serve` verifies them: with --signature-key, as
  // with collectors.signatures.keys, else with the embedded defaults' example keys.
  const signatures = options.signatureKey?.length ? { keys: options.signatureKey } : DEFAULT_CONFIG.collectors.signatures;
  let verifier;
  try {
    verifier = createInlineVerifier(signatures);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const collectors = new CollectorRunner([], undefined, verifier);
  const { decision } = await createCheckService(policy, { strict: options.strict === true, collectors }).check(request, { via: 'cli' });
  return { decision, rules: ruleCatalog(evaluator.bundle).rules };
}

async function decideOnServer(request: CheckRequest, options: CheckOptions): Promise<{ decision: Decision; rules: RuleEntry[] }> {
  const token = options.token ?? process.env.DFW_TOKEN;
  const server = { server: options.server!, timeout: options.timeout, ...(token ? { token } : {}) };
  const { body: decision } = await callServer<Decision>(server, 'POST', '/v1/check', { json: request });
  if (typeof decision?.allow !== 'boolean' || !decision.deny) throw new CliError('dfw server answered without a decision');
  // The catalog lets SARIF and JUnit list the rules that passed too; a report without it
  // is still right, so a server that will not share it does not fail the check.
  const rules = await callServer<{ rules: RuleEntry[] }>(server, 'GET', '/v1/rules').then(
    ({ body }) => body.rules ?? [],
    () => [],
  );
  return { decision, rules };
}

export function checkCommand(): Command {
  const command = new Command('check')
    .description('Check a deployment request against the policy; exit 0 allow, 1 deny, 2 error')
    .addOption(new Option('-e, --env <environment>', 'target environment (overrides the request\'s "environment")'))
    .addOption(new Option('-i, --input <file>', 'check request file (JSON or YAML), or - for standard input (default: standard input when it is piped)'))
    .addOption(new Option('-b, --bundle <path>', `evaluate locally with this bundle .tar.gz, or a policy repository / its build folder (default ${DEFAULT_BUNDLE_CONFIG.path})`).conflicts('server'))
    .addOption(new Option('--bundle-key <pem>', 'require the local bundle to be signed by this public key').conflicts('server'))
    .addOption(bundleAlgorithmOption().conflicts('server'))
    .addOption(new Option('-s, --server <url>', 'ask this dfw server (http:// or https://) instead of evaluating locally').argParser(httpUrl))
    .addOption(
      new Option('--signature-key <pem>', 'verify the request\'s inline signatures with this PEM public key (repeatable; default: the embedded example keys)')
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
        .conflicts('server'),
    )
    .addOption(new Option('--strict', 'refuse (exit 2) an environment the bundle does not configure, or unknown request fields, instead of warning; a server decides this by its environments.strict').conflicts('server'))
    .addOption(new Option('-t, --token <token>', 'API token for --server (default: $DFW_TOKEN)'))
    .addOption(new Option('--timeout <seconds>', 'give up on --server after this long').argParser(secondsOption).default(30))
    .addOption(new Option('-f, --format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .addOption(new Option('--attest <file>', 'when allowed, write dfw\'s signed verdict (SLSA verification summary, DSSE envelope) to this file'))
    .addOption(new Option('--attest-key <pem>', 'ECDSA P-256 private key to sign --attest with when deciding locally (default: $DFW_ATTESTATION_KEY)').conflicts('server'))
    .action(async (options: CheckOptions, command: Command) => {
      // A terminal on stdin means nobody is piping a request: waiting there would look like a hang.
      if (options.input === undefined && process.stdin.isTTY) {
        throw new CliError('no check request: give --input <file> (JSON or YAML), or pipe one into standard input (--input -)');
      }
      const raw = readDocument(options.input ?? '-', 'check request');
      if (options.env && raw && typeof raw === 'object' && !Array.isArray(raw)) (raw as Record<string, unknown>).environment = options.env;
      const { CheckRequestError, parseCheckRequest } = await import('../../collect/check-request.js');
      let request: CheckRequest;
      try {
        request = parseCheckRequest(raw);
      } catch (err) {
        if (err instanceof CheckRequestError) throw new CliError(`invalid check request: ${err.message}`);
        throw err;
      }
      const { decision, rules } = options.server ? await decideOnServer(request, options) : await decideLocally(request, options, bundleAlgorithmSource(command.getOptionValueSource('bundleAlg')));
      const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      const out = formatDecision(decision, {
        format: options.format,
        color,
        rules,
        request: { application: request.application, environment: request.environment, image: request.artifact.image, ...(request.source ? { source: request.source } : {}) },
      });
      for (const warning of (decision as WarnedDecision).warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(out.stdout.endsWith('\n') ? out.stdout : `${out.stdout}\n`);
      if (out.summaryMarkdown && process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, out.summaryMarkdown);
      // After the verdict is printed: a VSA that cannot be written is an error of its own.
      await writeAttestation(decision, request, options);
      command.setOptionValue('exitCode', decision.allow ? EXIT_ALLOW : EXIT_DENY);
    });
  return describeUsage(
    command,
    [
      'dfw check --env production --input examples/compliant.allow.json',
      'dfw check --env staging --input request.yaml --format sarif > dfw.sarif',
      'cat request.json | dfw check --env production --server http://127.0.0.1:8787 --format github',
      'dfw check --input request.json --bundle build/firewall.tar.gz --bundle-key keys/ec.pub.pem   # ES256 from the EC key (or --bundle-alg ES256)',
    ],
    '0 allow, 1 deny, 2 error (bad request, unreachable server, no bundle: never an allow)',
  );
}
