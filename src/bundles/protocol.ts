// OPA's bundle service protocol, the parts both ends speak: strong ETags over the archive
// bytes, If-None-Match, the Prefer header (`modes=snapshot,delta;wait=N`, as OPA's
// v1/download/download.go sends it) and the media type that signals long-poll support.
// Web-standard APIs only.
import { sha256Hex } from '../shared/sha256.js';

/** A server answering with this content type supports long polling (OPA's isLongPollSupported). */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.openpolicyagent.bundles';
export const GZIP_MEDIA_TYPE = 'application/gzip';

/** The longest a request may be held, whatever `wait` it asks for. */
export const MAX_LONG_POLL_SECONDS = 3600;

/** Hex SHA-256 of the archive bytes: the revision's identity on disk and in the ETag. */
export function digestBytes(bytes: Uint8Array): Promise<string> {
  return sha256Hex(bytes);
}

/** A strong entity tag (RFC 9110 §8.8.3): equal tags mean byte-identical archives. */
export function etagOf(digest: string): string {
  return `"${digest}"`;
}

/**
 * Whether If-None-Match names `etag`. RFC 9110 §13.1.2 compares weakly, so a W/ prefix is
 * ignored; `*` matches any current representation.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}

/**
 * The `wait` preference in seconds (RFC 7240 §4.3), wherever it sits: `wait=10` alone or
 * after OPA's modes (`modes=snapshot,delta;wait=10`). Undefined when absent or not a number.
 */
export function preferredWaitSeconds(prefer: string | undefined): number | undefined {
  if (!prefer) return undefined;
  const match = /(?:^|[\s,;])wait\s*=\s*"?(\d{1,9})"?\s*(?:$|[,;])/i.exec(prefer);
  return match ? Number(match[1]) : undefined;
}

/** Whether a response's Content-Type is the long-poll media type (parameters ignored). */
export function isLongPollMediaType(contentType: string | null | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === BUNDLE_MEDIA_TYPE;
}
