// The webhook's HTTPS listener: the API server only calls admission webhooks over TLS.
// Serves a hono app from PEM certificate and key files and swaps in new ones when the files
// change (a Secret volume is updated in place by the kubelet, cert-manager or
// make-certs.sh rotate it), without dropping connections: server.setSecureContext applies
// to new handshakes only.
import { getRequestListener } from '@hono/node-server';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../../shared/logger.js';
import { fixedCodeError } from '../../shared/errors.js';

export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 10_000;
/** A certificate closer than this to its expiry is logged as a warning on every load. */
const EXPIRY_WARNING_MS = 14 * 24 * 3600 * 1000;

export interface AdmissionTlsOptions {
  /** The hono app's fetch (app.fetch). */
  fetch: Parameters<typeof getRequestListener>[0];
  /** PEM serving certificate (chain) and private key, e.g. the tls.crt and tls.key of a kubernetes.io/tls Secret. */
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate signed by this CA (the API server's webhook client certificate). */
  clientCaFile?: string;
  host?: string;
  port?: number;
  /** How often the files are re-read; 0 turns polling off (call reload()). */
  reloadIntervalMs?: number;
  logger?: Logger;
}

export interface ServedCertificate {
  fingerprint256: string;
  subject: string;
  subjectAltName: string;
  validTo: string;
}

export interface AdmissionTlsServer {
  server: Server;
  /** https://host:port as bound (port 0 resolved). */
  url: string;
  /** Re-reads the files; true when a new certificate is now served, false when unchanged or unusable. */
  reload(): Promise<boolean>;
  /** The certificate new handshakes get. */
  certificate(): ServedCertificate;
  close(): Promise<void>;
}

export class TlsConfigError extends fixedCodeError('TlsConfigError', 'tls_config_invalid', 'invalid_input') {}

interface Material {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

async function readMaterial(options: AdmissionTlsOptions): Promise<Material> {
  const [cert, key, ca] = await Promise.all([
    readFile(options.certFile),
    readFile(options.keyFile),
    options.clientCaFile ? readFile(options.clientCaFile) : Promise.resolve(undefined),
  ]);
  return { cert, key, ...(ca ? { ca } : {}) };
}

const sameMaterial = (a: Material, b: Material) => a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca && b.ca ? a.ca.equals(b.ca) : a.ca === b.ca);

function contextOptions(material: Material): ServerOptions {
  return { cert: material.cert, key: material.key, ...(material.ca ? { ca: material.ca } : {}) };
}

/** Throws when the key does not match the certificate or either is not PEM, before anything is served with them. */
function describe(material: Material): ServedCertificate {
  createSecureContext(contextOptions(material));
  const leaf = new X509Certificate(material.cert);
  return { fingerprint256: leaf.fingerprint256, subject: leaf.subject, subjectAltName: leaf.subjectAltName ?? '', validTo: leaf.validTo };
}

function logLoaded(logger: Logger | undefined, msg: string, served: ServedCertificate): void {
  const fields = { fingerprint256: served.fingerprint256, subject_alt_name: served.subjectAltName, not_after: served.validTo };
  if (Date.parse(served.validTo) - Date.now() < EXPIRY_WARNING_MS) logger?.warn(`${msg}; it expires soon`, fields);
  else logger?.info(msg, fields);
}

/** Starts the HTTPS listener. Throws TlsConfigError when the files cannot be read or do not match. */
export async function createAdmissionTlsServer(options: AdmissionTlsOptions): Promise<AdmissionTlsServer> {
  const { logger } = options;
  let current: Material;
  let served: ServedCertificate;
  try {
    current = await readMaterial(options);
    served = describe(current);
  } catch (err) {
    throw new TlsConfigError(`cannot serve TLS from ${options.certFile} and ${options.keyFile}: ${(err as Error).message}`, { cause: err });
  }
  const server = createServer(
    {
      ...contextOptions(current),
      minVersion: 'TLSv1.2',
      ...(current.ca ? { requestCert: true, rejectUnauthorized: true } : {}),
    },
    getRequestListener(options.fetch),
  );
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err) => reject(new TlsConfigError(`cannot listen on ${options.host ?? '0.0.0.0'}:${options.port ?? 8443}: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 8443, options.host ?? '0.0.0.0', () => resolveListen());
  });
  logLoaded(logger, 'tls certificate loaded', served);

  let reloading: Promise<boolean> | undefined;
  const reloadNow = async (): Promise<boolean> => {
    let next: Material;
    try {
      next = await readMaterial(options);
    } catch (err) {
      logger?.warn('tls files unreadable; still serving the previous certificate', { error: (err as Error).message });
      return false;
    }
    if (sameMaterial(next, current)) return false;
    try {
      const nextServed = describe(next);
      server.setSecureContext(contextOptions(next));
      current = next;
      served = nextServed;
    } catch (err) {
      // Mid-rotation the certificate may be new and the key still old: retried at the next poll.
      logger?.warn('tls files changed but are not usable yet; still serving the previous certificate', { error: (err as Error).message });
      return false;
    }
    logLoaded(logger, 'tls certificate reloaded', served);
    return true;
  };
  const reload = () => (reloading ??= reloadNow().finally(() => (reloading = undefined)));

  const interval = options.reloadIntervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS;
  const timer = interval > 0 ? setInterval(() => void reload(), interval) : undefined;
  timer?.unref();

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `https://${host}:${address.port}`,
    reload,
    certificate: () => served,
    close: () =>
      new Promise<void>((resolveClose) => {
        if (timer) clearInterval(timer);
        server.close(() => resolveClose());
        server.closeIdleConnections();
      }),
  };
}
