// Graceful drain of the HTTP listener on shutdown. Node's server.close() only stops the
// listener: keep-alive clients that keep sending are served until the shutdown timeout and
// then reset mid-request (issue 18, defect 3). Draining instead answers every response with
// `Connection: close`, refuses requests that arrive on old connections with 503 and
// `Retry-After` (the client retries elsewhere), finishes what is in flight and closes idle
// connections, so the process exits as soon as the work in hand is done.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { httpErrorOf } from '../api/error-table.js';
import { fixedCodeError } from '../shared/errors.js';

export class ShuttingDownError extends fixedCodeError('ShuttingDownError', 'shutting_down', 'unavailable') {}

/** Seconds a refused client is told to wait: enough for a load balancer to drop this replica. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Idle keep-alive connections stay open this long after the drain starts, so a client that
 * sends on one learns "503, retry" instead of meeting a reset on a connection it thought
 * open; after that (and once nothing is in flight) they are closed.
 */
export const IDLE_GRACE_MS = 1000;

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export interface Drain {
  /** Wraps the app's fetch: while draining, new requests get 503 + Retry-After. */
  guard<F extends Fetch>(fetch: F): F;
  /** Counts requests in flight and marks their answers `Connection: close` once draining. */
  attach(server: Server): void;
  /**
   * Stops listening and starts draining; resolves once every connection has ended (in-flight
   * answers sent, idle connections closed after IDLE_GRACE_MS).
   */
  start(): Promise<void>;
  /** Ends every connection now, in flight or not (the shutdown timeout). */
  abort(): void;
  readonly draining: boolean;
}

export function createDrain(): Drain {
  let draining = false;
  let server: Server | undefined;
  const active = new Set<ServerResponse>();
  let graceOver = false;
  let stopped: Promise<void> | undefined;

  const closeWhenIdle = () => {
    if (draining && graceOver && active.size === 0) server?.closeIdleConnections();
  };

  return {
    get draining() {
      return draining;
    },
    guard<F extends Fetch>(fetch: F): F {
      return ((request: Request, ...rest: never[]) => {
        if (!draining) return fetch(request, ...rest);
        const { status, body } = httpErrorOf(new ShuttingDownError('the server is shutting down; retry on another replica'));
        return Response.json(body, { status, headers: { 'retry-after': String(RETRY_AFTER_SECONDS), connection: 'close' } });
      }) as F;
    },
    attach(target) {
      server = target;
      // Prepended, so it runs before the adapter's listener writes anything.
      target.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
        if (draining) res.setHeader('connection', 'close');
        active.add(res);
        res.once('close', () => {
          active.delete(res);
          closeWhenIdle();
        });
      });
    },
    start() {
      if (stopped) return stopped;
      draining = true;
      // Answers not yet begun close their connection after they are sent.
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      stopped = new Promise<void>((resolve) => {
        if (!server?.listening) return resolve();
        // net.Server's close, not http.Server's: the latter also drops idle keep-alive
        // connections at once, and a client sending on one then meets a reset, not a 503.
        NetServer.prototype.close.call(server, () => resolve());
      });
      setTimeout(() => {
        graceOver = true;
        closeWhenIdle();
      }, IDLE_GRACE_MS);
      return stopped;
    },
    abort() {
      server?.closeAllConnections();
    },
  };
}
