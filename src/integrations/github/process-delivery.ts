// Handling one accepted delivery, after the webhook was answered: build the check request,
// evaluate (any failure becomes a "rejected" review: fail closed), then post the review to
// GitHub as the App. Whatever happens is logged and reported as a ProtectionOutcome.
import type { CheckService } from '../../decide/index.js';
import type { Logger } from '../../shared/logger.js';
import { parseCheckRequest, type CheckRequest } from '../../collect/check-request.js';
import { DfwError } from '../../shared/errors.js';
import type { InstallationTokens } from './app-auth.js';
import { resolveCallbackUrl, sendReview } from './callback.js';
import { buildCheckRequest, type RequestMapping } from './check-request.js';
import { reviewForDecision, reviewForFailure, type ReviewComment, type ReviewState } from './comment.js';
import type { DeliveryLog } from './deliveries.js';
import type { DeploymentProtectionRuleEvent } from './event.js';
import type { FetchLike, RetryPolicy, RetryReport } from './http.js';

export interface ProtectionOutcome {
  deliveryId: string;
  repository: string;
  /** The GitHub environment, as sent back in environment_name. */
  environment: string;
  state: ReviewState;
  comment: string;
  decisionId?: string;
  /** Why no decision was made (the review then rejects: failed closed). */
  error?: string;
  callback: { sent: boolean; attempts: number; status?: number; error?: string };
}

export interface DeliveryProcessorDeps {
  checks: CheckService;
  logger: Logger;
  appId: string;
  mapping: RequestMapping;
  buildRequest?: (event: DeploymentProtectionRuleEvent, request: CheckRequest) => CheckRequest | Promise<CheckRequest>;
  tokens: InstallationTokens;
  deliveries: DeliveryLog;
  fetch: FetchLike;
  retry: RetryPolicy;
}

/** The identity decisions record as the caller of GitHub-originated checks. */
export const callerOf = (appId: string) => `github-app:${appId}`;

/** Messages of dfw's own errors are written for people; anything else stays in the log. */
function publicReason(err: unknown, deliveryId: string): string {
  if (err instanceof DfwError) return err.message;
  return `internal error; the dfw log has the details (delivery ${deliveryId})`;
}

export function createDeliveryProcessor(deps: DeliveryProcessorDeps): (event: DeploymentProtectionRuleEvent, deliveryId: string) => Promise<ProtectionOutcome> {
  const { logger, tokens, deliveries } = deps;
  const logRetry = (deliveryId: string) => (r: RetryReport) =>
    logger.warn('github review failed, retrying', { delivery: deliveryId, attempt: r.attempt, delay_ms: r.delayMs, status: r.error.status, error: r.error.message });

  async function evaluate(event: DeploymentProtectionRuleEvent, deliveryId: string): Promise<{ review: ReviewComment; decisionId?: string; error?: string }> {
    let request: CheckRequest | undefined;
    try {
      request = buildCheckRequest(event, deps.mapping, deliveryId);
      if (deps.buildRequest) request = await deps.buildRequest(event, request);
      request = parseCheckRequest(request);
      const { decision } = await deps.checks.check(request, { via: 'github', caller: callerOf(deps.appId) });
      logger.info('decision', {
        decision_id: decision.decision_id,
        allow: decision.allow,
        application: request.application,
        environment: request.environment,
        caller: callerOf(deps.appId),
        revision: decision.bundle.revision,
        delivery: deliveryId,
      });
      return { review: reviewForDecision(decision, { application: request.application, environment: decision.environment }), decisionId: decision.decision_id };
    } catch (err) {
      const reason = publicReason(err, deliveryId);
      logger.error('github check failed; rejecting (fail closed)', {
        delivery: deliveryId,
        repository: event.repository.full_name,
        environment: event.environment,
        error: (err as Error)?.message ?? String(err),
        stack: (err as Error)?.stack,
      });
      const context = request ? { application: request.application, environment: request.environment } : {};
      return { review: reviewForFailure(reason, context), error: reason };
    }
  }

  return async function processDelivery(event, deliveryId) {
    const { review, decisionId, error } = await evaluate(event, deliveryId);
    const outcome: ProtectionOutcome = {
      deliveryId,
      repository: event.repository.full_name,
      environment: event.environment,
      state: review.state,
      comment: review.comment,
      ...(decisionId ? { decisionId } : {}),
      ...(error ? { error } : {}),
      callback: { sent: false, attempts: 0 },
    };
    try {
      const url = resolveCallbackUrl(event.deployment_callback_url, tokens.apiBaseUrl, event.repository.full_name);
      const sent = await sendReview(
        url,
        { environment_name: event.environment, state: review.state, comment: review.comment },
        {
          tokens,
          installationId: event.installation.id,
          ...(typeof event.repository.id === 'number' ? { repositoryId: event.repository.id } : {}),
          fetch: deps.fetch,
          retry: deps.retry,
          onRetry: logRetry(deliveryId),
        },
      );
      outcome.callback = { sent: true, attempts: sent.attempts, status: sent.status };
      logger.info('github review sent', { delivery: deliveryId, repository: outcome.repository, environment: outcome.environment, state: review.state, decision_id: decisionId, attempts: sent.attempts });
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      outcome.callback = { sent: false, attempts: (err as { attempts?: number }).attempts ?? 0, error: message };
      logger.error('github review not sent; the deployment stays waiting', {
        delivery: deliveryId,
        repository: outcome.repository,
        environment: outcome.environment,
        state: review.state,
        decision_id: decisionId,
        code: (err as DfwError)?.code,
        error: message,
      });
      // A redelivery of this id (same X-GitHub-Delivery) may then try again.
      await deliveries.release(deliveryId);
    }
    return outcome;
  };
}
