// Real HTTP(S) servers on 127.0.0.1 standing in for GitHub, an OCI registry, a Kubernetes
// API server, ServiceNow and Jira. Each checks the exact request dfw makes (path, query,
// auth and media-type headers) and answers with the recorded shapes in ../shared/fixtures
// and the APIs' documented error bodies. Tests can override any route (an error status, a
// slow answer, malformed JSON) and read back every request.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInput, parseCheckRequest } from '../../src/collect/check-request.js';
import type { Collector } from '../../src/collect/collector.js';
import { CollectorRunner, type CollectionReport } from '../../src/collect/run-collectors.js';
import type { Decision, Evaluator, InputDocument, Violation } from '../../src/engine/index.js';
import { SHARED_FIXTURES } from './fixtures.js';

export const FIXTURES = SHARED_FIXTURES;

export function fixtureText(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

export function sha256Digest(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------
// The server

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** TLS servers: whether the client presented a certificate the test CA signed, and its CN. */
  clientCertificate?: { authorized: boolean; commonName?: string };
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Answer only after this long (the request may be aborted meanwhile). */
  delayMs?: number;
}

export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  url = '';
  private server: Server | undefined;
  private readonly overrides: Array<{ path: string | RegExp; method?: string; reply: Reply | Handler }> = [];

  constructor(private readonly handler: Handler) {}

  async start(tls?: TlsMaterial): Promise<this> {
    const listener = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    this.server = tls
      ? createTlsServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: false }, listener)
      : createServer(listener);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
    return this;
  }

  /** Requests to `path` (exact, or a pattern over the path without query) get `reply` until reset(). */
  override(path: string | RegExp, reply: Reply | Handler, method?: string): void {
    this.overrides.unshift({ path, reply, ...(method ? { method } : {}) });
  }

  reset(): void {
    this.overrides.length = 0;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers };
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function') {
      const peer = socket.getPeerCertificate();
      const cn = peer?.subject?.CN;
      recorded.clientCertificate = { authorized: socket.authorized === true, ...(typeof cn === 'string' ? { commonName: cn } : {}) };
    }
    this.requests.push(recorded);
    let reply: Reply;
    try {
      const override = this.overrides.find(
        (o) => (!o.method || o.method === recorded.method) && (typeof o.path === 'string' ? o.path === recorded.path : o.path.test(recorded.path)),
      );
      reply = override ? (typeof override.reply === 'function' ? await override.reply(recorded) : override.reply) : await this.handler(recorded);
    } catch (err) {
      reply = { status: 500, body: { message: `fake server error: ${(err as Error).message}` } };
    }
    const send = (): void => {
      if (res.destroyed) return;
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      let body: string | Buffer = '';
      if (Buffer.isBuffer(reply.body) || typeof reply.body === 'string') body = reply.body;
      else if (reply.body !== undefined) {
        body = JSON.stringify(reply.body);
        headers['content-type'] ??= 'application/json; charset=utf-8';
      }
      headers['content-length'] ??= String(Buffer.byteLength(body));
      res.writeHead(reply.status ?? 200, headers);
      res.end(recorded.method === 'HEAD' ? undefined : body);
    };
    if (reply.delayMs) {
      const timer = setTimeout(send, reply.delayMs);
      res.on('close', () => clearTimeout(timer));
    } else send();
  }
}

/** A reply whose body is not JSON although it says it is. */
export const MALFORMED_JSON: Reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"message": "truncated' };

// ---------------------------------------------------------------------------------------
// GitHub

export interface FakeRepository {
  /** Classic protection by branch (the "Protected Branch" body); absent: "Branch not protected". */
  protection: Record<string, unknown>;
  /** Active ruleset rules by branch (GET /repos/{o}/{r}/rules/branches/{b}). */
  rules: Record<string, unknown[]>;
  /** Files by commit SHA, path -> text. */
  commits: Record<string, Record<string, string>>;
  /** The "Get a repository" body; absent: a private repository with secret scanning and push protection on. */
  repository?: Record<string, unknown>;
  /** Open Dependabot alerts (GET /repos/{o}/{r}/dependabot/alerts?state=open); a string: 403 with that message. */
  dependabotAlerts?: unknown[] | string;
  /** Pull requests associated with a commit, by SHA (absent: none). */
  pulls?: Record<string, unknown[]>;
  /** Reviews by pull request number. */
  reviews?: Record<number, unknown[]>;
}

