// Errors of the GitHub integration, with stable codes so logs and callers can match on them.
import { DfwError } from '../../shared/errors.js';

/** The webhook cannot be acted on: a payload that lacks what a callback needs, a bad config. */
export class GitHubIntegrationError extends DfwError {
  override name = 'GitHubIntegrationError';
}

/** GitHub answered an API call with a status dfw cannot use. `status` is 0 for network errors. */
export class GitHubApiError extends DfwError {
  override name = 'GitHubApiError';
  constructor(
    code: string,
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }

  /** 5xx, 429 and network failures may succeed on a later attempt; other answers will not. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
