// Where a SARIF result points: the repository file a violation concerns when there is one,
// else a stable path in the repository, else (no repository named) the deployed image.
import type { Decision, Violation } from '../../engine/types.js';
import { environmentOf, type DeploymentSubject } from './outcomes.js';

const encoder = new TextEncoder();

/** Percent-encodes (as UTF-8, RFC 3986 §2.1) every character outside `keep`. */
function percentEncode(text: string, keep: RegExp): string {
  return text.replace(/[\s\S]/gu, (char) =>
    keep.test(char) ? char : [...encoder.encode(char)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
const URI_CHAR = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]$/; // unreserved + reserved + '%'
const SEGMENT_CHAR = /^[A-Za-z0-9\-._~]$/; // unreserved only

/** "github.com/acme/payments" -> https://…; scp-style "git@host:org/repo" -> ssh://…; URLs kept. */
export function repositoryUri(repository: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) return percentEncode(repository, URI_CHAR);
  const scp = /^([^@/:]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(repository);
  const uri = scp ? `ssh://${scp[1] ?? ''}${scp[2]}/${scp[3]}` : `https://${repository}`;
  return percentEncode(uri, URI_CHAR);
}

// Categories whose violations are about how the image was built, so its Dockerfile.
const IMAGE_CATEGORIES = new Set(['container', 'vulnerabilities']);

/** A repository-relative path as a relative URI reference: "./" and "/" dropped, segments encoded. */
function relativeUri(path: string): string {
  return path.replace(/^(\.\/|\/)+/, '').split('/').map((s) => percentEncode(s, SEGMENT_CHAR)).join('/');
}

/**
 * The repository-relative file a violation concerns, for a request that names a repository:
 * the workflow a DFW-BUILD finding quotes (its evidence reads "workflows[<path>]…"), the
 * Dockerfile for image findings and the deployment manifest for the rest when the request
 * names them (source.dockerfile, source.manifest), else `.dfw/<application>`: code scanning
 * attaches alerts to files, and a path that stays the same from run to run keeps one alert
 * per finding instead of closing and reopening it.
 */
export function violationPath(violation: Violation, request: DeploymentSubject): string {
  const file = violationFile(violation, request);
  return file ? relativeUri(file) : `.dfw/${percentEncode(request.application || 'deployment', SEGMENT_CHAR)}`;
}

/** The repository file a violation concerns, as the evidence or the request names it (not a URI), if any. */
export function violationFile(violation: Violation, request: DeploymentSubject): string | undefined {
  const workflow = /^workflows\[([^\]]+)\]/.exec(violation.evidence ?? '')?.[1];
  if (workflow) return stripLeading(workflow);
  const source = request.source ?? {};
  if (IMAGE_CATEGORIES.has(violation.category) && source.dockerfile) return stripLeading(source.dockerfile);
  if (source.manifest) return stripLeading(source.manifest);
  if (source.dockerfile && violation.category === 'artifact') return stripLeading(source.dockerfile);
  return undefined;
}

const stripLeading = (path: string) => path.replace(/^(\.\/|\/)+/, '');

/**
 * Without a repository, GitHub code scanning displays no result without a location ("At least one location is
 * required", SARIF support for code scanning), but a deployment decision has no source file,
 * so the location names what was deployed: the repository, else the image (as a
 * containers-transports(5) docker:// reference), else the application. Commit, tag and digest
 * are left out on purpose: GitHub tracks an alert across runs by rule and location, and a
 * location that changed with every deployment would close and reopen every alert. The commit
 * goes in versionControlProvenance instead.
 */
export function subjectUri(decision: Decision, request?: DeploymentSubject): string {
  if (request?.source?.repository) return repositoryUri(request.source.repository);
  if (request?.image) {
    const name = request.image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
    return percentEncode(`docker://${name}`, URI_CHAR);
  }
  return percentEncode(request?.application || environmentOf(decision, request), SEGMENT_CHAR);
}
