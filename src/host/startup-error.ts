// A server that could not start: a store that cannot be opened, a port taken, a worker that
// died before it listened. Its own module, so that a cluster's primary can raise it without
// loading the server it never runs.
import { fixedCodeError } from '../shared/errors.js';

export class StartupError extends fixedCodeError('StartupError', 'startup_failed', 'internal') {}
