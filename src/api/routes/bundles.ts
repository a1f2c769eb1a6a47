// The bundle server, speaking OPA's bundle protocol so dfw edge evaluators and stock OPA
// agents alike can pull: GET /v1/bundles/:name (ETag, If-None-Match -> 304, long polling
// with `Prefer: wait=N`), PUT to publish (admin; verified before it is accepted), POST
// .../rollback (admin), GET .../revisions (admin).
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BUNDLE_MEDIA_TYPE, GZIP_MEDIA_TYPE, ifNoneMatchMatches, MAX_LONG_POLL_SECONDS, preferredWaitSeconds } from '../../edge/protocol.js';
import type { BundlePublisher } from '../../edge/publisher.js';
import { assertBundleName, PublishError } from '../../edge/revisions.js';
import { FirewallError } from '../../engine/index.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { ApiError } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { Logger } from '../logger.js';

const PUBLISH_STATUS: Record<string, ContentfulStatusCode> = {
  bundle_name_invalid: 400,
  bundle_empty: 400,
  bundle_revision_missing: 422,
  bundle_not_found: 404,
  revision_not_kept: 404,
  publish_disabled: 409,
  revision_conflict: 409,
  no_previous_revision: 409,
  revision_corrupt: 500,
};

/** Publish errors keep their code; a bundle the engine refuses is 422 with the engine's reason. */
function toApiError(err: unknown, action: string): unknown {
  if (err instanceof PublishError) return new ApiError(PUBLISH_STATUS[err.code] ?? 400, err.code, err.message, undefined, { cause: err });
  if (err instanceof FirewallError) return new ApiError(422, err.code, `bundle refused, nothing changed: ${err.message}`, undefined, { cause: err });
  return err instanceof Error ? err : new Error(`${action} failed: ${String(err)}`);
}

function nameParam(c: Context): string {
  const name = c.req.param('name') ?? '';
  try {
    assertBundleName(name);
  } catch (err) {
    throw toApiError(err, 'reading the name');
  }
  return name;
}

export function bundleRoutes(deps: { tokens: ApiToken[]; publisher: BundlePublisher; logger: Logger }) {
  const { publisher, logger } = deps;
  const app = new Hono<{ Variables: { caller: Caller } }>();

  // Edge evaluators and OPA agents send a `check` token (OPA: services.<name>.credentials.bearer).
  app.get('/v1/bundles/:name', requireRole(deps.tokens, 'check'), async (c) => {
    const name = nameParam(c);
    let served = publisher.active(name);
    if (!served) throw new ApiError(404, 'bundle_not_found', `nothing is published under "${name}"`);
    const wait = preferredWaitSeconds(c.req.header('prefer'));
    const longPoll = wait !== undefined && wait > 0;
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatchMatches(ifNoneMatch, served.etag) && longPoll) {
      // Held until a new revision is active, `wait` seconds pass, the client leaves or we shut down.
      await publisher.waitForChange(name, served.etag, Math.min(wait, MAX_LONG_POLL_SECONDS) * 1000, c.req.raw.signal);
      served = publisher.active(name) ?? served;
    }
    // Shutting down: end the connection too, or a client would long-poll again on it at once.
    if (publisher.closed) c.header('Connection', 'close');
    c.header('Cache-Control', 'no-cache');
    c.header('Vary', 'Prefer');
    c.header('ETag', served.etag);
    if (ifNoneMatchMatches(ifNoneMatch, served.etag)) return c.body(null, 304);
    c.header('Content-Type', longPoll ? BUNDLE_MEDIA_TYPE : GZIP_MEDIA_TYPE);
    return c.body(served.bytes as Uint8Array<ArrayBuffer>, 200);
  });

  app.put('/v1/bundles/:name', requireRole(deps.tokens, 'admin'), async (c) => {
    const name = nameParam(c);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const caller = c.get('caller').name;
    const result = await publisher.publish(name, bytes, caller).catch((err) => {
      logger.warn('bundle publish refused', { name, caller, error: (err as Error).message });
      throw toApiError(err, 'publishing');
    });
    logger.info('bundle published', { name, revision: result.revision, digest: result.digest, caller, policy_activated: result.policy_activated, kept: result.kept.length });
    return c.json(result);
  });

  app.post('/v1/bundles/:name/rollback', requireRole(deps.tokens, 'admin'), async (c) => {
    const name = nameParam(c);
    // A body is optional; when sent it is JSON naming the revision (or digest) to activate.
    const body = c.req.header('content-type') ? await readJsonBody(c) : {};
    const target = (body && typeof body === 'object' ? body : {}) as { revision?: unknown; digest?: unknown };
    if ((target.revision !== undefined && typeof target.revision !== 'string') || (target.digest !== undefined && typeof target.digest !== 'string')) {
      throw new ApiError(400, 'invalid_request', 'the body may name "revision" or "digest", each a string');
    }
    const caller = c.get('caller').name;
    const result = await publisher
      .rollback(name, { ...(target.revision ? { revision: target.revision as string } : {}), ...(target.digest ? { digest: target.digest as string } : {}) })
      .catch((err) => {
        logger.warn('bundle rollback refused', { name, caller, error: (err as Error).message });
        throw toApiError(err, 'rolling back');
      });
    logger.info('bundle rolled back', { name, revision: result.revision, previous: result.previous, caller });
    return c.json(result);
  });

  app.get('/v1/bundles/:name/revisions', requireRole(deps.tokens, 'admin'), (c) => {
    const name = nameParam(c);
    const index = publisher.history(name);
    if (!index || index.revisions.length === 0) throw new ApiError(404, 'bundle_not_found', `nothing is published under "${name}"`);
    return c.json({ name, active: index.active, activated_at: index.activated_at, revisions: index.revisions });
  });
  return app;
}
