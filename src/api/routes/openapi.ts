// GET /openapi.json: the OpenAPI 3.1 document of this API (src/api/openapi.ts). Open like
// the health routes: it describes the API, it grants nothing.
import { Hono } from 'hono';
import { openApiDocument } from '../openapi.js';

export function openApiRoutes() {
  const app = new Hono();
  // Built once: the document depends on nothing but the code.
  const document = openApiDocument();
  app.get('/openapi.json', (c) => c.json(document));
  return app;
}
