// Reads a JSON request body: the content type must be JSON in UTF-8 (415 otherwise) and the
// bytes must pass the strict reader (400 naming the field and the reason otherwise). The
// size limit is the bodyLimit middleware's job (413).
import type { Context } from 'hono';
import { readBody } from './body-limit.js';
import { checkJsonMediaType, decodeStrictUtf8, parseStrictJson, validateStrictJson } from './strict-json.js';
import { DfwError } from '../shared/errors.js';

/**
 * The client went away before its body arrived. No one reads the answer; the app logs it at
 * debug and counts it (dfw_client_aborts_total) instead of logging a server error.
 */
export class ClientAbortError extends DfwError {
  override name = 'ClientAbortError';
  constructor(cause: unknown) {
    super('client_aborted', 'the client closed the connection before the body arrived', { kind: 'invalid_input', cause });
  }
}

/** Whether `err` (thrown while reading a body or answering) means the client went away. */
export function isClientAbort(err: unknown, request?: Request): boolean {
  // dfw's own errors say what failed, even when the client has gone meanwhile.
  if (err instanceof DfwError) return err instanceof ClientAbortError;
  if (request?.signal.aborted === true) return true;
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  return e?.name === 'AbortError' || e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.message === 'aborted';
}

/** 415 unless the request declares a JSON body (or one of `accepted`) in UTF-8. */
export function requireJsonContentType(c: Context, accepted?: readonly string[]): void {
  checkJsonMediaType(c.req.header('content-type'), accepted);
}

/**
 * The raw body. A client that goes away mid-body is a client event, not a server error:
 * it becomes a ClientAbortError, which the error table logs at debug and counts.
 */
export async function readBodyBytes(c: Context): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await readBody(c);
  } catch (err) {
    if (isClientAbort(err, c.req.raw)) throw new ClientAbortError(err);
    throw err;
  }
}

export async function readJsonBody(c: Context): Promise<unknown> {
  requireJsonContentType(c);
  return parseStrictJson(decodeStrictUtf8(await readBodyBytes(c)));
}

/**
 * The body as strictly valid JSON text, for parsers that read the text themselves (evidence
 * reports). A plain syntax error is left to that parser, whose message names the format,
 * line and column; everything JSON.parse would wrongly accept is refused here.
 */
export async function readJsonText(c: Context, accepted?: readonly string[], what = 'the body'): Promise<string> {
  requireJsonContentType(c, accepted);
  const text = decodeStrictUtf8(await readBodyBytes(c), what);
  try {
    validateStrictJson(text, { what });
  } catch (err) {
    if (!(err instanceof DfwError && err.code === 'invalid_json')) throw err;
  }
  return text;
}
