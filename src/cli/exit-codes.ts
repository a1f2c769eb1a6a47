// Exit codes pipelines act on: 0 allow, 1 deny, 2 anything else (never 0 on an error).
import { fixedCodeError } from '../shared/errors.js';
export const EXIT_ALLOW = 0;
export const EXIT_DENY = 1;
export const EXIT_ERROR = 2;

/** An error the CLI reports in one line and exits 2 for. */
export class CliError extends fixedCodeError('CliError', 'cli_usage', 'invalid_input') {}
