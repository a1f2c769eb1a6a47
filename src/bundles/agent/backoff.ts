// How long an edge evaluator waits between requests. Interval polling spreads requests
// uniformly between the minimum and maximum delay (OPA's polling does the same), so a fleet
// restarted together does not poll in step; errors back off exponentially with jitter.

/** The first retry waits about this long; each further failure doubles it. */
export const BACKOFF_BASE_MS = 250;

/** Uniform in [min, max] seconds. */
export function pollIntervalMs(minSeconds: number, maxSeconds: number, random: () => number = Math.random): number {
  const min = Math.max(0, Math.min(minSeconds, maxSeconds));
  const max = Math.max(minSeconds, maxSeconds);
  return Math.round((min + (max - min) * random()) * 1000);
}

/**
 * After `failures` consecutive failures (1 or more): BACKOFF_BASE_MS * 2^(failures-1),
 * capped at maxSeconds, then "equal jitter" — half fixed, half random — so retries never
 * bunch up yet always wait at least half the step.
 */
export function backoffDelayMs(failures: number, maxSeconds: number, random: () => number = Math.random): number {
  const step = BACKOFF_BASE_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 30);
  const capped = Math.min(step, Math.max(maxSeconds * 1000, BACKOFF_BASE_MS));
  return Math.round(capped / 2 + (capped / 2) * random());
}
