// How many checks this process has in hand, for the evaluation pool. A check that is alone
// is evaluated at once on the server thread: handing it to a pool thread would only add the
// hop to its latency. While others wait, the pool thread takes the evaluation, and the server
// thread reads, records and answers the others meanwhile (docs/performance-changes.md,
// fifteenth round).
import type { CheckService } from '../decide/index.js';

export interface ChecksInFlight {
  /** The service, each check counted from its start until it settles. */
  track(service: CheckService): CheckService;
  /** Checks started and not yet settled. */
  readonly count: number;
}

export function checksInFlight(): ChecksInFlight {
  let count = 0;
  return {
    get count() {
      return count;
    },
    track: (service) => ({
      async check(request, context) {
        count++;
        try {
          return await service.check(request, context);
        } finally {
          count--;
        }
      },
    }),
  };
}
