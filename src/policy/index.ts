// The security team's policy repository: init, test, build, push, diff (dfw policy …).
export { initPolicyRepo, teamFromFolder, type InitOptions, type InitResult } from './scaffold.js';
export { testPolicy, type TestReport, type StepResult, type TestOptions } from './test-runner.js';
export { formatTestReport, TEST_FORMATS, type TestFormat } from './test-report.js';
export { buildPolicy, type BuildOptions, type BuildResult } from './build.js';
export { loadProject, PROJECT_FILE, type PolicyProject } from './project.js';
export { findOpa, PINNED_OPA_VERSION } from './opa-binary.js';
export { dfwRoot, dfwVersion, packagedBundlePath } from './package-root.js';
export { PolicyProjectError, OpaMissingError, PolicyBuildError, PolicyPushError } from './errors.js';
export { pushPolicy, type PushOptions, type PushedBundle } from './push.js';
export { diffBundles, formatDiff, type PolicyDiff } from './diff.js';
export { builtBundlePath } from './built-bundle.js';
