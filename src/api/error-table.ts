// The one place where errors become HTTP answers. Rooms below raise domain errors
// (src/shared/errors.ts) with a code and a kind; this table turns a kind into a status and
// the error into a JSON body. Every route, the admission webhook and the GitHub handler
// answer through it. Stacks go to the log only; a client sees a code and a message it can
// act on, and anything that is not a DfwError is a logged 500 with no detail.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DfwError, type ErrorKind, type FieldError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export const STATUS_OF_KIND: Record<ErrorKind, ContentfulStatusCode> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  refused: 422,
  internal: 500,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[]; request_id?: string };
}

export interface HttpError {
  status: ContentfulStatusCode;
  body: ErrorBody;
}

const INTERNAL: HttpError = { status: 500, body: { error: { code: 'internal_error', message: 'internal error; the server log has the details' } } };

/** The status and body for anything thrown; not a DfwError means a 500 that says nothing. */
export function httpErrorOf(err: unknown): HttpError {
  if (!(err instanceof DfwError)) return INTERNAL;
  return {
    status: STATUS_OF_KIND[err.kind],
    body: { error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } },
  };
}

/** Seconds a client should wait before retrying a 503 (no bundle yet, database down or full). */
export const RETRY_AFTER_SECONDS = 5;

/** Answers with the table's status and body; a 503 says when to try again. */
export function errorResponse(c: Context, err: unknown): Response {
  const { status, body } = httpErrorOf(err);
  if (status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
  return c.json(body, status);
}

/** Hono's onError: every error through the table; server-side failures are logged. */
export function handleError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    const answer = httpErrorOf(err);
    if (answer.status >= 500) {
      const fields = { path: c.req.path, method: c.req.method, error: err.message, stack: err.stack };
      if (err instanceof DfwError) logger.error('request failed', { ...fields, code: err.code });
      else logger.error('unhandled error', fields);
    }
    if (answer.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return c.json(answer.body, answer.status);
  };
}
