// The outbox worker: claims due messages, delivers them with bounded concurrency and a
// timeout each, and records the outcome. It runs beside the checks, never in their path:
// a check only writes outbox rows, so a slow or dead receiver cannot slow or fail one.
import { describeThrown } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { withoutUrlSecrets } from '../store/outbox.js';
import type { Outbox, OutboxMessage } from '../store/types.js';
import { retryDelayMs } from './backoff.js';
import type { NotificationsConfig } from './config.js';
import { DeliveryError, type Sender } from './senders.js';

export interface WorkerOptions {
  outbox: Outbox;
  senders: ReadonlyMap<string, Sender>;
  config: Pick<NotificationsConfig, 'max_attempts' | 'timeout_ms' | 'concurrency' | 'backoff_initial_ms' | 'backoff_max_ms' | 'poll_interval_ms'>;
  logger: Logger;
  clock?: () => Date;
  random?: () => number;
  /** Hears each outcome (metrics). */
  onOutcome?: (outcome: 'delivered' | 'retry' | 'dead', message: OutboxMessage) => void;
}

export class NotificationWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly stopController = new AbortController();
  private readonly clock: () => Date;

  constructor(private readonly options: WorkerOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Something was queued: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming; deliveries in flight are aborted (their messages stay due: at least once). */
  async stop(): Promise<void> {
    this.running = false;
    this.stopController.abort();
    this.wakeUp?.();
    await this.loop;
  }

  /** Claims and delivers one batch; resolves to how many were claimed (tests drive it directly). */
  async deliverDue(): Promise<number> {
    const { config } = this.options;
    // The lease outlives one attempt, so no other worker takes a message still being delivered.
    const claimed = await this.options.outbox.claim(this.clock(), config.concurrency, config.timeout_ms * 2 + 1000);
    await Promise.all(claimed.map((message) => this.deliver(message)));
    return claimed.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.deliverDue();
      } catch (err) {
        this.options.logger.error('notification outbox unavailable', { error: (err as Error).message });
      }
      if (claimed > 0 || !this.running) continue;
      await this.sleep(this.options.config.poll_interval_ms);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.woken = false;
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { outbox, config, logger } = this.options;
    const sender = this.options.senders.get(message.receiver);
    let failure: DeliveryError;
    if (!sender) {
      failure = new DeliveryError(`receiver "${message.receiver}" is no longer in notifications.receivers`, true);
    } else {
      const signal = AbortSignal.any([AbortSignal.timeout(config.timeout_ms), this.stopController.signal]);
      try {
        await sender.send(message, signal);
        await outbox.delivered(message.event_id, message.receiver, this.clock());
        this.options.onOutcome?.('delivered', message);
        logger.debug('notification delivered', { event_id: message.event_id, receiver: message.receiver, type: message.type, attempts: message.attempts });
        return;
      } catch (err) {
        // Senders say what failed without the receiver's URL; anything else is cut to be sure.
        failure = err instanceof DeliveryError ? err : new DeliveryError(withoutUrlSecrets(describeThrown(err)), false, err);
      }
    }
    if (this.stopController.signal.aborted) return; // the lease ends and it is due again
    const dead = failure.permanent || message.attempts >= config.max_attempts;
    const retryAt = dead ? undefined : new Date(this.clock().getTime() + retryDelayMs(message.attempts, { initialMs: config.backoff_initial_ms, maxMs: config.backoff_max_ms }, this.options.random));
    await outbox.failed(message.event_id, message.receiver, { error: failure.message, ...(retryAt ? { retryAt } : {}) }).catch((err: Error) =>
      logger.error('notification outcome not recorded', { event_id: message.event_id, error: err.message }),
    );
    this.options.onOutcome?.(dead ? 'dead' : 'retry', message);
    const fields = { event_id: message.event_id, receiver: message.receiver, type: message.type, attempts: message.attempts, error: failure.message };
    if (dead) logger.error('notification dead-lettered', fields);
    else logger.warn('notification delivery failed; will retry', { ...fields, retry_at: retryAt!.toISOString() });
  }
}
