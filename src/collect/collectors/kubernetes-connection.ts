// How dfw reaches one Kubernetes API server: the pod's service account (in-cluster), a
// kubeconfig file (current-context or a named one), or a server and token given directly.
// Files are read on every use: service-account tokens are rotated by the kubelet.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { CollectorFailure } from './http.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesClusterConfig {
  /** Reported as workloads[].cluster. */
  name: string;
  /** Environments this cluster runs; default every environment. */
  environments?: string[];
  /** Use the service account of the pod dfw runs in. */
  in_cluster?: boolean;
  /** Path of a kubeconfig file. */
  kubeconfig?: string;
  /** Context in the kubeconfig; default its current-context. */
  context?: string;
  /** API server URL, when neither in_cluster nor kubeconfig is used. */
  server?: string;
  token?: string;
  token_file?: string;
  /** PEM file of the CA that signed the API server's certificate. */
  ca_file?: string;
  /** Base64 of that PEM, as kubeconfig's certificate-authority-data. */
  ca_data?: string;
  insecure_skip_tls_verify?: boolean;
  /** environment -> namespace for this cluster, over the collector's map. */
  namespaces?: Record<string, string>;
}

export interface Connection {
  server: URL;
  authorization?: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CollectorFailure(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function fromBase64(data: string): Buffer {
  return Buffer.from(data, 'base64');
}

function serverUrl(text: string, where: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new CollectorFailure(`${where}: server "${text}" is not a URL`);
  }
}

/** KUBERNETES_SERVICE_HOST/PORT and the mounted token and CA, as client-go's InClusterConfig. */
async function inCluster(dir: string, env: NodeJS.ProcessEnv): Promise<Connection> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new CollectorFailure('dfw is not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT are not set)');
  const token = (await readText(join(dir, 'token'), 'the service account token')).trim();
  const ca = await readText(join(dir, 'ca.crt'), 'the service account CA');
  return { server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`), authorization: `Bearer ${token}`, ca, rejectUnauthorized: true };
}

type Named<T> = { name?: unknown } & Record<string, T>;

function entry(list: unknown, name: string, field: string, path: string): Record<string, unknown> {
  const found = Array.isArray(list) ? (list as Named<unknown>[]).find((e) => e?.name === name) : undefined;
  const value = found?.[field];
  if (!value || typeof value !== 'object') throw new CollectorFailure(`kubeconfig ${path} has no ${field} named "${name}"`);
  return value as Record<string, unknown>;
}

/** A kubeconfig's context as a connection: bearer token or client certificate, CA or insecure. */
async function fromKubeconfig(path: string, context: string | undefined): Promise<Connection> {
  let doc: Record<string, unknown>;
  try {
    doc = (yaml.load(await readText(path, 'kubeconfig')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof CollectorFailure) throw err;
    throw new CollectorFailure(`kubeconfig ${path} is not valid YAML: ${(err as { reason?: string }).reason ?? (err as Error).message}`);
  }
  const contextName = context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : '');
  if (!contextName) throw new CollectorFailure(`kubeconfig ${path} has no current-context; name one with "context"`);
  const ctx = entry(doc.contexts, contextName, 'context', path);
  const cluster = entry(doc.clusters, String(ctx.cluster), 'cluster', path);
  const user = ctx.user === undefined ? {} : entry(doc.users, String(ctx.user), 'user', path);
  // Relative paths in a kubeconfig are relative to the file (client-go's ResolvePaths).
  const resolve = (p: unknown): string => (isAbsolute(String(p)) ? String(p) : join(dirname(path), String(p)));
  if (typeof cluster.server !== 'string') throw new CollectorFailure(`kubeconfig ${path}: cluster "${String(ctx.cluster)}" has no server`);
  const connection: Connection = { server: serverUrl(cluster.server, `kubeconfig ${path}`), rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true };
  if (typeof cluster['tls-server-name'] === 'string') connection.servername = cluster['tls-server-name'];
  if (typeof cluster['certificate-authority-data'] === 'string') connection.ca = fromBase64(cluster['certificate-authority-data']);
  else if (cluster['certificate-authority']) connection.ca = await readText(resolve(cluster['certificate-authority']), 'certificate authority');
  if (user.exec || user['auth-provider']) {
    throw new CollectorFailure(`kubeconfig ${path}: user "${String(ctx.user)}" gets credentials from an exec plugin or auth provider, which dfw does not run; use a token or client certificate`);
  }
  if (typeof user.token === 'string') connection.authorization = `Bearer ${user.token}`;
  else if (typeof user.tokenFile === 'string') connection.authorization = `Bearer ${(await readText(resolve(user.tokenFile), 'token file')).trim()}`;
  if (typeof user['client-certificate-data'] === 'string') connection.cert = fromBase64(user['client-certificate-data']);
  else if (user['client-certificate']) connection.cert = await readText(resolve(user['client-certificate']), 'client certificate');
  if (typeof user['client-key-data'] === 'string') connection.key = fromBase64(user['client-key-data']);
  else if (user['client-key']) connection.key = await readText(resolve(user['client-key']), 'client key');
  return connection;
}

/** The connection for a configured cluster, reading whatever files it names. */
export async function connect(cluster: KubernetesClusterConfig, serviceAccountDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  if (cluster.in_cluster) return inCluster(serviceAccountDir, env);
  if (cluster.kubeconfig) return fromKubeconfig(cluster.kubeconfig, cluster.context);
  const connection: Connection = { server: serverUrl(cluster.server ?? '', `cluster ${cluster.name}`), rejectUnauthorized: cluster.insecure_skip_tls_verify !== true };
  if (cluster.token) connection.authorization = `Bearer ${cluster.token}`;
  else if (cluster.token_file) connection.authorization = `Bearer ${(await readText(cluster.token_file, 'token file')).trim()}`;
  if (cluster.ca_data) connection.ca = fromBase64(cluster.ca_data);
  else if (cluster.ca_file) connection.ca = await readText(cluster.ca_file, 'certificate authority');
  return connection;
}