export interface FakeGitHubState {
  token: string;
  repositories: Record<string, FakeRepository>;
  /** Ruleset pages hold at most this many rules (to exercise Link pagination). */
  rulesPageSize: number;
  /** GitHub Enterprise Server serves the API under /api/v3. */
  pathPrefix?: string;
}

const GITHUB_DOCS = 'https://docs.github.com/rest';

function githubError(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { message, documentation_url: GITHUB_DOCS, status: String(status), ...extra } };
}

/** GitHub's contents API wraps base64 at 60 characters per line. */
function githubBase64(text: string): string {
  return (Buffer.from(text, 'utf8').toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n';
}

function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function startFakeGitHub(state: FakeGitHubState): Promise<FakeServer> {
  const server: FakeServer = new FakeServer((req) => {
    if (req.method !== 'GET') return githubError(404, 'Not Found');
    if (req.headers.authorization !== `Bearer ${state.token}`) return githubError(401, 'Bad credentials');
    if (req.headers['x-github-api-version'] !== '2022-11-28') return githubError(400, `unsupported API version ${String(req.headers['x-github-api-version'])}`);
    const prefix = state.pathPrefix ?? '';
    if (!req.path.startsWith(`${prefix}/`)) return githubError(404, 'Not Found');
    const root = /^\/repos\/([^/]+)\/([^/]+)$/.exec(req.path.slice(prefix.length));
    if (root) {
      const repository = state.repositories[`${root[1]}/${root[2]}`];
      if (!repository) return githubError(404, 'Not Found');
      return { body: repository.repository ?? {
        id: 1296269, name: root[2], full_name: `${root[1]}/${root[2]}`, private: true, visibility: 'private', default_branch: 'main',
        security_and_analysis: { secret_scanning: { status: 'enabled' }, secret_scanning_push_protection: { status: 'enabled' }, dependabot_security_updates: { status: 'enabled' } },
      } };
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(req.path.slice(prefix.length));
    const repository = m ? state.repositories[`${m[1]}/${m[2]}`] : undefined;
    if (!m || !repository) return githubError(404, 'Not Found');
    const rest = m[3]!;
    const base = `${server.url}${prefix}/repos/${m[1]}/${m[2]}`;
    const jsonAccept = req.headers.accept === 'application/vnd.github+json';

    let route = /^branches\/(.+)\/protection$/.exec(rest);
    if (route) {
      if (!jsonAccept) return githubError(415, 'Unsupported media type');
      const protection = repository.protection[route[1]!];
      return protection ? { body: protection } : githubError(404, 'Branch not protected', { documentation_url: 'https://docs.github.com/rest/reference/repos#get-branch-protection' });
    }
    route = /^rules\/branches\/(.+)$/.exec(rest);
    if (route) {
      if (!jsonAccept) return githubError(415, 'Unsupported media type');
      const rules = repository.rules[route[1]!] ?? [];
      const perPage = Math.min(Number(req.query.get('per_page') ?? 30), state.rulesPageSize);
      const page = Number(req.query.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(rules.length / perPage));
      const links: string[] = [];
      const pageUrl = (p: number): string => `${base}/rules/branches/${encodeURIComponent(route![1]!)}?per_page=${req.query.get('per_page') ?? 30}&page=${p}`;
      if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
      return { body: rules.slice((page - 1) * perPage, page * perPage), headers: links.length ? { link: links.join(', ') } : {} };
    }
    if (rest === 'dependabot/alerts') {
      if (req.query.get('state') !== 'open') return githubError(400, 'dfw asks for open alerts only');
      const alerts = repository.dependabotAlerts ?? [];
      return typeof alerts === 'string' ? githubError(403, alerts) : { body: alerts };
    }
    route = /^commits\/([^/]+)\/pulls$/.exec(rest);
    if (route) return { body: repository.pulls?.[route[1]!] ?? [] };
    route = /^pulls\/(\d+)\/reviews$/.exec(rest);
    if (route) return { body: repository.reviews?.[Number(route[1])] ?? [] };
    route = /^commits\/(.+)$/.exec(rest);
    if (route) {
      if (req.headers.accept !== 'application/vnd.github.sha') return githubError(415, 'Unsupported media type');
      return repository.commits[route[1]!] ? { body: route[1]!, headers: { 'content-type': 'application/vnd.github.sha; charset=utf-8' } } : githubError(422, `No commit found for SHA: ${route[1]}`);
    }
    route = /^contents\/(.+)$/.exec(rest);
    if (route) {
      if (!jsonAccept) return githubError(415, 'Unsupported media type');
      const ref = req.query.get('ref') ?? '';
      const files = repository.commits[ref];
      if (!files) return githubError(404, `No commit found for the ref ${ref}`);
      const path = route[1]!;
      if (files[path] !== undefined) {
        const text = files[path]!;
        return {
          body: {
            type: 'file', encoding: 'base64', size: Buffer.byteLength(text), name: path.split('/').pop(), path, content: githubBase64(text),
            sha: gitBlobSha(text), url: `${base}/contents/${path}?ref=${ref}`, git_url: `${base}/git/blobs/${gitBlobSha(text)}`,
            html_url: `https://github.com/${m[1]}/${m[2]}/blob/${ref}/${path}`, download_url: `https://raw.githubusercontent.com/${m[1]}/${m[2]}/${ref}/${path}`,
          },
        };
      }
      const folder = `${path}/`;
      const children = new Map<string, 'file' | 'dir'>();
      for (const p of Object.keys(files)) {
        if (!p.startsWith(folder)) continue;
        const child = p.slice(folder.length).split('/');
        children.set(`${folder}${child[0]}`, child.length > 1 ? 'dir' : 'file');
      }
      if (children.size === 0) return githubError(404, 'Not Found', { documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content' });
      return {
        body: [...children].sort().map(([p, type]) => ({
          name: p.split('/').pop(), path: p, type, size: type === 'file' ? Buffer.byteLength(files[p]!) : 0,
          sha: type === 'file' ? gitBlobSha(files[p]!) : '0'.repeat(40), url: `${base}/contents/${p}?ref=${ref}`,
          download_url: type === 'file' ? `https://raw.githubusercontent.com/${m[1]}/${m[2]}/${ref}/${p}` : null,
        })),
      };
    }
    return githubError(404, 'Not Found');
  });
  return server.start();
}

// ---------------------------------------------------------------------------------------
// OCI registry (Distribution API v2) with a Docker-style token service on the same server

export interface FakeRegistryState {
  /** repository -> tag -> manifest bytes (the digest is their sha256). */
  repositories: Record<string, Record<string, string>>;
  /** bearer: 401 + WWW-Authenticate challenge, tokens from /token; basic: a Basic challenge; none: open. */
  auth: 'bearer' | 'basic' | 'none';
  /** Credentials the token service (or Basic) accepts; undefined: anonymous tokens (pull) only. */
  credentials?: { username: string; password: string };
  /** Tags per page of /tags/list when the client sends no n. */
  pageSize: number;
  /** Leave out Docker-Content-Digest (the client must hash the body). */
  omitDigestHeader?: boolean;
}

function registryError(status: number, code: string, message: string, detail: unknown = null): Reply {
  return { status, body: { errors: [{ code, message, detail }] } };
}

function mediaTypeOf(manifest: string): string {
  try {
    const type = (JSON.parse(manifest) as { mediaType?: unknown }).mediaType;
    return typeof type === 'string' ? type : 'application/vnd.oci.image.index.v1+json';
  } catch {
    return 'application/octet-stream';
  }
}

export function startFakeRegistry(state: FakeRegistryState): Promise<FakeServer> {
  const issued = new Map<string, string>(); // token -> scope
  let counter = 0;
  const server: FakeServer = new FakeServer((req) => {
    if (req.path === '/token') {
      const scope = req.query.get('scope') ?? '';
      if (req.query.get('service') !== 'fake-registry' || !/^repository:[a-z0-9/._-]+:pull$/.test(scope)) return { status: 400, body: { details: `bad service or scope: ${scope}` } };
      const auth = req.headers.authorization;
      if (auth) {
        const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
        if (!state.credentials || user !== state.credentials.username || pass !== state.credentials.password) return { status: 401, body: { details: 'incorrect username or password' } };
      } else if (state.credentials) {
        return { status: 401, body: { details: 'authentication required' } };
      }
      const token = `token-${++counter}`;
      issued.set(token, scope);
      return { body: { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() } };
    }
    const m = /^\/v2\/(.+)\/(manifests|tags)\/(.+)$/.exec(req.path);
    if (!m) return registryError(404, 'NOT_FOUND', 'not found');
    const [, repository, kind, rest] = m as unknown as [string, string, string, string];
    if (state.auth === 'bearer') {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (!token || issued.get(token) !== `repository:${repository}:pull`) {
        return {
          ...registryError(401, 'UNAUTHORIZED', 'authentication required', [{ Type: 'repository', Name: repository, Action: 'pull' }]),
          headers: { 'www-authenticate': `Bearer realm="${server.url}/token",service="fake-registry",scope="repository:${repository}:pull"` },
        };
      }
    } else if (state.auth === 'basic') {
      const expected = state.credentials ? `Basic ${Buffer.from(`${state.credentials.username}:${state.credentials.password}`).toString('base64')}` : '';
      if (req.headers.authorization !== expected) return { ...registryError(401, 'UNAUTHORIZED', 'authentication required'), headers: { 'www-authenticate': 'Basic realm="fake-registry"' } };
    }
    const tags = state.repositories[repository];
    if (!tags) return registryError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: repository });
    if (kind === 'tags' && rest === 'list') {
      const all = Object.keys(tags).sort();
      const n = Number(req.query.get('n') ?? state.pageSize);
      const last = req.query.get('last');
      const start = last ? all.findIndex((t) => t > last) : 0;
      const page = start < 0 ? [] : all.slice(start, start + n);
      const more = start >= 0 && start + n < all.length;
      return {
        body: { name: repository, tags: page },
        headers: more ? { link: `</v2/${repository}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"` } : {},
      };
    }
    if (kind === 'manifests') {
      const accept = String(req.headers.accept ?? '');
      for (const type of ['application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json']) {
        if (!accept.includes(type)) return registryError(400, 'MANIFEST_INVALID', `the client does not accept ${type}`);
      }
      const manifest = rest.startsWith('sha256:') ? Object.values(tags).find((b) => sha256Digest(b) === rest) : tags[rest];
      if (manifest === undefined) return registryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown', { Tag: rest });
      const headers: Record<string, string> = { 'content-type': mediaTypeOf(manifest) };
      if (!state.omitDigestHeader) headers['docker-content-digest'] = sha256Digest(manifest);
      return { headers, body: manifest };
    }
    return registryError(404, 'NOT_FOUND', 'not found');
  });
  return server.start();
}

// ---------------------------------------------------------------------------------------
// Kubernetes API server

export interface FakeKubernetesState {
  /** Bearer token required; undefined: a client certificate signed by the test CA is required instead. */
  token?: string;
  /** namespace -> pods */
  pods: Record<string, unknown[]>;
  /** Pods per page when the client's limit is larger. */
  pageSize: number;
}

function kubeStatus(code: number, reason: string, message: string): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code } };
}

