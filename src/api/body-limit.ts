// The request body's size limit, and reading the body once. hono's bodyLimit asks for the
// Web Request's body stream on every request, which makes @hono/node-server build a whole
// Web Request (a ReadableStream over the Node stream, an AbortController) even for a GET:
// in a CPU profile that was a tenth of the server thread's time per check. Here a declared
// Content-Length is judged from the header alone; a body without one (chunked) is read
// once, counted, and kept for the route. Routes read bodies with readBody, which takes the
// Node request's bytes directly when the server is @hono/node-server, and the Web Request's
// otherwise (the edge runtime, app.request in tests). Web-standard: nothing here imports Node.
import type { Context, MiddlewareHandler } from 'hono';

/** Bodies the limit had to read to count them (no Content-Length), for the route to use. */
const buffered = new WeakMap<Request, Uint8Array<ArrayBuffer>>();

interface NodeIncoming {
  readableEnded?: boolean;
  iterator?: (options: { destroyOnReturn: boolean }) => AsyncIterable<Uint8Array>;
}

/**
 * The body chunks of the Node request @hono/node-server passes as `env.incoming`. Giving up
 * early (past the limit) must not destroy the request: that would reset the connection
 * before the 413 is written; Node discards the unread rest once the answer is sent.
 */
function nodeIncoming(c: Context): AsyncIterable<Uint8Array> | undefined {
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  if (!incoming || typeof incoming.iterator !== 'function' || incoming.readableEnded === true) return undefined;
  return incoming.iterator({ destroyOnReturn: false });
}

/** Collects chunks, giving up (undefined) past `maxBytes`. */
async function collect(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > maxBytes) return undefined;
    parts.push(chunk);
  }
  // Socket chunks are Buffers over ordinary (never shared) ArrayBuffers.
  if (parts.length === 1) return parts[0] as Uint8Array<ArrayBuffer>;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

async function* webChunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

export function bodyLimit(maxBytes: number, tooLarge: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      // The HTTP parser delivers exactly the declared length, so the header is the size.
      return Number.parseInt(declared, 10) > maxBytes ? tooLarge(c) : next();
    }
    const incoming = nodeIncoming(c);
    const body = incoming ?? (c.req.raw.body ? webChunks(c.req.raw.body) : undefined);
    if (!body) return next();
    const bytes = await collect(body, maxBytes);
    if (!bytes) return tooLarge(c);
    buffered.set(c.req.raw, bytes);
    return next();
  };
}

/** The whole body, read once (the size limit already applied). */
export async function readBody(c: Context): Promise<Uint8Array<ArrayBuffer>> {
  const kept = buffered.get(c.req.raw);
  if (kept) return kept;
  const incoming = nodeIncoming(c);
  if (incoming) return (await collect(incoming, Number.POSITIVE_INFINITY))!;
  return new Uint8Array(await c.req.arrayBuffer());
}
