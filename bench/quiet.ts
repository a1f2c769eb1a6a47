// Keeping other processes' CPU, and the machine's slow stretches, out of the figures: wait
// (bounded) for a quiet machine before a measurement, and measure again when something else
// ran meanwhile or the machine ran slower than its fastest (speed.ts).
import { sampleBackgroundCores } from './cpu.js';
import { SpeedProbe } from './speed.js';

/** Background CPU (cores) below which a measurement counts as undisturbed. */
export const QUIET_CORES = 0.3;
/** How much slower than its fastest the machine may run for a measurement to count as undisturbed. */
export const SLOW_FACTOR = 1.3;
const MAX_ATTEMPTS = 5;

export class QuietPolicy {
  /** Measurements repeated because other processes were busy. */
  retries = 0;
  /** Measurements repeated because the machine ran slow. */
  slowRetries = 0;
  /** Measurements kept although the machine ran slow (attempts or patience ran out). */
  slowKept = 0;
  private readonly deadline: number;
  private readonly speed = new SpeedProbe();

  readonly enabled: boolean;

  /** patienceSec bounds all waiting and repeating; 0 measures once, without waiting. */
  constructor(
    patienceSec: number,
    private readonly log: (message: string) => void,
  ) {
    this.enabled = patienceSec > 0;
    this.deadline = performance.now() + patienceSec * 1000;
  }

  private get timeLeft(): number {
    return this.enabled ? this.deadline - performance.now() : 0;
  }

  /** Samples the background every 0.5 s until it is quiet, maxSec pass or the budget ends; returns the last sample. */
  async waitForQuiet(maxSec: number): Promise<number> {
    let cores = await sampleBackgroundCores(500);
    const until = performance.now() + maxSec * 1000;
    let announced = false;
    while (cores > QUIET_CORES && this.timeLeft > 0 && performance.now() < until) {
      if (!announced) this.log(`other processes use ${cores.toFixed(2)} cores; waiting for a quiet machine (--patience 0 to skip)`);
      announced = true;
      cores = await sampleBackgroundCores(500);
    }
    return cores;
  }

  /** Probes the machine's speed for a few seconds, before the first measurement. */
  async calibrate(): Promise<void> {
    if (this.enabled) await this.speed.calibrate(3);
  }

  /**
   * Runs a measurement up to 5 times while other processes disturb it or the machine runs
   * slow (a speed probe before and after); keeps the least disturbed.
   */
  async measure<T>(what: string, run: () => Promise<T>, otherCores: (result: T) => number): Promise<T> {
    let best: { result: T; busy: number; slowdown: number } | undefined;
    const worse = (a: { busy: number; slowdown: number }, b: { busy: number; slowdown: number }) => {
      const disturbed = (m: typeof a) => Number(m.busy > QUIET_CORES) + Number(m.slowdown > SLOW_FACTOR);
      return disturbed(a) - disturbed(b) || a.slowdown - b.slowdown;
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (this.enabled) await this.waitForQuiet(30);
      const before = this.enabled ? this.speed.slowdown() : 1;
      const result = await run();
      const slowdown = this.enabled ? Math.max(before, this.speed.slowdown()) : 1;
      const measured = { result, busy: otherCores(result), slowdown };
      if (best === undefined || worse(measured, best) < 0) best = measured;
      const busy = measured.busy > QUIET_CORES;
      const slow = slowdown > SLOW_FACTOR;
      if ((!busy && !slow) || attempt === MAX_ATTEMPTS || this.timeLeft <= 0) break;
      if (busy) this.retries++;
      else this.slowRetries++;
      this.log(`${what}: ${busy ? `other processes used ${measured.busy.toFixed(2)} cores meanwhile` : `the machine ran ${slowdown.toFixed(2)}× slower than its fastest`}; measuring again`);
    }
    if (best!.slowdown > SLOW_FACTOR) this.slowKept++;
    return best!.result;
  }
}
