// The bundle server, speaking OPA's bundle protocol so dfw edge evaluators and stock OPA
// agents alike can pull: GET /v1/bundles/:name (ETag, If-None-Match -> 304, long polling
// with `Prefer: wait=N`), PUT to publish (admin; verified before it is accepted), POST
// .../rollback (admin), GET .../revisions (admin).
import { Hono, type Context } from 'hono';
import { BUNDLE_MEDIA_TYPE, GZIP_MEDIA_TYPE, ifNoneMatchMatches, MAX_LONG_POLL_SECONDS, preferredWaitSeconds } from '../../bundles/protocol.js';
import type { BundlePublisher } from '../../bundles/server/publisher.js';
import { assertBundleName } from '../../bundles/server/revisions.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { readBodyBytes, readJsonBody } from '../json-body.js';
import type { Logger } from '../../shared/logger.js';

function nameParam(c: Context): string {
  const name = c.req.param('name') ?? '';
  assertBundleName(name);
  return name;
}

export function bundleRoutes(deps: { tokens: ApiToken[]; publisher: BundlePublisher; logger: Logger }) {
  const { publisher, logger } = deps;
  const app = new Hono<{ Variables: { caller: Caller } }>();

  // Edge evaluators and OPA agents send a `check` token (OPA: services.<name>.credentials.bearer).
  app.get('/v1/bundles/:name', requireRole(deps.tokens, 'check'), async (c) => {
    const name = nameParam(c);
    let served = publisher.active(name);
    if (!served) throw new NotFoundError('bundle_not_found', `nothing is published under "${name}"`);
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
    const bytes = await readBodyBytes(c);
    const caller = c.get('caller').name;
    const result = await publisher.publish(name, bytes, caller).catch((err) => {
      logger.warn('bundle publish refused', { name, caller, error: (err as Error).message });
      throw err;
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
      throw new InvalidInputError('invalid_request', 'the body may name "revision" or "digest", each a string');
    }
    const caller = c.get('caller').name;
    const result = await publisher
      .rollback(name, { ...(target.revision ? { revision: target.revision as string } : {}), ...(target.digest ? { digest: target.digest as string } : {}) })
      .catch((err) => {
        logger.warn('bundle rollback refused', { name, caller, error: (err as Error).message });
        throw err;
      });
    logger.info('bundle rolled back', { name, revision: result.revision, previous: result.previous, caller });
    return c.json(result);
  });

  app.get('/v1/bundles/:name/revisions', requireRole(deps.tokens, 'admin'), (c) => {
    const name = nameParam(c);
    const index = publisher.history(name);
    if (!index || index.revisions.length === 0) throw new NotFoundError('bundle_not_found', `nothing is published under "${name}"`);
    return c.json({ name, active: index.active, activated_at: index.activated_at, revisions: index.revisions });
  });
  return app;
}
