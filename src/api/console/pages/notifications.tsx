// Notifications: the outbox by state, and the dead letters — events a receiver refused or
// did not take after every retry — with a button to queue them again (admin).
import type { FC } from 'hono/jsx';
import type { OutboxMessage, OutboxState } from '../../../store/types.js';
import { Badge, Csrf, isAdmin, Layout, Time } from '../layout.js';
import type { Session } from '../session.js';

export const NotificationsPage: FC<{ session: Session; counts: Record<OutboxState, number>; dead: OutboxMessage[]; recent: OutboxMessage[]; receivers: string[]; notice?: { kind: 'error' | 'ok'; text: string } | undefined }> = ({
  session,
  counts,
  dead,
  recent,
  receivers,
  notice,
}) => (
  <Layout title="Notifications" active="notifications" session={session} {...(notice ? { notice } : {})}>
    <h1>Notifications</h1>
    <p class="muted">Receivers: {receivers.length ? receivers.join(', ') : 'none configured (notifications: in dfw.yaml)'}.</p>
    <div class="cards">
      {(['pending', 'delivered', 'dead'] as const).map((state) => (
        <div class="card">
          <div class="label">{state === 'dead' ? 'Dead letters' : state}</div>
          <div class="value">{counts[state]}</div>
        </div>
      ))}
    </div>
    <section class="panel">
      <h2>Dead letters</h2>
      {dead.length === 0 ? (
        <p class="empty">None: every event was delivered or is still being retried.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Receiver</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Queued</th>
              {isAdmin(session) && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {dead.map((m) => (
              <tr>
                <td>
                  {m.type.replace('dev.dfw.', '')} <div class="muted mono">{m.event_id}</div>
                </td>
                <td>{m.receiver}</td>
                <td class="num">{m.attempts}</td>
                <td>{m.last_error}</td>
                <td>
                  <Time at={m.created_at} />
                </td>
                {isAdmin(session) && (
                  <td>
                    <form class="inline" method="post" action="/ui/notifications/retry">
                      <Csrf session={session} />
                      <input type="hidden" name="event_id" value={m.event_id} />
                      <input type="hidden" name="receiver" value={m.receiver} />
                      <button class="secondary" type="submit">
                        Retry
                      </button>
                    </form>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
    <section class="panel">
      <h2>Recent</h2>
      {recent.length === 0 ? (
        <p class="empty">Nothing has been queued.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Event</th>
              <th scope="col">Receiver</th>
              <th scope="col">Attempts</th>
              <th scope="col">Queued</th>
              <th scope="col">Delivered</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((m) => (
              <tr>
                <td>
                  <Badge kind={m.state} />
                </td>
                <td>{m.type.replace('dev.dfw.', '')}</td>
                <td>{m.receiver}</td>
                <td class="num">{m.attempts}</td>
                <td>
                  <Time at={m.created_at} />
                </td>
                <td>
                  <Time at={m.delivered_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  </Layout>
);
