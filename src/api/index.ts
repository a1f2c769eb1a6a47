// The HTTP API's public surface.
export { createApp, DEFAULT_MAX_BODY_BYTES, type AppOptions } from './app.js';
export { ROLES, type ApiToken, type Role, type Caller } from './auth.js';
