// The hono app: routes only, Web-standard Request/Response, testable with app.request().
import { Hono } from 'hono';
import type { BundlePoller } from '../bundles/agent/poller.js';
import type { BundlePublisher } from '../bundles/server/publisher.js';
import type { ActivePolicy } from '../engine/index.js';
import { requireLoopbackHost, type ApiToken } from './auth.js';
import { checkUniqueTokens } from './config.js';
import { createCheckService, type CheckService } from '../decide/index.js';
import { errorResponse, handleError } from './error-table.js';
import { ClientAbortError, isClientAbort } from './json-body.js';
import { DfwError, NotFoundError, TooLargeError } from '../shared/errors.js';
import { bodyLimit } from './body-limit.js';
import { createLogger, type Logger } from '../shared/logger.js';
import type { Store } from '../store/types.js';
import { bundleRoutes } from './routes/bundles.js';
import { decisionRoutes } from './routes/decisions.js';
import { attestationRoutes } from './routes/attestations.js';
import type { AttestationSigner } from '../decide/attestation.js';
import { evidenceRoutes } from './routes/evidence.js';
import { waiverRoutes } from './routes/waivers.js';
import { waiverRequestRoutes } from './routes/waiver-requests.js';
import { checkRoutes } from './routes/check.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, type MetricsSource } from './routes/metrics.js';
import { openApiRoutes } from './routes/openapi.js';
import { ruleRoutes } from './routes/rules.js';
import { statusRoutes } from './routes/status.js';

export interface AppOptions {
  policy: ActivePolicy;
  tokens?: ApiToken[];
  logger?: Logger;
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodyBytes?: number;
  checks?: CheckService;
  /** The bundle server (central mode): /v1/bundles/:name and publishing. */
  bundles?: BundlePublisher;
  /** Edge mode: the poller that keeps the policy current, reported by /v1/status. */
  bundleSource?: Pick<BundlePoller, 'status'>;
  /** The decision log, waivers and evidence store: enables /v1/evidence, /v1/decisions, /v1/waivers. */
  store?: Store;
  /** Longest waiver an admin may grant, in days. */
  waiverMaxDays?: number;
  /** Further routes (the Kubernetes and GitHub integrations), mounted as they are. */
  integrations?: Hono[];
  /** The time waivers and evidence are judged against; the wall clock by default (tests inject one). */
  clock?: () => Date;
  /** Serves GET /metrics (src/host/metrics.ts). */
  metrics?: MetricsSource;
  /** Signs verification summaries for GET /v1/decisions/{id}/attestation (attestation.signing_key). */
  attestationSigner?: AttestationSigner;
  /**
   * With no tokens, which Host names are answered: 'loopback' (against DNS rebinding; see
   * requireLoopbackHost) or 'any'. By default 'loopback' when there is a store, as in
   * `dfw serve`, whose anonymous mode binds to loopback only; 'any' without one, as in the
   * edge runtime, whose anonymous mode (DFW_ALLOW_ANONYMOUS) is public on purpose and only
   * evaluates checks.
   */
  anonymousHosts?: 'loopback' | 'any';
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** A check stopped because its caller stopped waiting (routes/check.ts passes the client's signal). */
const isAbandonedCheck = (err: unknown) => err instanceof DfwError && err.code === 'check_aborted';

export function createApp(options: AppOptions): Hono {
  const tokens = options.tokens ?? [];
  checkUniqueTokens(tokens);
  const logger = options.logger ?? createLogger();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const checks = options.checks ?? createCheckService(options.policy);

  const app = new Hono();
  const onError = handleError(logger);
  app.onError((err, c) => {
    // A client that went away mid-request is a client event: debug and a counter, not a 500
    // in the log. Only the abort itself counts — the body read cut short, a check abandoned
    // because its caller left — never whatever else failed once the client had gone: that
    // is still dfw's own error, and logged as one.
    if (isClientAbort(err) || isAbandonedCheck(err)) {
      logger.debug('client aborted', { path: c.req.path, method: c.req.method, error: err.message });
      options.metrics?.clientAborted?.();
      return errorResponse(c, err instanceof ClientAbortError ? err : new ClientAbortError(err));
    }
    return onError(err, c);
  });
  app.notFound((c) => errorResponse(c, new NotFoundError('not_found', `no route ${c.req.method} ${c.req.path}`)));
  if ((options.anonymousHosts ?? (options.store ? 'loopback' : 'any')) === 'loopback') app.use('*', requireLoopbackHost(tokens));
  app.use(
    '/v1/*',
    bodyLimit(maxBodyBytes, (c) => errorResponse(c, new TooLargeError('payload_too_large', `the body is larger than the limit of ${maxBodyBytes} bytes`))),
  );
  app.route('/', healthRoutes({ policy: options.policy }));
  app.route('/', openApiRoutes());
  if (options.metrics) app.route('/', metricsRoutes(options.metrics));
  app.route('/', checkRoutes({ tokens, checks, logger }));
  app.route('/', ruleRoutes({ tokens, policy: options.policy }));
  if (options.store) {
    const clock = options.clock ? { clock: options.clock } : {};
    app.route('/', evidenceRoutes({ tokens, store: options.store, ...clock }));
    app.route('/', attestationRoutes({ tokens, store: options.store, ...(options.attestationSigner ? { signer: options.attestationSigner } : {}) }));
    app.route('/', decisionRoutes({ tokens, store: options.store }));
    app.route('/', waiverRoutes({ tokens, store: options.store, maxDays: options.waiverMaxDays ?? 90, ...clock }));
    app.route('/', waiverRequestRoutes({ tokens, store: options.store, maxDays: options.waiverMaxDays ?? 90, ...clock }));
  }
  for (const integration of options.integrations ?? []) app.route('/', integration);
  if (options.bundles) app.route('/', bundleRoutes({ tokens, publisher: options.bundles, logger }));
  app.route('/', statusRoutes({ tokens, policy: options.policy, ...(options.bundleSource ? { source: options.bundleSource } : {}), ...(options.bundles ? { publisher: options.bundles } : {}) }));
  return app;
}
