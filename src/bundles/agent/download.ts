// Small pieces of the poller's HTTP handling: reading a body with a size limit, error
// causes for messages, an abortable sleep. Web-standard.
import { describeThrown } from '../../engine/index.js';

/** The `cause` fetch hides its real reason in (ECONNREFUSED, a TLS error …), for messages. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause ? ` (${describeThrown(cause)})` : '';
}

/**
 * The response body, refused once it exceeds `limit` bytes (declared or actual), so a
 * hostile or broken server cannot exhaust memory. Shared by the Node poller and the edge
 * runtime, hence Web streams only.
 */
export async function readLimited(response: Response, limit: number, signal?: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new Error(`the bundle is ${declared} bytes, more than the limit of ${limit}`);
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const problem = signal?.aborted ? 'the download was aborted' : size + value.byteLength > limit ? `the bundle is more than the limit of ${limit} bytes` : undefined;
    if (problem) {
      await reader.cancel().catch(() => undefined);
      throw new Error(problem);
    }
    size += value.byteLength;
    chunks.push(value);
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
