// When to try a failed delivery again: exponential backoff with jitter ("equal jitter",
// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), so receivers
// that come back are not hit by every retry at once.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** The delay after attempt `attempt` (1 = the first) failed: half fixed, half random. */
export function retryDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
