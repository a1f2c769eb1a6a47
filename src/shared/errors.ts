// The one error model. Every error dfw raises on purpose extends DfwError: a stable `code`
// that programs match on, a `kind` that says what went wrong in domain terms, a message a
// person can act on, and the `cause` kept. Which HTTP status (or exit code, or admission
// answer) a kind becomes is decided at the edges only (src/api/error-table.ts, the CLI's
// exit codes, the admission and GitHub handlers), never where the error is raised.

/** What went wrong, as the caller sees it. */
export type ErrorKind =
  | 'invalid_input' // the caller sent something unusable; `fields` says where
  | 'unauthenticated' // no identity, or one that does not verify
  | 'forbidden' // a known identity that may not do this
  | 'not_found'
  | 'conflict' // the state does not allow it (already revoked, already recorded)
  | 'too_large'
  | 'unsupported_media_type'
  | 'refused' // well-formed but unacceptable (a bundle that does not verify)
  | 'unavailable' // nothing to answer with yet, or a dependency is down: try later
  | 'internal'; // dfw itself failed

/** One problem with one field of the caller's input. */
export interface FieldError {
  /** Dotted path of the field, e.g. "artifact.image" or "evidence.workflows[0].path". */
  field: string;
  /** What was expected, e.g. "is required", "must be a string". */
  message: string;
}

export interface DfwErrorOptions {
  cause?: unknown;
  kind?: ErrorKind;
  fields?: FieldError[];
}

export class DfwError extends Error {
  override name = 'DfwError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly fields?: FieldError[];
  constructor(code: string, message: string, options: DfwErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options.kind ?? 'internal';
    if (options.fields) this.fields = options.fields;
  }
}

/** The caller's input is unusable; `fields` names each problem. */
export class InvalidInputError extends DfwError {
  override name = 'InvalidInputError';
  constructor(code: string, message: string, fields?: FieldError[], options: { cause?: unknown } = {}) {
    super(code, message, { ...options, kind: 'invalid_input', ...(fields ? { fields } : {}) });
  }
}

/** Errors whose kind is all there is to say beyond code and message. */
function kindError(kind: ErrorKind, name: string) {
  return class extends DfwError {
    override name = name;
    constructor(code: string, message: string, options: { cause?: unknown } = {}) {
      super(code, message, { ...options, kind });
    }
  };
}

/**
 * A class for errors that always have the same code and kind, such as a configuration file
 * that cannot be used: `class ConfigError extends fixedCodeError('ConfigError', 'config_invalid', 'invalid_input') {}`.
 */
export function fixedCodeError(name: string, code: string, kind: ErrorKind) {
  return class extends DfwError {
    override name = name;
    constructor(message: string, options: { cause?: unknown } = {}) {
      super(code, message, { ...options, kind });
    }
  };
}

export class NotFoundError extends kindError('not_found', 'NotFoundError') {}
export class ConflictError extends kindError('conflict', 'ConflictError') {}
export class UnauthenticatedError extends kindError('unauthenticated', 'UnauthenticatedError') {}
export class ForbiddenError extends kindError('forbidden', 'ForbiddenError') {}
export class UnavailableError extends kindError('unavailable', 'UnavailableError') {}
export class TooLargeError extends kindError('too_large', 'TooLargeError') {}
export class UnsupportedMediaTypeError extends kindError('unsupported_media_type', 'UnsupportedMediaTypeError') {}

/** Field errors as one readable sentence: "artifact.image is required; limit must be …". */
export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field} ${e.message}`).join('; ');
}

/** Turns anything thrown (string, plain object, Error) into a readable message. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  if (thrown && typeof thrown === 'object' && 'message' in thrown && typeof thrown.message === 'string') {
    return thrown.message;
  }
  try {
    return JSON.stringify(thrown);
  } catch {
    return String(thrown);
  }
}
