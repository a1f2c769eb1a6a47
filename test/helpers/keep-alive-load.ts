// A steady load of POST /v1/check over keep-alive connections (node:http's Agent), every
// answer kept with when it was sent, its status and the headers that matter for shutdown.
import { Agent, request } from 'node:http';

export interface Exchange {
  sentAt: number;
  endedAt: number;
  status?: number;
  /** The Connection and Retry-After headers of the answer. */
  connection?: string;
  retryAfter?: string;
  body?: string;
  /** The socket error's code (ECONNREFUSED, ECONNRESET, …) when there was no answer. */
  error?: string;
}

export interface LoadOptions {
  url: string;
  body: string;
  token?: string;
  connections: number;
  /** A client stops at its first answer that is not a 200, or when this returns true. */
  stop: () => boolean;
  /** Filled as answers arrive (the same array is returned), so a test can wait for progress. */
  exchanges?: Exchange[];
}

export function post(agent: Agent, url: string, body: string, token?: string): Promise<Exchange> {
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const req = request(
      `${url}/v1/check`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            sentAt,
            endedAt: performance.now(),
            status: res.statusCode!,
            ...(res.headers.connection ? { connection: res.headers.connection } : {}),
            ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ sentAt, endedAt: performance.now(), error: err.code ?? err.message }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ sentAt, endedAt: performance.now(), error: err.code ?? err.message }));
    req.end(body);
  });
}

/** Runs `connections` clients, each sending its next check as soon as the last is answered. */
export async function runLoad(options: LoadOptions): Promise<Exchange[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const exchanges: Exchange[] = options.exchanges ?? [];
  const client = async () => {
    while (!options.stop()) {
      const exchange = await post(agent, options.url, options.body, options.token);
      exchanges.push(exchange);
      if (exchange.status !== 200) return;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, client));
  agent.destroy();
  return exchanges;
}
