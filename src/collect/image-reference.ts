// Splits an image reference ([registry/]repository[:tag][@digest]) the way Docker's
// reference grammar does, so rules can read registry, repository and tag separately.
import { InvalidInputError } from '../shared/errors.js';

export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export class ImageReferenceError extends InvalidInputError {
  override name = 'ImageReferenceError';
  constructor(message: string) {
    super('invalid_image_reference', message);
  }
}

const DOCKER_HUB = 'docker.io';
/** An OCI content digest (algorithm:encoded), as the image-spec grammar has it. */
export const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

/**
 * The first path component is a registry host when it has a dot or a port, or is
 * "localhost" (distribution/reference's rule); otherwise the image is on Docker Hub, where
 * single-name images live under "library/".
 */
export function parseImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  if (!rest) throw new ImageReferenceError('the image reference is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageReferenceError(`"${digest}" in "${reference}" is not a content digest such as sha256:<hex>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageReferenceError(`"${tag}" in "${reference}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw new ImageReferenceError(`"${part}" in "${reference}" is not a valid repository name component (lower-case letters, digits, separators)`);
  }
  return { registry, repository: parts.join('/'), ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}
