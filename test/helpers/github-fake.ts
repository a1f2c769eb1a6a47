// GitHub played by a real HTTP server on 127.0.0.1, for what cannot run here. It answers
// the two calls of a deployment protection rule as GitHub does (201 with a token for a
// valid app JWT; 204 for a review with an issued token) and records every request so a
// test can check the exact path, headers, body and token dfw sent.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json?: unknown;
  /** For token requests: the app JWT as verified against the App's public key. */
  jwt?: { ok: boolean; payload?: JWTPayload; header?: ProtectedHeaderParameters; error?: string };
  /** What the fake answered. */
  status: number;
}

export type Route = 'token' | 'callback';

export interface FakeGitHub {
  /** http://127.0.0.1:<port> — the API base URL dfw is configured with. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  tokenRequests(): RecordedRequest[];
  callbacks(): RecordedRequest[];
  /** The next `times` requests to `route` answer `status` (as GitHub's 5xx/4xx bodies). */
  fail(route: Route, status: number, times?: number): void;
  /** Tokens issued so far stop working (401 Bad credentials), as after a reinstall. */
  revokeTokens(): void;
  reset(): void;
  close(): Promise<void>;
}

const TOKEN_PATH = /^\/app\/installations\/(\d+)\/access_tokens$/;
const CALLBACK_PATH = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+\/deployment_protection_rule$/;

export async function startFakeGitHub(options: { appId: string; publicKeyPem: string }): Promise<FakeGitHub> {
  const publicKey = await importSPKI(options.publicKeyPem, 'RS256');
  const requests: RecordedRequest[] = [];
  const failures: Array<{ route: Route; status: number }> = [];
  let valid = new Set<string>();
  let issued = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        const record: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body, status: 0 };
        try {
          record.json = body ? JSON.parse(body) : undefined;
        } catch {
          // kept as text
        }
        requests.push(record);
        const answer = (status: number, payload?: unknown) => {
          record.status = status;
          res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' });
          res.end(payload === undefined ? undefined : JSON.stringify(payload));
        };
        const route: Route | undefined = TOKEN_PATH.test(path) ? 'token' : CALLBACK_PATH.test(path) ? 'callback' : undefined;
        if (req.method !== 'POST' || !route) return answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        const failAt = failures.findIndex((f) => f.route === route);
        if (failAt >= 0) {
          const { status } = failures.splice(failAt, 1)[0]!;
          return answer(status, { message: status >= 500 ? 'Server Error' : 'Failure' });
        }
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (route === 'token') {
          try {
            const header = decodeProtectedHeader(bearer ?? '');
            const { payload } = await jwtVerify(bearer ?? '', publicKey, { algorithms: ['RS256'], issuer: options.appId });
            record.jwt = { ok: true, payload, header };
          } catch (err) {
            record.jwt = { ok: false, error: (err as Error).message };
            return answer(401, { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest' });
          }
          const token = `ghs_fake${String(++issued).padStart(32, '0')}`;
          valid.add(token);
          return answer(201, {
            token,
            expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            permissions: { deployments: 'write' },
            repository_selection: 'selected',
          });
        }
        if (!bearer || !valid.has(bearer)) return answer(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
        const review = record.json as { environment_name?: unknown; state?: unknown } | undefined;
        if (typeof review?.environment_name !== 'string' || !['approved', 'rejected'].includes(String(review.state))) {
          return answer(422, { message: 'Invalid request.', documentation_url: 'https://docs.github.com/rest' });
        }
        return answer(204);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokenRequests: () => requests.filter((r) => TOKEN_PATH.test(r.path)),
    callbacks: () => requests.filter((r) => CALLBACK_PATH.test(r.path)),
    fail(route, status, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ route, status });
    },
    revokeTokens() {
      valid = new Set();
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
