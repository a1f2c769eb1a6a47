// The one HTTP error type, and the one onError that turns anything into a JSON answer.
// Stacks go to the log only; a client sees a code and a message it can act on.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../collect/schema-validation.js';
import { FirewallError } from '../engine/index.js';
import type { Logger } from './logger.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[]; request_id?: string };
}

export function errorResponse(c: Context, err: ApiError): Response {
  const body: ErrorBody = { error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } };
  return c.json(body, err.status);
}

/** Hono's onError: ApiErrors answer as they say; anything else is a logged 500. */
export function handleError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ApiError) {
      if (err.status >= 500) logger.error('request failed', { path: c.req.path, code: err.code, error: err.message, stack: err.stack });
      return errorResponse(c, err);
    }
    if (err instanceof FirewallError) {
      // The engine's errors say what failed without leaking internals; still never an allow.
      logger.error('evaluation error', { path: c.req.path, code: err.code, error: err.message, stack: err.stack });
      return errorResponse(c, new ApiError(500, err.code, err.message));
    }
    logger.error('unhandled error', { path: c.req.path, method: c.req.method, error: err.message, stack: err.stack });
    return errorResponse(c, new ApiError(500, 'internal_error', 'internal error; the server log has the details'));
  };
}
