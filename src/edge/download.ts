// Small pieces of the poller's HTTP handling: reading a body with a size limit, error
// causes for messages, an abortable sleep. Web-standard.
import { describeThrown } from '../engine/index.js';

/** The `cause` fetch hides its real reason in (ECONNREFUSED, a TLS error …), for messages. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause ? ` (${describeThrown(cause)})` : '';
}

/** The response body, refused once it exceeds `limit` bytes (declared or actual). */
export async function readLimited(response: Response, limit: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new Error(`the bundle is ${declared} bytes, more than the limit of ${limit}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (signal.aborted) throw new Error('the download was aborted');
    size += chunk.byteLength;
    if (size > limit) throw new Error(`the bundle is more than the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
