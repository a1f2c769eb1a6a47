// `dfw policy push`: the built bundles to a dfw bundle server (PUT /v1/bundles/<name> and
// <name>-rego, as `dfw bundle publish`) or to an OCI registry as OPA bundle artifacts — the
// Wasm bundle at the reference given, the Rego bundle at the same tag with "-rego", which a
// stock OPA agent pulls with a `type: oci` service.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArchive } from '../engine/index.js';
import { OciClient, pushBundleArtifact, type OciCredentials } from '../bundles/agent/oci-client.js';
import { formatOciReference, isOciUrl, parseOciReference } from '../bundles/agent/oci-reference.js';
import { PolicyProjectError, PolicyPushError } from './errors.js';
import { loadProject } from './project.js';

export interface PushOptions {
  /** The Wasm bundle; default <output>/<name>.tar.gz of the repository. */
  bundle?: string;
  /** The Rego bundle; default <output>/<name>-rego.tar.gz when it exists. */
  regoBundle?: string;
  /** Bundle name on a dfw server (default dfw-policy.yaml bundle.name). */
  name?: string;
  token?: string;
  credentials?: OciCredentials;
  timeoutSeconds?: number;
}

export interface PushedBundle {
  kind: 'wasm' | 'rego';
  target: string;
  revision: string;
  /** The manifest digest (OCI) or the archive digest the server reports. */
  digest: string;
}

function readBundle(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new PolicyProjectError(`bundle ${file} cannot be read: ${(err as Error).message} (run "dfw policy build" first)`);
  }
}

function bundlesOf(dir: string, options: PushOptions): { name: string; wasm: string; rego?: string } {
  if (options.bundle) return { name: options.name ?? 'firewall', wasm: options.bundle, ...(options.regoBundle ? { rego: options.regoBundle } : {}) };
  const project = loadProject(dir);
  const rego = options.regoBundle ?? join(project.outputDir, `${project.bundleName}-rego.tar.gz`);
  return { name: options.name ?? project.bundleName, wasm: join(project.outputDir, `${project.bundleName}.tar.gz`), ...(existsSync(rego) ? { rego } : {}) };
}

async function revisionOf(bytes: Uint8Array, file: string): Promise<string> {
  try {
    const manifest = (await readArchive(bytes)).get('.manifest');
    return manifest ? String((JSON.parse(new TextDecoder().decode(manifest)) as { revision?: unknown }).revision ?? '') : '';
  } catch (err) {
    throw new PolicyProjectError(`${file} is not a bundle dfw can load: ${(err as Error).message}`);
  }
}

async function pushOci(target: string, bundles: { wasm: string; rego?: string }, options: PushOptions): Promise<PushedBundle[]> {
  const ref = parseOciReference(target);
  if (bundles.rego && ref.reference.startsWith('sha256:')) throw new PolicyProjectError(`push to a tag, not a digest: ${target}`);
  const pushed: PushedBundle[] = [];
  const plan: Array<{ kind: 'wasm' | 'rego'; file: string; reference: string }> = [{ kind: 'wasm', file: bundles.wasm, reference: ref.reference }];
  if (bundles.rego) plan.push({ kind: 'rego', file: bundles.rego, reference: `${ref.reference}-rego` });
  for (const { kind, file, reference } of plan) {
    const bytes = readBundle(file);
    const revision = await revisionOf(bytes, file);
    const at = { ...ref, reference };
    const client = new OciClient(at, { ...(options.credentials ? { credentials: options.credentials } : {}), signal: AbortSignal.timeout((options.timeoutSeconds ?? 120) * 1000) });
    try {
      const { digest } = await pushBundleArtifact(client, bytes, { 'org.opencontainers.image.revision': revision, 'org.openpolicyagent.bundle.kind': kind });
      pushed.push({ kind, target: formatOciReference(at), revision, digest });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new PolicyPushError(`pushing ${file} to ${formatOciReference(at)} failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}`, { cause: err });
    }
  }
  return pushed;
}

async function pushServer(server: string, bundles: { name: string; wasm: string; rego?: string }, options: PushOptions): Promise<PushedBundle[]> {
  const token = options.token ?? process.env.DFW_TOKEN;
  const pushed: PushedBundle[] = [];
  const plan: Array<{ kind: 'wasm' | 'rego'; file: string; name: string }> = [{ kind: 'wasm', file: bundles.wasm, name: bundles.name }];
  if (bundles.rego) plan.push({ kind: 'rego', file: bundles.rego, name: `${bundles.name}-rego` });
  for (const { kind, file, name } of plan) {
    const url = new URL(`v1/bundles/${encodeURIComponent(name)}`, server.endsWith('/') ? server : `${server}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/gzip', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: readBundle(file) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout((options.timeoutSeconds ?? 120) * 1000),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new PolicyPushError(`dfw server ${server} cannot be reached: ${(err as Error).message}${cause ? ` (${cause})` : ''}`, { cause: err });
    }
    const text = await response.text();
    let body: { revision?: string; digest?: string; error?: { code?: string; message?: string } } = {};
    try {
      body = JSON.parse(text);
    } catch {
      /* reported below with the status */
    }
    if (!response.ok) throw new PolicyPushError(`dfw server answered ${response.status} for ${name}${body.error?.code ? ` ${body.error.code}` : ''}: ${body.error?.message ?? text.slice(0, 300)}`);
    pushed.push({ kind, target: url.href, revision: body.revision ?? '?', digest: body.digest ?? '?' });
  }
  return pushed;
}

/** Pushes the repository's (or the given) bundles to `target`: oci://… or a dfw server's http(s) URL. */
export async function pushPolicy(target: string, dir: string, options: PushOptions = {}): Promise<PushedBundle[]> {
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0 && options.timeoutSeconds <= 86_400)) {
    throw new PolicyProjectError(`push timeout must be a number of seconds greater than 0 and at most 86400, got ${options.timeoutSeconds}`);
  }
  const bundles = bundlesOf(dir, options);
  if (isOciUrl(target)) return pushOci(target, bundles, options);
  if (/^https?:\/\//.test(target)) return pushServer(target, bundles, options);
  throw new PolicyProjectError(`push target "${target}" is neither oci://registry/repository:tag nor a dfw server's http(s):// URL`);
}
