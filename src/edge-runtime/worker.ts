// The Workers-style entry: `export default { fetch }`. Settings come from the Worker's
// environment bindings (the second argument of fetch), else from globalThis.DFW_EDGE_CONFIG;
// the handler is built once per isolate and settings, at the first request (Workers forbid
// network I/O at module scope, so nothing is fetched before a request arrives).
import { createEdgeHandler, EdgeConfigError, type EdgeHandler } from './handler.js';
import { edgeOptionsFromSettings, pickEdgeSettings, type EdgeSettings } from './env-config.js';

let cached: { key: string; handler: EdgeHandler } | undefined;

function settingsFor(env: unknown): EdgeSettings {
  const fromEnv = pickEdgeSettings(env);
  return Object.keys(fromEnv).length > 0 ? fromEnv : pickEdgeSettings((globalThis as { DFW_EDGE_CONFIG?: unknown }).DFW_EDGE_CONFIG);
}

function handlerFor(settings: EdgeSettings): EdgeHandler {
  const key = JSON.stringify(settings);
  if (cached?.key !== key) cached = { key, handler: createEdgeHandler(edgeOptionsFromSettings(settings)) };
  return cached.handler;
}

function misconfigured(message: string): Response {
  // Never an allow: a Worker that cannot build its handler answers every check with an error.
  return Response.json({ error: { code: 'edge_misconfigured', message } }, { status: 500 });
}

export default {
  async fetch(request: Request, env?: unknown): Promise<Response> {
    let handler: EdgeHandler;
    try {
      handler = handlerFor(settingsFor(env));
    } catch (err) {
      if (new URL(request.url).pathname === '/healthz') return Response.json({ status: 'ok' });
      if (err instanceof EdgeConfigError) return misconfigured(err.message);
      throw err;
    }
    return handler.fetch(request);
  },
};
