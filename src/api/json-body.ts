// Reads a JSON request body: the content type must say JSON (415 otherwise) and the text
// must parse (400 naming the position otherwise). The size limit is the bodyLimit
// middleware's job (413).
import type { Context } from 'hono';
import { InvalidInputError, UnsupportedMediaTypeError } from '../shared/errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** 415 unless the request declares a JSON body. */
export function requireJsonContentType(c: Context): void {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new UnsupportedMediaTypeError('unsupported_media_type', `the body must be JSON (Content-Type: application/json), got ${type ? `"${type}"` : 'no Content-Type'}`);
  }
}

export async function readJsonBody(c: Context): Promise<unknown> {
  requireJsonContentType(c);
  const text = await c.req.text();
  if (text.trim() === '') throw new InvalidInputError('invalid_json', 'the body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
