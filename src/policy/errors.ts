// Errors of the policy-repository workflow (dfw policy init|test|build|push|diff). The CLI
// turns each into one line and exit code 2; a failing test is a result, not an error.
import { fixedCodeError } from '../shared/errors.js';

/** dfw-policy.yaml, the enforcement file or an example cannot be used as written. */
export class PolicyProjectError extends fixedCodeError('PolicyProjectError', 'policy_project_invalid', 'invalid_input') {}

/** No opa binary of the pinned version could be found (dfw never downloads one). */
export class OpaMissingError extends fixedCodeError('OpaMissingError', 'opa_missing', 'unavailable') {}

/** DFW_WASM_OPT names a wasm-opt that does not run: whoever set it expects it used. */
export class WasmOptUnusableError extends fixedCodeError('WasmOptUnusableError', 'wasm_opt_unusable', 'unavailable') {}

/** opa refused to build the layered sources. */
export class PolicyBuildError extends fixedCodeError('PolicyBuildError', 'policy_build_failed', 'refused') {}

/** A registry or bundle server did not take the bundle. */
export class PolicyPushError extends fixedCodeError('PolicyPushError', 'policy_push_failed', 'unavailable') {}