function matchesSelector(pod: unknown, selector: string): boolean {
  const labels = ((pod as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {}) as Record<string, string>;
  return selector.split(',').filter(Boolean).every((term) => {
    const [key, value] = term.split('=');
    return labels[key!] === value;
  });
}

export function startFakeKubernetes(state: FakeKubernetesState, tls?: TlsMaterial): Promise<FakeServer> {
  const continues = new Map<string, number>();
  const server = new FakeServer((req) => {
    if (state.token !== undefined) {
      if (req.headers.authorization !== `Bearer ${state.token}`) return kubeStatus(401, 'Unauthorized', 'Unauthorized');
    } else if (!req.clientCertificate?.authorized || req.clientCertificate.commonName !== 'dfw') {
      return kubeStatus(401, 'Unauthorized', 'Unauthorized');
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(req.path);
    if (req.method !== 'GET' || !m) return kubeStatus(404, 'NotFound', 'the server could not find the requested resource');
    const selector = req.query.get('labelSelector') ?? '';
    const all = (state.pods[m[1]!] ?? []).filter((p) => matchesSelector(p, selector));
    const limit = Math.min(Number(req.query.get('limit') ?? all.length) || all.length, state.pageSize);
    const token = req.query.get('continue');
    const start = token ? continues.get(token) : 0;
    if (start === undefined) return kubeStatus(410, 'Expired', 'The provided continue parameter is too old');
    const items = all.slice(start, start + limit);
    const metadata: Record<string, string> = { resourceVersion: '123456' };
    if (start + limit < all.length) {
      const next = `continue-${start + limit}`;
      continues.set(next, start + limit);
      metadata.continue = next;
    }
    return { body: { kind: 'PodList', apiVersion: 'v1', metadata, items } };
  });
  return server.start(tls);
}

export interface PodSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** The owning ReplicaSet's Deployment, with pod-template-hash; absent: a bare pod. */
  deployment?: { name: string; hash: string };
  containers: Array<{ name: string; image: string; imageID: string }>;
  phase?: string;
}

/** A running pod in the shape of the recorded pod (k8s-admission fixture), with a status. */
export function podFrom(spec: PodSpec): unknown {
  const review = fixtureJson<{ request: { object: Record<string, any> } }>('k8s-admission/connaisseur-02-pod-v1-request.json');
  const pod = structuredClone(review.request.object);
  pod.metadata.name = spec.name;
  pod.metadata.namespace = spec.namespace;
  pod.metadata.labels = { ...spec.labels, ...(spec.deployment ? { 'pod-template-hash': spec.deployment.hash } : {}) };
  if (spec.deployment) {
    pod.metadata.ownerReferences[0].name = `${spec.deployment.name}-${spec.deployment.hash}`;
  } else delete pod.metadata.ownerReferences;
  const template = pod.spec.containers[0];
  pod.spec.containers = spec.containers.map((c) => ({ ...template, name: c.name, image: c.image }));
  pod.status = {
    phase: spec.phase ?? 'Running',
    containerStatuses: spec.containers.map((c) => ({
      name: c.name, image: c.image, imageID: c.imageID, ready: true, restartCount: 0, started: true,
      state: { running: { startedAt: '2026-11-27T09:00:00Z' } }, containerID: `containerd://${createHash('sha256').update(c.name + spec.name).digest('hex')}`,
    })),
  };
  return pod;
}

// ---------------------------------------------------------------------------------------
// ServiceNow Table API and Jira REST

export interface FakeServiceNowState {
  username: string;
  password: string;
  /** change_request records by number, raw values (the fixture's form). */
  changes: Record<string, Record<string, string>>;
  /** sys_id of a change -> names of users who approved it. */
  approvers: Record<string, string[]>;
}

const SERVICENOW_STATE_NAMES: Record<string, string> = { '-5': 'New', '-4': 'Assess', '-3': 'Authorize', '-2': 'Scheduled', '-1': 'Implement', '0': 'Review', '3': 'Closed', '4': 'Canceled' };

/**
 * What sysparm_display_value=all gives for a raw value: choice labels for state and approval,
 * and dates in the API user's time zone and format (here UTC+1, dd-MM-yyyy), which is why
 * dfw must read `value`, never `display_value`, for dates.
 */
function serviceNowDisplay(field: string, value: string): string {
  if (field === 'state') return SERVICENOW_STATE_NAMES[value] ?? value;
  if (field === 'approval') return value.replace(/^./, (c) => c.toUpperCase());
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  if (m) {
    const local = new Date(Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`) + 3600_000).toISOString();
    return `${local.slice(8, 10)}-${local.slice(5, 7)}-${local.slice(0, 4)} ${local.slice(11, 19)}`;
  }
  return value;
}

export function startFakeServiceNow(state: FakeServiceNowState): Promise<FakeServer> {
  const unauthenticated: Reply = { status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } };
  return new FakeServer((req) => {
    if (req.headers.authorization !== `Basic ${Buffer.from(`${state.username}:${state.password}`).toString('base64')}`) return unauthenticated;
    if (req.headers.accept !== 'application/json') return { status: 406, body: { error: { message: 'Not Acceptable' }, status: 'failure' } };
    const fields = (req.query.get('sysparm_fields') ?? '').split(',').filter(Boolean);
    const pick = (record: Record<string, string>): Record<string, string> => (fields.length ? Object.fromEntries(fields.map((f) => [f, record[f] ?? ''])) : record);
    if (req.path === '/api/now/table/change_request') {
      const m = /^number=([A-Z0-9]+)$/.exec(req.query.get('sysparm_query') ?? '');
      if (!m || req.query.get('sysparm_display_value') !== 'all') return { status: 400, body: { error: { message: 'unexpected query', detail: req.query.toString() }, status: 'failure' } };
      const record = state.changes[m[1]!];
      const result = record ? [Object.fromEntries(Object.entries(pick(record)).map(([f, v]) => [f, { display_value: serviceNowDisplay(f, v), value: v }]))] : [];
      return { body: { result } };
    }
    if (req.path === '/api/now/table/sysapproval_approver') {
      const m = /^sysapproval=([0-9a-f]{32})\^state=approved$/.exec(req.query.get('sysparm_query') ?? '');
      if (!m || req.query.get('sysparm_display_value') !== 'true') return { status: 400, body: { error: { message: 'unexpected query', detail: req.query.toString() }, status: 'failure' } };
      return { body: { result: (state.approvers[m[1]!] ?? []).map((name) => ({ approver: name })) } };
    }
    return { status: 400, body: { error: { message: `Invalid table ${req.path}`, detail: null }, status: 'failure' } };
  }).start();
}

export interface FakeJiraState {
  email: string;
  apiToken: string;
  /** Issues by key, in GET /rest/api/2/issue form. */
  issues: Record<string, Record<string, any>>;
}

export function startFakeJira(state: FakeJiraState): Promise<FakeServer> {
  return new FakeServer((req) => {
    if (req.headers.authorization !== `Basic ${Buffer.from(`${state.email}:${state.apiToken}`).toString('base64')}`) {
      return { status: 401, body: { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} } };
    }
    const m = /^\/rest\/api\/2\/issue\/([^/]+)$/.exec(req.path);
    if (!m) return { status: 404, body: { errorMessages: ['null for uri'], errors: {} } };
    const issue = state.issues[m[1]!];
    if (!issue) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    // Like Jira, ?fields= limits the fields returned.
    const wanted = req.query.get('fields')?.split(',').filter(Boolean);
    const fields = wanted ? Object.fromEntries(wanted.filter((f) => f in issue.fields).map((f) => [f, issue.fields[f]])) : issue.fields;
    return { body: { ...issue, fields } };
  }).start();
}

// ---------------------------------------------------------------------------------------
// A throwaway PKI for TLS tests (openssl): a CA, a server certificate for 127.0.0.1 and a
// client certificate with CN=dfw.

export interface TestPki {
  dir: string;
  ca: string;
  server: TlsMaterial;
  client: { cert: string; key: string };
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-pki-'));
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=dfw test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'dfw']] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { dir, ca: read('ca.crt'), server: { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt') }, client: { cert: read('client.crt'), key: read('client.key') } };
}

// ---------------------------------------------------------------------------------------
// End to end: a check request through collectors and the real policy

export interface CheckOutcome {
  decision: Decision;
  input: InputDocument;
  report: CollectionReport;
}

/** Parses the request, runs the collectors, evaluates the bundle as of `now`. */
export async function checkWithCollectors(evaluator: Evaluator, body: unknown, collectors: Collector[], now = new Date('2026-11-28T14:00:00Z')): Promise<CheckOutcome> {
  const request = parseCheckRequest(body);
  const input = buildInput(request, { id: 'collectors-e2e', via: 'api' });
  const report = await new CollectorRunner(collectors).collect(request, input);
  const decision = evaluator.evaluate(input, { now, decisionId: 'collectors-e2e' });
  return { decision, input, report };
}

/** The violations of one rule, as blocking (deny) or not (warn). */
export function violationsOf(decision: Decision, rule: string): { deny: Violation[]; warn: Violation[] } {
  const pick = (bySeverity: Record<string, Violation[]>): Violation[] => Object.values(bySeverity).flat().filter((v) => v.rule === rule);
  return { deny: pick(decision.deny), warn: pick(decision.warn) };
}
