// Test helpers for the Kubernetes admission webhook: the real AdmissionReview fixtures,
// certificates made by deploy/kubernetes/scripts/make-certs.sh, and HTTPS requests that
// trust only the CA they are given.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { ROOT } from './opa.js';
import { SHARED_FIXTURES } from './fixtures.js';

export const FIXTURES = join(SHARED_FIXTURES, 'k8s-admission');
export const MAKE_CERTS = join(ROOT, 'deploy/kubernetes/scripts/make-certs.sh');

/** A review as JSON: tests mutate copies freely. */
export type ReviewJson = { apiVersion: string; kind: string; request: Record<string, any>; [key: string]: unknown };

/** A fresh copy of a fixture, e.g. "kube-review-deployment-v1-request.json". */
export function readReview(file: string): ReviewJson {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as ReviewJson;
}

/** A copy of `review` changed by `change`. */
export function variant(review: ReviewJson, change: (r: ReviewJson) => void): ReviewJson {
  const copy = structuredClone(review);
  change(copy);
  return copy;
}

export const postJson = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Runs make-certs.sh into `out` (reusing the CA there, if any); returns its stderr. */
export function makeCerts(out: string, ...args: string[]): string {
  return execFileSync('bash', [MAKE_CERTS, '--out', out, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** A client certificate (clientAuth) from the CA in `dir`, as the API server would present to a webhook. */
export function makeClientCert(dir: string, name = 'kube-apiserver'): { cert: Buffer; key: Buffer } {
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ext = join(dir, 'client.ext');
  writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  run('req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', join(dir, 'client.key'), '-out', join(dir, 'client.csr'), '-subj', `/CN=${name}`);
  run('x509', '-req', '-sha256', '-days', '1', '-in', join(dir, 'client.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-set_serial', '0x01', '-extfile', ext, '-out', join(dir, 'client.crt'));
  return { cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) };
}

export interface HttpsAnswer {
  status: number;
  body: string;
  /** The certificate the server presented in this handshake. */
  fingerprint256: string;
}

/** POSTs JSON over a new TLS connection that trusts only `ca` and checks the name `servername`. */
export function httpsPost(url: string, body: unknown, tls: { ca: Buffer | string; servername: string; cert?: Buffer; key?: Buffer }): Promise<HttpsAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = httpsRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, ...tls, agent: false },
      (res) => {
        const fingerprint256 = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), fingerprint256 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
