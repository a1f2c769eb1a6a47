// Events that come from the passing of time or from outside a request: a waiver granted,
// about to expire, or expired, and a new bundle revision active. A periodic scan derives
// them from the store and the active policy; stable event ids make each one go out once,
// however often the scan runs and across restarts.
import type { ActivePolicy } from '../engine/index.js';
import type { Store, Waiver } from '../store/types.js';
import type { EventFactory } from './events.js';

const DAY_MS = 86_400_000;

export interface ScanResult {
  queued: number;
  /** Waivers that ended since the previous scan: their deployments need auditing again. */
  expired: Waiver[];
  /** Set when the active revision differs from the previous scan's. */
  activated?: { name: string; revision: string; activated_at: string };
}

export class EventScanner {
  private lastScan: Date | undefined;
  /** The revision the previous scan saw; before the first scan, undefined. */
  private lastRevision: string | null | undefined;

  constructor(
    private readonly store: Pick<Store, 'listWaivers' | 'outbox' | 'listDecisions'>,
    private readonly policy: ActivePolicy,
    private readonly events: EventFactory,
    private readonly expiringDays: number,
  ) {}

  async scan(now: Date): Promise<ScanResult> {
    const since = this.lastScan ?? new Date(now.getTime() - DAY_MS);
    this.lastScan = now;
    const waivers = await this.store.listWaivers({ includeRevoked: false });
    const messages = [];
    const expired: Waiver[] = [];
    for (const waiver of waivers) {
      const created = Date.parse(waiver.created_at);
      const expires = Date.parse(waiver.expires_at);
      if (created > now.getTime() - DAY_MS && created <= now.getTime()) messages.push(...(await this.events.forWaiver('waiver.granted', waiver, new Date(created))));
      if (expires > now.getTime() && expires - now.getTime() <= this.expiringDays * DAY_MS) messages.push(...(await this.events.forWaiver('waiver.expiring', waiver, now)));
      if (expires <= now.getTime() && expires > now.getTime() - DAY_MS) {
        messages.push(...(await this.events.forWaiver('waiver.expired', waiver, new Date(expires))));
        if (expires > since.getTime()) expired.push(waiver);
      }
    }
    const status = this.policy.status();
    // The first scan compares with the revision of the newest logged decision: a restart on
    // the same bundle is not a new bundle, a restart onto another one is (dfw started with a
    // new bundle file, or a publish while the process that scans was being replaced).
    if (this.lastRevision === undefined) this.lastRevision = await this.loggedRevision(status.revision);
    let activated: ScanResult['activated'];
    if (status.revision !== null && status.revision !== this.lastRevision && status.activated_at) {
      activated = { name: status.bundle ?? '', revision: status.revision, activated_at: status.activated_at };
      messages.push(...(await this.events.forBundle(activated)));
    }
    this.lastRevision = status.revision;
    const queued = await this.store.outbox.enqueue(messages);
    return { queued, expired, ...(activated ? { activated } : {}) };
  }

  /** The bundle revision of the newest decision in the log; `current` when the log is empty (nothing to compare). */
  private async loggedRevision(current: string | null): Promise<string | null> {
    const { items } = await this.store.listDecisions({}, { limit: 1 });
    return items[0]?.bundle.revision ?? current;
  }
}
