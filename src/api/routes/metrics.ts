// GET /metrics in the Prometheus text format. Open like the health routes: scrapers carry no
// token, and the figures are counts by rule, environment and verdict — no inputs, no names
// of applications or callers.
import { Hono } from 'hono';

/** What the route needs; src/host/metrics.ts provides it with prom-client. */
export interface MetricsSource {
  contentType: string;
  render(): Promise<string>;
  /** Counts a client that went away mid-request (dfw_client_aborts_total). */
  clientAborted?(): void;
}

export function metricsRoutes(source: MetricsSource) {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await source.render(), 200, { 'content-type': source.contentType }));
  return app;
}
