// Decisions: the log with filters that live in the URL (shareable), newest first, a page
// at a time with the store's keyset cursor.
import type { FC } from 'hono/jsx';
import type { DecisionSummary } from '../../../store/types.js';
import { Badge, Digest, Layout, Time } from '../layout.js';
import type { Session } from '../session.js';

export interface DecisionQuery {
  application?: string;
  environment?: string;
  verdict?: 'allow' | 'deny';
  rule?: string;
  /** datetime-local text, read as UTC. */
  from?: string;
  to?: string;
}

export function queryString(query: DecisionQuery, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}

const blocking = (d: DecisionSummary) => [...new Set(Object.values(d.deny).flat().map((v) => v.rule))];

export const DecisionsPage: FC<{ session: Session; query: DecisionQuery; items: DecisionSummary[]; next?: string | undefined; environments: string[]; error?: string | undefined }> = ({
  session,
  query,
  items,
  next,
  environments,
  error,
}) => (
  <Layout title="Decisions" active="decisions" session={session} {...(error ? { notice: { kind: 'error' as const, text: error } } : {})}>
    <h1>Decisions</h1>
    <section class="panel">
      <form class="filters" method="get" action="/ui/decisions" role="search" aria-label="Filter decisions">
        <label>
          Application
          <input name="application" value={query.application ?? ''} />
        </label>
        <label>
          Environment
          <select name="environment">
            <option value="">any</option>
            {environments.map((e) => (
              <option value={e} selected={query.environment === e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <label>
          Verdict
          <select name="verdict">
            <option value="">any</option>
            <option value="allow" selected={query.verdict === 'allow'}>
              allowed
            </option>
            <option value="deny" selected={query.verdict === 'deny'}>
              denied
            </option>
          </select>
        </label>
        <label>
          Rule
          <input name="rule" value={query.rule ?? ''} placeholder="DFW-VULN-001" />
        </label>
        <label>
          From (UTC)
          <input type="datetime-local" name="from" value={query.from ?? ''} />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" name="to" value={query.to ?? ''} />
        </label>
        <button type="submit">Filter</button>
        <a class="button secondary" href="/ui/decisions">
          Clear
        </a>
      </form>
    </section>
    <section class="panel">
      {items.length === 0 ? (
        <p class="empty">No decision matches these filters.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Verdict</th>
              <th scope="col">Application</th>
              <th scope="col">Environment</th>
              <th scope="col">Digest</th>
              <th scope="col">Blocking rules</th>
              <th scope="col">Via</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr>
                <td>
                  <Time at={d.time} />
                </td>
                <td>
                  <Badge kind={d.allow ? 'allow' : 'deny'}>{d.allow ? 'allowed' : 'denied'}</Badge>
                  {d.dry_run && <Badge kind="info">dry run</Badge>}
                  {d.waived.length > 0 && <Badge kind="waived">{`${d.waived.length} waived`}</Badge>}
                </td>
                <td>{d.application}</td>
                <td>{d.environment}</td>
                <td>
                  <Digest digest={d.artifact_digest} />
                </td>
                <td class="mono">{blocking(d).join(', ') || <span class="muted">—</span>}</td>
                <td>
                  {d.via} <span class="muted">({d.caller})</span>
                </td>
                <td>
                  <a href={`/ui/decisions/${d.decision_id}`} class="mono" aria-label={`Decision ${d.decision_id}`}>
                    {d.decision_id.slice(0, 13)}…
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <span class="muted">{items.length} shown, newest first</span>
        {next && (
          <a class="button secondary" rel="next" href={`/ui/decisions${queryString(query, next)}`}>
            Older decisions →
          </a>
        )}
      </div>
    </section>
  </Layout>
);
