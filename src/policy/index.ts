// The security team's policy repository: init, test, build, push, diff (dfw policy …).
export { initPolicyRepo } from './scaffold.js';
export { testPolicy } from './test-runner.js';
export { formatTestReport, TEST_FORMATS, type TestFormat } from './test-report.js';
export { buildPolicy, type BuildResult } from './build.js';
export { PINNED_OPA_VERSION } from './opa-binary.js';
export { pushPolicy } from './push.js';
export { diffBundles, formatDiff, isSameDiff, type PolicyDiff } from './diff.js';
