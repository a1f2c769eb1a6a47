// Typed errors of the engine. Values thrown by libraries that are not Errors (the Wasm
// SDK throws strings and plain objects) are wrapped where they enter, keeping `cause`.
import { DfwError } from '../shared/errors.js';

export { describeThrown } from '../shared/errors.js';

/** Base of the engine's errors: the bundle or the policy, never the caller's input. */
export class FirewallError extends DfwError {
  override name = 'FirewallError';
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
