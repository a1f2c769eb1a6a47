// The overview's numbers: decisions per day by environment and verdict (14 days), the rules
// that blocked most (7 days), the last 24 hours' denials, waivers about to expire, drift,
// dead letters and the active bundle.
import { ruleCatalog, type ActivePolicy } from '../../engine/index.js';
import type { Store } from '../../store/types.js';
import type { OverviewData } from './pages/overview.js';
import { toLocalInput } from './times.js';

const DAY_MS = 86_400_000;

export async function overviewData(store: Store, policy: ActivePolicy, now: Date): Promise<OverviewData> {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 13 * DAY_MS);
  const [perDay, rules, denials, active, latest, counts] = await Promise.all([
    store.stats.perDay(from),
    store.stats.denyingRules(new Date(now.getTime() - 7 * DAY_MS)),
    store.listDecisions({ allow: false, from: new Date(now.getTime() - DAY_MS) }, { limit: 100 }),
    store.activeWaivers(now),
    store.audits.latest(),
    store.outbox.counts(),
  ]);
  const days = Array.from({ length: 14 }, (_, i) => new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10));
  const keys = [...new Set(perDay.map((r) => `${r.environment}\u0000${r.allow}`))].sort();
  const series = keys.map((key) => {
    const [environment, allow] = key.split('\u0000') as [string, string];
    return { environment, allow: allow === 'true', counts: days.map((day) => perDay.find((r) => r.day === day && r.environment === environment && String(r.allow) === allow)?.count ?? 0) };
  });
  const evaluator = policy.current();
  const titles = new Map((evaluator ? ruleCatalog(evaluator.bundle).rules : []).map((r) => [r.id, r.title]));
  return {
    days,
    series,
    topRules: rules.slice(0, 10).map((r) => ({ ...r, title: titles.get(r.rule) ?? '' })),
    denials: denials.items.filter((d) => !d.dry_run),
    moreDenials: denials.next_cursor !== undefined,
    since: toLocalInput(new Date(now.getTime() - DAY_MS)),
    expiring: active.filter((w) => Date.parse(w.expires_at) - now.getTime() <= 7 * DAY_MS),
    policy: policy.status(),
    drifted: latest.filter((a) => a.status === 'drifted').length,
    dead: counts.dead,
  };
}
