// oci://<registry>/<repository>[:<tag>|@<digest>] — where a bundle lives in an OCI registry
// (the reference OPA's own `services: {type: oci}` bundles name, with a scheme in front).
// Web-standard.

export interface OciReference {
  /** host[:port] */
  registry: string;
  repository: string;
  /** A tag or a sha256: digest. */
  reference: string;
  /** Where the registry's /v2/ API is: http only for a loopback registry. */
  baseUrl: string;
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function isOciUrl(url: string): boolean {
  return url.startsWith('oci://');
}

/**
 * Parses an oci:// URL. A registry on a loopback address is spoken to over plain HTTP (a
 * test or a local mirror); any other over HTTPS, always.
 */
export function parseOciReference(url: string): OciReference {
  if (!isOciUrl(url)) throw new Error(`"${url}" is not an oci:// reference (oci://registry.example.com/team/policy:tag)`);
  const rest = url.slice('oci://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new Error(`"${url}" names no repository: oci://<registry>/<repository>[:tag]`);
  const registry = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  let reference = 'latest';
  const at = path.indexOf('@');
  if (at >= 0) {
    reference = path.slice(at + 1);
    path = path.slice(0, at);
    if (!DIGEST.test(reference)) throw new Error(`"${url}": a digest is sha256:<64 hex>`);
  } else {
    const colon = path.lastIndexOf(':');
    if (colon >= 0) {
      reference = path.slice(colon + 1);
      path = path.slice(0, colon);
      if (!TAG.test(reference)) throw new Error(`"${url}": "${reference}" is not a valid tag`);
    }
  }
  if (!REPOSITORY.test(path)) throw new Error(`"${url}": "${path}" is not a valid repository name (lower-case, / separated)`);
  return { registry, repository: path, reference, baseUrl: `${isLoopback(registry) ? 'http' : 'https'}://${registry}` };
}

export function formatOciReference(ref: Pick<OciReference, 'registry' | 'repository' | 'reference'>): string {
  return `oci://${ref.registry}/${ref.repository}${ref.reference.startsWith('sha256:') ? '@' : ':'}${ref.reference}`;
}
