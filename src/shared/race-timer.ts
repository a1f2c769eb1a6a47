// A promise raced against a timer that never outlives the race: the admission deadline and
// the shutdown budget both wait for work only so long, and a timer left pending would keep
// the process alive or fire into a finished request.

/** What raceTimer gives when the time ran out first. */
export const TIMED_OUT = Symbol('timed out');

/** `work`'s value, or TIMED_OUT if `ms` (at least 0) pass first; `work`'s failure is thrown. */
export async function raceTimer<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([work, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}
