// Where a running dfw gets its policy (Node side). Edge mode (bundle.url): pull from a
// bundle server or an OCI registry (oci://), verifying with bundle.public_key, starting from the last good bundle on
// disk. Otherwise this process is a bundle server: its active published revision decides,
// else the file at bundle.path.
import type { BundleConfig } from '../bundles/agent/config.js';
import type { PublishConfig } from '../bundles/server/config.js';
import { existsSync } from 'node:fs';
import type { ActivePolicy, Evaluator } from '../engine/index.js';
import { evaluatorOptionsOf, loadEvaluatorFromFile, readVerification } from '../bundles/agent/local-file.js';
import { createDiskCache } from '../bundles/agent/last-good-cache.js';
import { BundlePoller } from '../bundles/agent/poller.js';
import { BundlePublisher } from '../bundles/server/publisher.js';
import type { PublisherLogger } from '../bundles/server/revisions.js';
import { createDiskRevisionStore } from '../bundles/server/revision-store.js';
import { fixedCodeError, type DfwError } from '../shared/errors.js';
import { createOciFetch } from '../bundles/agent/oci-fetch.js';
import { isOciUrl } from '../bundles/agent/oci-reference.js';

/** Registry credentials for an oci:// bundle URL, from DFW_OCI_USERNAME / DFW_OCI_PASSWORD. */
function ociCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): { credentials?: { username: string; password: string } } {
  return env.DFW_OCI_USERNAME ? { credentials: { username: env.DFW_OCI_USERNAME, password: env.DFW_OCI_PASSWORD ?? '' } } : {};
}

export interface BundleSource {
  mode: 'edge' | 'central';
  /** Central mode: the bundle server behind /v1/bundles. */
  publisher?: BundlePublisher;
  /** Edge mode: the poller behind /v1/status. */
  poller?: BundlePoller;
  /** Starts background polling; call once the server listens. */
  start(): void;
  /** Answers held long polls and stops polling. */
  close(): Promise<void>;
}

export interface BundleSourceOptions {
  /** Bearer token an edge evaluator sends to the bundle server. */
  bundleToken?: string;
}

export class BundleSourceError extends fixedCodeError('BundleSourceError', 'bundle_source_invalid', 'invalid_input') {}

/** Nothing to start from but a first publish: the file is missing, or unsigned while a key is required. */
function awaitingFirstPublish(path: string, err: unknown): boolean {
  return !existsSync(path) || ((err as { cause?: DfwError }).cause?.code === 'bundle_unsigned');
}

export async function openBundleSource(bundle: BundleConfig, publish: PublishConfig, policy: ActivePolicy, logger: PublisherLogger, options: BundleSourceOptions = {}): Promise<BundleSource> {
  const verification = readVerification(bundle);
  const evaluatorOptions = evaluatorOptionsOf(bundle);
  if (bundle.url) {
    if (!verification) {
      throw new BundleSourceError('edge mode (bundle.url / --bundle-url) needs bundle.public_key (--bundle-key): an edge evaluator runs only bundles whose signature it has verified');
    }
    const oci = isOciUrl(bundle.url);
    const poller = new BundlePoller({
      url: bundle.url,
      // An OCI registry is read through the same poller: same verification, cache and swap.
      ...(oci ? { fetch: createOciFetch({ logger, ...ociCredentialsFromEnv() }) } : {}),
      name: bundle.name,
      verification,
      policy,
      cache: createDiskCache(bundle.cache_dir, bundle.name),
      ...(options.bundleToken ? { token: options.bundleToken } : {}),
      pollMinSeconds: bundle.poll_min_seconds,
      pollMaxSeconds: bundle.poll_max_seconds,
      // Registries do not hold requests: interval polling only.
      longPollSeconds: oci ? 0 : bundle.long_poll_seconds,
      evaluatorOptions,
      logger,
    });
    if (!(await poller.restoreFromCache())) {
      const first = await poller.pollOnce();
      if (first.outcome !== 'activated') logger.warn('no verified bundle yet: /v1/check answers 503 until one arrives', { url: bundle.url, error: first.error ?? null });
    }
    return { mode: 'edge', poller, start: () => poller.start(), close: () => poller.stop() };
  }

  const publisher = await BundlePublisher.open({
    store: createDiskRevisionStore(publish.dir),
    keep: publish.keep,
    ...(verification ? { verification } : {}),
    policyName: bundle.name,
    policy,
    evaluatorOptions,
    logger,
  });
  const published = publisher.active(bundle.name);
  if (published && policy.current()) {
    logger.info('bundle loaded', { source: 'published', dir: publish.dir, revision: published.revision, digest: published.digest });
  } else {
    let evaluator: Evaluator | undefined;
    try {
      evaluator = await loadEvaluatorFromFile(bundle, verification);
    } catch (err) {
      // A bundle server's first start: serve (checks 503, /readyz not ready) so that the
      // first publish can arrive. A tampered or wrongly signed file still stops startup.
      if (!verification || !awaitingFirstPublish(bundle.path, err)) throw err;
      policy.refuse(`nothing is published yet and ${bundle.path} is ${existsSync(bundle.path) ? 'unsigned' : 'missing'} while bundle.public_key is set; ` +
        `publish a signed bundle: make bundle SIGNING_KEY=<private key>, then dfw bundle publish bundles/${bundle.name}.tar.gz --server <this server> --token <admin token>`);
      logger.warn('no verified bundle yet: /v1/check answers 503 until the first publish', { path: bundle.path, publish_dir: publish.dir });
    }
    if (evaluator) {
      policy.activate(evaluator);
      logger.info('bundle loaded', {
        path: bundle.path,
        revision: evaluator.bundle.manifest.revision,
        signed_by: evaluator.bundle.signedBy,
        verification: verification ? 'required' : 'none configured',
      });
    }
  }
  return { mode: 'central', publisher, start: () => {}, close: async () => publisher.close() };
}
