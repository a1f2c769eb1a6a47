// Where a SARIF result points when there is no source file: the deployed repository or image, as a URI.
import type { Decision } from '../../engine/types.js';
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

/**
 * GitHub code scanning displays no result without a location ("At least one location is
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
