// `dfw serve`: run the firewall's HTTP API.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '../../shared/logger.js';
import { onShutdownSignal } from '../../host/shutdown-signals.js';
import { describeUsage, environmentHelp } from '../help.js';
import { portOption } from '../number-option.js';
import { httpUrl } from '../url-option.js';
import { bundleAlgorithm, bundleAlgorithmOption, bundleAlgorithmSource } from '../bundle-algorithm.js';
import { isOciUrl, parseOciReference } from '../../bundles/agent/oci-reference.js';

/** --bundle-url: a bundle server's http(s) URL, or an oci:// registry reference. */
function bundleUrl(value: string): string {
  if (!isOciUrl(value)) return httpUrl(value);
  try {
    parseOciReference(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

/** --workers: a whole number of server processes, as server.workers allows. */
function workerCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new InvalidArgumentError('a whole number from 1 to 64');
  return Number(value);
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('Serve the HTTP API (POST /v1/check, GET /v1/rules, /healthz, /readyz) and the web console at /ui')
    .addOption(new Option('-c, --config <file>', 'dfw.yaml (default: the embedded defaults)').env('DFW_CONFIG'))
    .addOption(new Option('--host <host>', 'address to bind (default 127.0.0.1)'))
    .addOption(new Option('-p, --port <port>', 'port to listen on (default 8787; 0 picks a free one)').argParser(portOption))
    .addOption(new Option('-b, --bundle <path>', 'policy bundle .tar.gz (default bundles/firewall.tar.gz)'))
    .addOption(new Option('--bundle-key <pem>', 'refuse bundles not signed by this public key (required with --bundle-url)'))
    .addOption(bundleAlgorithmOption())
    .addOption(new Option('--bundle-url <url>', 'edge mode: pull the bundle from this bundle server URL (https://dfw.example/v1/bundles/firewall) or OCI registry (oci://registry.example.com/acme/policy:latest)').argParser(bundleUrl))
    .addOption(new Option('--bundle-token <token>', 'edge mode: API token (role check) sent to the bundle server').env('DFW_BUNDLE_TOKEN'))
    .addOption(new Option('-w, --workers <n>', 'server processes sharing the port, to use more cores (default 1; server.workers)').argParser(workerCount))
    .addHelpText('after', environmentHelp())
    .action(async (options: { config?: string; host?: string; port?: number; bundle?: string; bundleKey?: string; bundleUrl?: string; bundleToken?: string; workers?: number; bundleAlg?: string }, command: Command) => {
      const { loadConfig } = await import('../../config/load.js');
      const config = loadConfig(options.config);
      if (options.host) config.server.host = options.host;
      if (options.port !== undefined) config.server.port = options.port;
      if (options.bundle) config.bundle.path = options.bundle;
      if (options.bundleKey) config.bundle.public_key = options.bundleKey;
      if (options.bundleUrl) config.bundle.url = options.bundleUrl;
      if (options.workers !== undefined) config.server.workers = options.workers;
      config.bundle.algorithm = bundleAlgorithm(config.bundle.public_key, options.bundleAlg, config.bundle.algorithm, bundleAlgorithmSource(command.getOptionValueSource('bundleAlg')));
      const logger = createLogger(config.log.level);
      // Loaded here, not with every dfw command (main.ts): a cluster's primary loads only
      // cluster.ts, and the server itself is loaded by each worker.
      if (config.server.workers > 1) {
        const { runCluster } = await import('../../host/cluster.js');
        command.setOptionValue('exitCode', await runCluster(config, logger, options.bundleToken ? { bundleToken: options.bundleToken } : {}));
        return;
      }
      const { startServer } = await import('../../host/server.js');
      const server = await startServer(config, logger, options.bundleToken ? { bundleToken: options.bundleToken } : {});
      // 0 once stopped by a signal; 1 when the server could not go on (a supervisor restarts it).
      let exitCode = 0;
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info('shutting down', { signal });
          void server.close().then(resolve);
        };
        // A second SIGTERM or Ctrl-C must not end the process mid-drain (host/shutdown-signals.ts).
        onShutdownSignal(stop, { repeated: (signal) => logger.info('already shutting down', { signal }) });
        void server.failed.then((reason) => {
          logger.error('cannot go on: shutting down', { reason });
          exitCode = 1;
          stop('failure');
        });
      });
      command.setOptionValue('exitCode', exitCode);
      // Work abandoned at the shutdown timeout (a GitHub callback still being retried) must
      // not keep the process alive past it. Unref'd, this fires only if something still
      // holds the event loop once everything dfw owns is closed.
      setTimeout(() => process.exit(exitCode), 1_000).unref();
    });
  return describeUsage(
    command,
    [
      'dfw serve                                   # embedded defaults: 127.0.0.1:8787, bundles/firewall.tar.gz',
      'dfw serve --config dfw.yaml --port 9000',
      'dfw serve --workers 2                       # one server process per core, one decision-log writer',
      'DFW_BUNDLE_TOKEN=… dfw serve --bundle-url https://dfw.example/v1/bundles/firewall --bundle-key keys/release.pub.pem',
    ],
    '0 stopped by SIGTERM/SIGINT, 1 could not go on (the decision log\'s writer stopped: restart it), 2 could not start (the message names the file, key or reason)',
  );
}
