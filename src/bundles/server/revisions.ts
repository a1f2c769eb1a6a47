// The bundle server's vocabulary: a kept revision, the per-name index of revisions, where
// they are stored, the bytes being served, and the error a publish or rollback ends with.
// Web-standard.
import { DfwError, type ErrorKind } from '../../shared/errors.js';

export interface RevisionEntry {
  /** Hex SHA-256 of the archive: its identity, file name and (quoted) ETag. */
  digest: string;
  /** The .manifest revision. */
  revision: string;
  target: 'wasm' | 'rego';
  size: number;
  published_at: string;
  published_by: string;
}

export interface RevisionIndex {
  name: string;
  active: string | null;
  activated_at: string | null;
  /** Oldest first. */
  revisions: RevisionEntry[];
}

/** Where revisions live (revision-store.ts keeps them on disk). */
export interface RevisionStore {
  readonly location: string;
  names(): Promise<string[]>;
  readIndex(name: string): Promise<RevisionIndex | undefined>;
  writeIndex(index: RevisionIndex): Promise<void>;
  readBundle(name: string, digest: string): Promise<Uint8Array>;
  writeBundle(name: string, digest: string, bytes: Uint8Array): Promise<void>;
  removeBundle(name: string, digest: string): Promise<void>;
}

export interface ServedBundle {
  name: string;
  digest: string;
  etag: string;
  revision: string;
  bytes: Uint8Array;
  activated_at: string;
}

export interface PublisherLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What each refusal means to the caller; an engine's refusal of the bundle itself is `refused`. */
const KIND_OF_CODE: Record<string, ErrorKind> = {
  bundle_name_invalid: 'invalid_input',
  bundle_empty: 'invalid_input',
  bundle_revision_missing: 'refused',
  bundle_not_found: 'not_found',
  revision_not_kept: 'not_found',
  publish_disabled: 'conflict',
  revision_conflict: 'conflict',
  no_previous_revision: 'conflict',
  revision_corrupt: 'internal',
};

/** A publish or rollback that cannot be done; `code` says why. */
export class PublishError extends DfwError {
  override name = 'PublishError';
  constructor(code: string, message: string, options: { cause?: unknown; kind?: ErrorKind } = {}) {
    super(code, message, { kind: options.kind ?? KIND_OF_CODE[code] ?? 'invalid_input', ...(options.cause === undefined ? {} : { cause: options.cause }) });
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function assertBundleName(name: string): void {
  if (!NAME.test(name)) throw new PublishError('bundle_name_invalid', `bundle name "${name}" is not valid: letters, digits, ".", "_" and "-", starting with a letter or digit`);
}
