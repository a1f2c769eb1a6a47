// GET /healthz (the process answers) and GET /readyz (a verified bundle is loaded). Open
// to everyone: probes carry no token.
import { Hono } from 'hono';
import type { ActivePolicy } from '../../engine/index.js';

export function healthRoutes(deps: { policy: ActivePolicy }) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const status = deps.policy.status();
    return status.revision !== null ? c.json({ status: 'ready', ...status }) : c.json({ status: 'not ready', reason: 'no verified bundle is loaded', ...status }, 503);
  });
  return app;
}
