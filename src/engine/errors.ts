// Typed errors of the engine. Values thrown by libraries that are not Errors (the Wasm
// SDK throws strings and plain objects) are wrapped where they enter, keeping `cause`.

/** Base of every error dfw raises on purpose. `code` is stable for programs to match on. */
export class FirewallError extends Error {
  override name = 'FirewallError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The bundle archive or its manifest cannot be read. */
export class BundleError extends FirewallError {
  override name = 'BundleError';
}

/** The bundle's signature or a file hash does not verify. */
export class SignatureError extends FirewallError {
  override name = 'SignatureError';
}

/** The policy cannot be loaded into the Wasm runtime. */
export class PolicyLoadError extends FirewallError {
  override name = 'PolicyLoadError';
}

/** Evaluating the policy failed, or it returned no usable decision. */
export class EvaluationError extends FirewallError {
  override name = 'EvaluationError';
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
