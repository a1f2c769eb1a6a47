// Overview: decisions per day by verdict and environment (chart, and the same numbers as a
// table for readers without JavaScript), top denying rules, recent blocking denials,
// waivers about to expire, the active bundle, drift and dead letters.
import type { FC } from 'hono/jsx';
import type { PolicyStatus } from '../../../engine/index.js';
import type { DecisionSummary, Waiver } from '../../../store/types.js';
import { Badge, Layout, Time } from '../layout.js';
import type { Session } from '../session.js';

export interface OverviewData {
  days: string[];
  series: Array<{ environment: string; allow: boolean; counts: number[] }>;
  topRules: Array<{ rule: string; title: string; count: number }>;
  denials: DecisionSummary[];
  /** More denials than were read (the card then says "N+"). */
  moreDenials: boolean;
  /** The last-24-hours link's `from`, as the Decisions filter writes it. */
  since: string;
  expiring: Waiver[];
  policy: PolicyStatus;
  drifted: number;
  dead: number;
}

const COLORS: Record<string, [string, string]> = {};
const PALETTE: Array<[string, string]> = [
  ['#1a7f37', '#cf222e'],
  ['#4ac26b', '#fa7970'],
  ['#2da44e', '#a40e26'],
  ['#116329', '#ff8182'],
];

function chartData(data: OverviewData) {
  const environments = [...new Set(data.series.map((s) => s.environment))];
  environments.forEach((e, i) => (COLORS[e] = PALETTE[i % PALETTE.length]!));
  return {
    labels: data.days,
    datasets: data.series.map((s) => ({
      label: `${s.environment} · ${s.allow ? 'allowed' : 'denied'}`,
      data: s.counts,
      stack: s.allow ? 'allowed' : 'denied',
      backgroundColor: COLORS[s.environment]![s.allow ? 0 : 1],
    })),
  };
}

export const OverviewPage: FC<{ session: Session; data: OverviewData }> = ({ session, data }) => (
  <Layout title="Overview" active="overview" session={session}>
    <h1>Overview</h1>
    <div class="cards">
      <div class="card">
        <div class="label">Denied, last 24 h</div>
        <div class="value">{`${data.denials.length}${data.moreDenials ? '+' : ''}`}</div>
      </div>
      <div class="card">
        <div class="label">Drifted deployments</div>
        <div class="value">
          <a href="/ui/audit">{data.drifted}</a>
        </div>
      </div>
      <div class="card">
        <div class="label">Waivers expiring in 7 days</div>
        <div class="value">{data.expiring.length}</div>
      </div>
      <div class="card">
        <div class="label">Active bundle</div>
        <div class="value small mono">
          {data.policy.revision ?? 'none'}
        </div>
        <div class="muted">
          activated <Time at={data.policy.activated_at} />
        </div>
      </div>
      <div class="card">
        <div class="label">Undelivered notifications</div>
        <div class="value">
          <a href="/ui/notifications">{data.dead}</a>
        </div>
      </div>
    </div>
    <section class="panel">
      <h2>Decisions per day (last 14 days)</h2>
      <div class="chart-box">
        <canvas id="decisions-chart" role="img" aria-label="Stacked bars: decisions per day, allowed and denied, by environment. The same numbers are in the table below."></canvas>
      </div>
      <script type="application/json" id="chart-data" dangerouslySetInnerHTML={{ __html: JSON.stringify(chartData(data)).replace(/</g, '\\u003c') }} />
      <details>
        <summary>The numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {data.series.map((s) => (
                <th scope="col" class="num">
                  {s.environment} {s.allow ? 'allowed' : 'denied'}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.days.map((day, i) => (
              <tr>
                <th scope="row">{day}</th>
                {data.series.map((s) => (
                  <td class="num">{s.counts[i]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <script src="/ui/assets/chart.umd.js"></script>
      <script src="/ui/assets/overview.js"></script>
    </section>
    <div class="grid">
      <section class="panel">
        <h2>Top denying rules (7 days)</h2>
        {data.topRules.length === 0 ? (
          <p class="empty">No rule blocked a deployment in the last 7 days.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Title</th>
                <th scope="col" class="num">Denials</th>
              </tr>
            </thead>
            <tbody>
              {data.topRules.map((r) => (
                <tr>
                  <td class="mono">
                    <a href={`/ui/decisions?rule=${encodeURIComponent(r.rule)}&verdict=deny`}>{r.rule}</a>
                  </td>
                  <td>{r.title}</td>
                  <td class="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="panel">
        <h2>Waivers expiring within 7 days</h2>
        {data.expiring.length === 0 ? (
          <p class="empty">None.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Application</th>
                <th scope="col">Environment</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {data.expiring.map((w) => (
                <tr>
                  <td class="mono">{w.rule}</td>
                  <td>{w.application}</td>
                  <td>{w.environment}</td>
                  <td>
                    <Time at={w.expires_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
    <section class="panel">
      <h2>Denials in blocking environments, last 24 hours</h2>
      {data.denials.length === 0 ? (
        <p class="empty">No deployment was denied in the last 24 hours.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Application</th>
              <th scope="col">Environment</th>
              <th scope="col">Blocking rules</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {data.denials.slice(0, 15).map((d) => (
              <tr>
                <td>
                  <Time at={d.time} />
                </td>
                <td>{d.application}</td>
                <td>{d.environment}</td>
                <td>
                  {[...new Set(Object.values(d.deny).flat().map((v) => v.rule))].map((rule) => (
                    <>
                      <Badge kind="deny">{rule}</Badge>{' '}
                    </>
                  ))}
                </td>
                <td>
                  <a href={`/ui/decisions/${d.decision_id}`} class="mono">
                    {d.decision_id.slice(0, 13)}…
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.denials.length > 15 && (
        <p>
          <a href={`/ui/decisions?verdict=deny&from=${encodeURIComponent(data.since)}`}>All denials of the last 24 hours →</a>
        </p>
      )}
    </section>
  </Layout>
);
