// Preloaded into a real `dfw` process (NODE_OPTIONS=--import) by test/cli-startup.test.ts:
// every module the process (or a thread of it) resolves is appended to
// <DFW_TEST_MODULE_TRACE_DIR>/<pid>.txt, one file: URL a line, so that a test can tell which
// process loaded what (a cluster's primary and its workers each write their own file).
import { register } from 'node:module';

const dir = process.env.DFW_TEST_MODULE_TRACE_DIR;
if (dir) register('./module-trace-hooks.mjs', import.meta.url, { data: { dir } });
