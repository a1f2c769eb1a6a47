// How fast this machine runs right now. The shared 2-core VM dfw's figures come from has
// stretches, from seconds to minutes, in which the same code runs up to 1.7 times slower
// with nothing in /proc/stat to show for it (no other process, no steal time); a figure
// measured in one of them beside one that was not makes a ratio wrong. A fixed workload,
// timed before and after each measurement, says whether it fell into one (quiet.ts). The
// probe itself varies by up to a quarter between runs of the same speed, hence the margin.

/** Work of the kind a server does a lot of: building, serializing and parsing small JSON objects. */
function workload(): number {
  let n = 0;
  for (let i = 0; i < 100; i++) {
    const rows = Array.from({ length: 50 }, (_, j) => ({ id: `row-${i}-${j}`, severity: j % 4, tags: ['a', 'b', String(j)] }));
    n += (JSON.parse(JSON.stringify(rows)) as unknown[]).length;
  }
  return n;
}

export class SpeedProbe {
  private fastestMs = Number.POSITIVE_INFINITY;

  /** Times the workload (the best of three, against garbage collection) and says how much slower than the fastest time seen so far it ran (1: as fast). */
  slowdown(): number {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      workload();
      best = Math.min(best, performance.now() - started);
    }
    this.fastestMs = Math.min(this.fastestMs, best);
    return best / this.fastestMs;
  }

  /** Probes for a while first, so that the fastest time is not taken in a slow stretch. */
  async calibrate(seconds: number): Promise<void> {
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      this.slowdown();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
