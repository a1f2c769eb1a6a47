// GET against a Kubernetes API server with node:http(s): Web fetch cannot take a private
// CA, a client certificate or insecure-skip-tls-verify per request, kubeconfigs need all
// three. The collector's abort signal ends the request.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describeHttpFailure } from '../collector.js';
import { CollectorFailure, describeNetworkError, errorMessageOf } from './http.js';
import type { Connection } from './kubernetes-connection.js';

/** A pod list page is a few MB at most; refuse anything absurd rather than buffer it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** GET path (with query) as JSON; non-2xx and malformed JSON become CollectorFailures naming `service`. */
export async function getJson(connection: Connection, path: string, service: string, what: string, signal: AbortSignal): Promise<unknown> {
  // The server URL may carry a path prefix (API proxies such as Rancher's): keep it.
  const url = new URL(`${connection.server.toString().replace(/\/+$/, '')}${path}`);
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'dfw-collector' };
  if (connection.authorization) headers.authorization = connection.authorization;
  let response: IncomingMessage;
  let text: string;
  try {
    [response, text] = await new Promise<[IncomingMessage, string]>((resolve, reject) => {
      const options = {
        method: 'GET',
        headers,
        signal,
        ...(isHttps
          ? {
              rejectUnauthorized: connection.rejectUnauthorized,
              ...(connection.ca !== undefined ? { ca: connection.ca } : {}),
              ...(connection.cert !== undefined ? { cert: connection.cert } : {}),
              ...(connection.key !== undefined ? { key: connection.key } : {}),
              ...(connection.servername !== undefined ? { servername: connection.servername } : {}),
            }
          : {}),
      };
      const req = (isHttps ? httpsRequest : httpRequest)(url, options, (res) => {
        readBody(res).then((body) => resolve([res, body]), reject);
      });
      req.on('error', reject);
      req.end();
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    throw new CollectorFailure(describeNetworkError(service, url.toString(), err instanceof Error ? { cause: err } : err));
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain text body */
    }
    throw new CollectorFailure(describeHttpFailure(service, status, errorMessageOf(body)));
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CollectorFailure(`${service} answered ${status} with malformed JSON for ${what}: ${(err as Error).message}`);
  }
}
