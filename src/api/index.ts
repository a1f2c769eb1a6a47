// The HTTP API's public surface.
export { createApp, DEFAULT_MAX_BODY_BYTES, type AppOptions } from './app.js';
export { createCheckService, type CheckService, type CheckContext, type CheckOutcome } from './check-service.js';
export { ApiError } from './errors.js';
export { ROLES, sha256Hex, type ApiToken, type Role, type Caller } from './auth.js';
export { createLogger, createMemoryLogger, type Logger, type LogLevel } from './logger.js';
