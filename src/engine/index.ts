// The engine's public surface: bundle loading and verification, the Wasm evaluator, host
// builtins. Web-standard APIs only, so it runs in Node, browsers and Workers alike.
export { loadBundle, loadBundleFiles, verifySignedFiles, DEFAULT_ENTRYPOINT, type Bundle, type Manifest, type LoadBundleOptions } from './bundle/load.js';
export { readArchive, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits, type ArchiveFiles } from './bundle/archive.js';
export { verifyBundleSignature, type VerificationConfig, type TrustedKey } from './bundle/signature.js';
export { canonicalJson } from './bundle/canonical-json.js';
export { createEvaluator, createPolicyRunner, renewPolicyMemory, POLICY_MEMORY_RENEWAL_BYTES, DEFAULT_MAX_MEMORY_BYTES, type Evaluator, type EvaluatorOptions, type EvaluateOptions, type PolicyRunner, type PreparedEvaluation } from './evaluator.js';
export { HOST_BUILTINS } from './builtins/index.js';
export * from './errors.js';
export * from './types.js';
export { listFindings, type Finding, type Outcome } from './findings.js';
export { ruleCatalog, firewallConfig, type RuleCatalog, type RuleEntry, type Enforcement } from './catalog.js';
export { ActivePolicy, type PolicyStatus } from './active-policy.js';
