// Waivers: who allowed what, where, until when; grant (admin, another admin than the
// requester) and revoke (admin). A viewer sees the list and no buttons.
import type { FC } from 'hono/jsx';
import type { Waiver } from '../../../store/types.js';
import { Badge, Csrf, Digest, isAdmin, Layout, Time } from '../layout.js';
import type { Session } from '../session.js';

export interface WaiverForm {
  rule?: string;
  application?: string;
  environment?: string;
  artifact_digest?: string;
  reason?: string;
  ticket?: string;
  requested_by?: string;
  expires_at?: string;
}

function stateOf(w: Waiver, now: Date): 'active' | 'revoked' | 'expired' {
  if (w.revoked_at) return 'revoked';
  return Date.parse(w.expires_at) <= now.getTime() ? 'expired' : 'active';
}

export const WaiversPage: FC<{
  session: Session;
  waivers: Waiver[];
  now: Date;
  rules: string[];
  environments: string[];
  maxDays: number;
  form?: WaiverForm;
  notice?: { kind: 'error' | 'ok'; text: string } | undefined;
}> = ({ session, waivers, now, rules, environments, maxDays, form = {}, notice }) => (
  <Layout title="Waivers" active="waivers" session={session} {...(notice ? { notice } : {})}>
    <h1>Waivers</h1>
    {isAdmin(session) && (
      <section class="panel" aria-labelledby="grant">
        <h2 id="grant">Grant a waiver</h2>
        <p class="muted">You approve it as {session.caller.name}; the requester must be someone else. At most {maxDays} days.</p>
        <form class="stack" method="post" action="/ui/waivers">
          <Csrf session={session} />
          <label>
            Rule
            <select name="rule" required>
              {rules.map((r) => (
                <option value={r} selected={form.rule === r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            Application
            <input name="application" required value={form.application ?? ''} />
          </label>
          <label>
            Environment
            <select name="environment" required>
              {[...environments, '*'].map((e) => (
                <option value={e} selected={form.environment === e}>
                  {e === '*' ? 'every environment (*)' : e}
                </option>
              ))}
            </select>
          </label>
          <label>
            Image digest (optional)
            <input name="artifact_digest" value={form.artifact_digest ?? ''} placeholder="sha256:…" />
          </label>
          <label>
            Requested by
            <input name="requested_by" required value={form.requested_by ?? ''} />
          </label>
          <label>
            Ticket (optional)
            <input name="ticket" value={form.ticket ?? ''} />
          </label>
          <label>
            Expires (UTC)
            <input type="datetime-local" name="expires_at" required value={form.expires_at ?? ''} />
          </label>
          <label>
            Reason
            <input name="reason" required value={form.reason ?? ''} />
          </label>
          <div>
            <button type="submit">Grant waiver</button>
          </div>
        </form>
      </section>
    )}
    <section class="panel">
      <h2>All waivers</h2>
      {waivers.length === 0 ? (
        <p class="empty">No waiver has been granted.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Rule</th>
              <th scope="col">Application</th>
              <th scope="col">Environment</th>
              <th scope="col">Digest</th>
              <th scope="col">Reason</th>
              <th scope="col">Requested / approved</th>
              <th scope="col">Expires</th>
              {isAdmin(session) && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {waivers.map((w) => {
              const state = stateOf(w, now);
              return (
                <tr>
                  <td>
                    <Badge kind={state} />
                    {w.revoked_by && <div class="muted">by {w.revoked_by}</div>}
                  </td>
                  <td class="mono">{w.rule}</td>
                  <td>{w.application}</td>
                  <td>{w.environment}</td>
                  <td>
                    <Digest digest={w.artifact_digest} />
                  </td>
                  <td>
                    {w.reason}
                    {w.ticket && <div class="muted">{w.ticket}</div>}
                  </td>
                  <td>
                    {w.requested_by} / {w.approved_by}
                  </td>
                  <td>
                    <Time at={w.expires_at} />
                  </td>
                  {isAdmin(session) && (
                    <td>
                      {state === 'active' && (
                        <form class="inline" method="post" action={`/ui/waivers/${w.id}/revoke`}>
                          <Csrf session={session} />
                          <button class="danger" type="submit" aria-label={`Revoke the waiver of ${w.rule} for ${w.application}`}>
                            Revoke
                          </button>
                        </form>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  </Layout>
);
