// POST /github/deployment-protection: GitHub's custom deployment protection rule. The
// signature is checked before anything else; a `requested` delivery is answered 202 at once
// (GitHub gives a webhook 10 seconds) and then checked and reviewed in the background:
// evaluate -> app JWT -> installation token -> POST the callback, retried on 5xx/network.
import { Hono, type Context } from 'hono';
import type { CheckService } from '../../decide/index.js';
import { errorResponse } from '../../api/error-table.js';
import { bodyLimit } from '../../api/body-limit.js';
import { readBodyBytes } from '../../api/json-body.js';
import { checkJsonMediaType, parseStrictJsonBytes } from '../../api/strict-json.js';
import { DfwError, InvalidInputError, TooLargeError, UnauthenticatedError, UnavailableError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { CheckRequest } from '../../collect/check-request.js';
import { InstallationTokens, type GitHubAppCredentials } from './app-auth.js';
import { validateImageTemplate, type RequestMapping } from './check-request.js';
import { createMemoryDeliveryLog, type DeliveryLog } from './deliveries.js';
import { EventPayloadError, parseProtectionRuleEvent, PROTECTION_RULE_EVENT, REQUESTED_ACTION, type DeploymentProtectionRuleEvent } from './event.js';
import { DEFAULT_RETRY_POLICY, type FetchLike, type RetryPolicy } from './http.js';
import { createDeliveryProcessor, type ProtectionOutcome } from './process-delivery.js';
import { createWebhookVerifier } from './signature.js';

export type { ProtectionOutcome } from './process-delivery.js';

export const GITHUB_PROTECTION_PATH = '/github/deployment-protection';
/** deployment_protection_rule payloads are a few KB; GitHub caps any payload at 25 MB. */
export const DEFAULT_GITHUB_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT = 64;

export interface GitHubProtectionDeps extends RequestMapping {
  checks: CheckService;
  logger: Logger;
  /** The GitHub App's webhook secret (X-Hub-Signature-256). */
  webhookSecret: string;
  app: GitHubAppCredentials;
  /** Which delivery ids were handled; default in memory (LRU, 10,000 ids, 3 days). */
  deliveries?: DeliveryLog;
  /** Amends the check request built from the event (extra fields, inline evidence). */
  buildRequest?: (event: DeploymentProtectionRuleEvent, request: CheckRequest) => CheckRequest | Promise<CheckRequest>;
  /** Retries of GitHub API calls; merged over DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  maxBodyBytes?: number;
  /** Deliveries checked at once; beyond it GitHub gets 503 and the delivery can be redelivered. */
  maxInFlight?: number;
  /** Called when a delivery's handling ends, callback sent or not. */
  onSettled?: (outcome: ProtectionOutcome) => void;
  fetch?: FetchLike;
  now?: () => number;
}

export type GitHubProtectionApp = Hono & {
  /** Resolves when every delivery accepted so far has been handled (for tests and shutdown). */
  idle(): Promise<void>;
  /** Deliveries being handled now. */
  pending(): number;
};

function deliveryFields(c: Context) {
  return { delivery: c.req.header('x-github-delivery'), event: c.req.header('x-github-event') };
}

export function githubProtectionRoutes(deps: GitHubProtectionDeps): GitHubProtectionApp {
  const { logger } = deps;
  const verifier = createWebhookVerifier(deps.webhookSecret);
  if (deps.imageTemplate) validateImageTemplate(deps.imageTemplate);
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
  const fetchImpl: FetchLike = deps.fetch ?? ((input, init) => fetch(input, init));
  const deliveries = deps.deliveries ?? createMemoryDeliveryLog();
  const maxInFlight = deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_GITHUB_MAX_BODY_BYTES;
  const tokens = new InstallationTokens({ credentials: deps.app, fetch: fetchImpl, retry, ...(deps.now ? { now: deps.now } : {}) });
  const processDelivery = createDeliveryProcessor({
    checks: deps.checks,
    logger,
    appId: deps.app.appId,
    mapping: deps,
    ...(deps.buildRequest ? { buildRequest: deps.buildRequest } : {}),
    tokens,
    deliveries,
    fetch: fetchImpl,
    retry,
  });
  const inFlight = new Set<Promise<void>>();

  async function handle(event: DeploymentProtectionRuleEvent, deliveryId: string): Promise<void> {
    // Let the 202 go out before the (synchronous) Wasm evaluation starts.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const outcome = await processDelivery(event, deliveryId);
    deps.onSettled?.(outcome);
  }

  function track(task: Promise<void>, c: Context): void {
    const guarded = task.catch((err) => logger.error('github delivery handling crashed', { error: (err as Error)?.message, stack: (err as Error)?.stack }));
    inFlight.add(guarded);
    void guarded.finally(() => inFlight.delete(guarded));
    try {
      // Workers-style runtimes stop work after the response unless told to wait for it.
      c.executionCtx.waitUntil(guarded);
    } catch {
      // Node has no ExecutionContext; the process keeps running anyway.
    }
  }

  const app = new Hono();
  app.post(
    GITHUB_PROTECTION_PATH,
    async (c, next) => {
      if (!c.req.header('x-hub-signature-256')) {
        logger.warn('github delivery without X-Hub-Signature-256 refused', deliveryFields(c));
        return errorResponse(c, new UnauthenticatedError('signature_missing', 'X-Hub-Signature-256 is required; configure a webhook secret on the GitHub App'));
      }
      await next();
      return undefined;
    },
    bodyLimit(maxBodyBytes, (c) => errorResponse(c, new TooLargeError('payload_too_large', `the body is larger than the limit of ${maxBodyBytes} bytes`))),
    async (c) => {
      const raw = await readBodyBytes(c);
      if (!(await verifier.verify(raw, c.req.header('x-hub-signature-256')))) {
        logger.warn('github delivery with a wrong signature refused', deliveryFields(c));
        return errorResponse(c, new UnauthenticatedError('signature_invalid', 'X-Hub-Signature-256 does not match the body under the webhook secret'));
      }
      const eventName = c.req.header('x-github-event');
      if (eventName !== PROTECTION_RULE_EVENT) {
        logger.debug('github delivery ignored', deliveryFields(c));
        return c.json({ status: 'ignored', reason: `event ${eventName ?? '(none)'} is not ${PROTECTION_RULE_EVENT}` }, 202);
      }
      let body: unknown;
      try {
        // The same strict reader as every other JSON entry (src/api/strict-json.ts).
        checkJsonMediaType(c.req.header('content-type'));
        body = parseStrictJsonBytes(raw);
      } catch (err) {
        if (err instanceof DfwError) logger.warn('github delivery refused', { ...deliveryFields(c), error: err.message });
        return errorResponse(c, err);
      }
      const action = (body as { action?: unknown } | null)?.action;
      if (action !== REQUESTED_ACTION) {
        logger.debug('github delivery ignored', { ...deliveryFields(c), action });
        return c.json({ status: 'ignored', reason: `action ${String(action)} is not ${REQUESTED_ACTION}` }, 202);
      }
      const deliveryId = c.req.header('x-github-delivery');
      if (!deliveryId) return errorResponse(c, new InvalidInputError('delivery_missing', 'X-GitHub-Delivery is required'));
      let event: DeploymentProtectionRuleEvent;
      try {
        event = parseProtectionRuleEvent(body);
      } catch (err) {
        if (!(err instanceof EventPayloadError)) throw err;
        logger.warn('github delivery cannot be answered', { delivery: deliveryId, error: err.message });
        return errorResponse(c, err);
      }
      if (inFlight.size >= maxInFlight) {
        logger.warn('github delivery refused: too many in flight', { delivery: deliveryId, in_flight: inFlight.size });
        return errorResponse(c, new UnavailableError('busy', `${inFlight.size} deliveries are being checked; redeliver this one later`));
      }
      if (!(await deliveries.claim(deliveryId))) {
        logger.info('github delivery duplicate ignored', { delivery: deliveryId });
        return c.json({ status: 'duplicate delivery', delivery: deliveryId }, 200);
      }
      logger.info('github delivery accepted', { delivery: deliveryId, repository: event.repository.full_name, environment: event.environment, sha: event.sha ?? event.deployment?.sha });
      track(handle(event, deliveryId), c);
      return c.json({ status: 'accepted', delivery: deliveryId }, 202);
    },
  );

  return Object.assign(app, {
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    pending: () => inFlight.size,
  });
}
