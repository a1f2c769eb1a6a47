// `dfw serve`: run the firewall's HTTP API.
import { Command, Option } from 'commander';
import { createLogger } from '../../shared/logger.js';
import { loadConfig } from '../../config/load.js';
import { startServer } from '../../host/server.js';
import { CliError } from '../exit-codes.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the HTTP API (POST /v1/check, GET /v1/rules, /healthz, /readyz) and the web console at /ui')
    .addOption(new Option('-c, --config <file>', 'dfw.yaml (default: the embedded defaults)').env('DFW_CONFIG'))
    .addOption(new Option('--host <host>', 'address to bind (default 127.0.0.1)'))
    .addOption(new Option('-p, --port <port>', 'port to listen on (default 8787; 0 picks a free one)'))
    .addOption(new Option('-b, --bundle <path>', 'policy bundle .tar.gz (default bundles/firewall.tar.gz)'))
    .addOption(new Option('--bundle-key <pem>', 'refuse bundles not signed by this public key (required with --bundle-url)'))
    .addOption(new Option('--bundle-url <url>', 'edge mode: pull the bundle from this bundle server URL (https://dfw.example/v1/bundles/firewall) or OCI registry (oci://registry.example.com/acme/policy:latest)'))
    .addOption(new Option('--bundle-token <token>', 'edge mode: API token (role check) sent to the bundle server').env('DFW_BUNDLE_TOKEN'))
    .addHelpText('after', '\nEnvironment variables DFW_HOST, DFW_PORT, DFW_BUNDLE_PATH, DFW_BUNDLE_PUBLIC_KEY, DFW_BUNDLE_URL, DFW_LOG_LEVEL\noverride the file; flags override both.\n')
    .action(async (options: { config?: string; host?: string; port?: string; bundle?: string; bundleKey?: string; bundleUrl?: string; bundleToken?: string }) => {
      const config = loadConfig(options.config);
      if (options.host) config.server.host = options.host;
      if (options.port !== undefined) config.server.port = Number(options.port);
      if (options.bundle) config.bundle.path = options.bundle;
      if (options.bundleKey) config.bundle.public_key = options.bundleKey;
      if (options.bundleUrl) {
        if (!/^(https?|oci):\/\//.test(options.bundleUrl)) throw new CliError(`--bundle-url must be an http(s) URL or an oci:// reference, got "${options.bundleUrl}"`);
        config.bundle.url = options.bundleUrl;
      }
      const logger = createLogger(config.log.level);
      const server = await startServer(config, logger, options.bundleToken ? { bundleToken: options.bundleToken } : {});
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info('shutting down', { signal });
          void server.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
