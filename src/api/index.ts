// The HTTP API's public surface.
export { createApp } from './app.js';
export { ROLES, type ApiToken, type Role } from './auth.js';
