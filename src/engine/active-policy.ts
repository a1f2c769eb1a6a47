// The evaluator currently in force. Swapping is a single reference assignment, so an
// evaluation already running finishes on the evaluator it started with, and the next one
// starts on the new one. A bundle that fails to load never replaces a good one.
import type { Evaluator } from './evaluator.js';

export interface PolicyStatus {
  revision: string | null;
  bundle: string | null;
  activated_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export class ActivePolicy {
  private evaluator: Evaluator | undefined;
  private activatedAt: Date | null = null;
  private lastError: { message: string; at: Date } | null = null;

  current(): Evaluator | undefined {
    return this.evaluator;
  }

  activate(evaluator: Evaluator, at: Date = new Date()): void {
    this.evaluator = evaluator;
    this.activatedAt = at;
  }

  /** Records why a candidate bundle was refused; the active one stays. */
  refuse(message: string, at: Date = new Date()): void {
    this.lastError = { message, at };
  }

  status(): PolicyStatus {
    return {
      revision: this.evaluator?.bundle.manifest.revision ?? null,
      bundle: this.evaluator?.bundle.name ?? null,
      activated_at: this.activatedAt?.toISOString() ?? null,
      last_error: this.lastError?.message ?? null,
      last_error_at: this.lastError?.at.toISOString() ?? null,
    };
  }
}
