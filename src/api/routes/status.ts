// GET /v1/status: which revision decides here and since when; on an edge evaluator also
// the last attempt to fetch a newer one (time, outcome) and the last error; on a bundle
// server what it publishes. Any valid token, like /v1/rules.
import { Hono } from 'hono';
import type { ActivePolicy } from '../../engine/index.js';
import type { BundlePoller } from '../../bundles/agent/poller.js';
import type { BundlePublisher } from '../../bundles/server/publisher.js';
import { requireAnyToken, type ApiToken, type Caller } from '../auth.js';

export interface StatusDeps {
  tokens: ApiToken[];
  policy: ActivePolicy;
  /** Edge mode: the poller. */
  source?: Pick<BundlePoller, 'status'>;
  /** The bundle server, when this process publishes. */
  publisher?: Pick<BundlePublisher, 'status'>;
}

export function statusRoutes(deps: StatusDeps) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.get('/v1/status', requireAnyToken(deps.tokens), (c) => {
    const policy = deps.policy.status();
    const poller = deps.source?.status();
    return c.json({
      mode: deps.source ? 'edge' : deps.publisher ? 'central' : 'local',
      bundle: { name: policy.bundle, revision: policy.revision, activated_at: policy.activated_at },
      last_attempt: poller?.last_attempt ?? null,
      last_error: policy.last_error === null ? null : { message: policy.last_error, at: policy.last_error_at },
      ...(poller ? { source: poller } : {}),
      ...(deps.publisher ? { publisher: deps.publisher.status() } : {}),
    });
  });
  return app;
}
