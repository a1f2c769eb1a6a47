// Keeping other processes' CPU out of the figures: wait (bounded) for a quiet machine
// before a measurement, and measure again when something else ran meanwhile.
import { sampleBackgroundCores } from './cpu.js';

/** Background CPU (cores) below which a measurement counts as undisturbed. */
export const QUIET_CORES = 0.3;
const MAX_ATTEMPTS = 5;

export class QuietPolicy {
  /** Measurements repeated because other processes were busy. */
  retries = 0;
  private readonly deadline: number;

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

  /** Runs a measurement up to 5 times while other processes disturb it; keeps the quietest. */
  async measure<T>(what: string, run: () => Promise<T>, otherCores: (result: T) => number): Promise<T> {
    let best: T | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (this.enabled) await this.waitForQuiet(30);
      const result = await run();
      if (best === undefined || otherCores(result) < otherCores(best)) best = result;
      if (otherCores(result) <= QUIET_CORES || attempt === MAX_ATTEMPTS || this.timeLeft <= 0) break;
      this.retries++;
      this.log(`${what}: other processes used ${otherCores(result).toFixed(2)} cores meanwhile; measuring again`);
    }
    return best!;
  }
}
