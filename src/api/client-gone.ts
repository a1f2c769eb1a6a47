// An AbortSignal that fires when the client of a request goes away before its answer is
// sent, for work that must not go on for nobody: a check records its decision only if its
// caller still waits (CheckContext.signal). @hono/node-server has such a signal
// (Request.signal), but reading it builds the whole Web Request — a ReadableStream over the
// Node stream and an AbortController — which body-limit.ts avoids on purpose. Under Node the
// response itself tells the same thing, for one listener: 'close' fires when the connection
// closes, and `writableFinished` says whether the answer was sent by then — the test
// @hono/node-server's own listener applies, so a request answered in full on a keep-alive
// connection never counts as aborted. Elsewhere (the edge runtime, app.request in tests)
// the Web Request's own signal is already there. Web-standard: nothing here imports Node.
import type { Context } from 'hono';

/** The parts of the Node response (`env.outgoing` under @hono/node-server) read here. */
interface NodeOutgoing {
  writableFinished?: boolean;
  /** Set once the connection closed (Node ≥ 18). */
  closed?: boolean;
  destroyed?: boolean;
  once?: (event: 'close', listener: () => void) => unknown;
}

/** Why the signal fired, as CheckAbortedError repeats it. */
export const CLIENT_GONE = 'the client closed the connection before its answer';

export function clientGoneSignal(c: Context): AbortSignal {
  const outgoing = (c.env as { outgoing?: NodeOutgoing } | undefined)?.outgoing;
  if (!outgoing || typeof outgoing.once !== 'function') return c.req.raw.signal;
  const controller = new AbortController();
  const gone = () => {
    if (!outgoing.writableFinished) controller.abort(new Error(CLIENT_GONE));
  };
  // Gone already (between the body's last byte and now): 'close' will not fire again.
  if (outgoing.closed === true || outgoing.destroyed === true) gone();
  else outgoing.once('close', gone);
  return controller.signal;
}
