// Bundles: the revisions this server keeps and publishes, the active one, and a rollback
// to any earlier kept revision (admin).
import type { FC } from 'hono/jsx';
import type { PolicyStatus } from '../../../engine/index.js';
import type { RevisionIndex } from '../../../bundles/server/revisions.js';
import { Badge, Csrf, isAdmin, Layout, Time } from '../layout.js';
import type { Session } from '../session.js';

export const BundlesPage: FC<{ session: Session; policy: PolicyStatus; index?: RevisionIndex | undefined; publishing: boolean; notice?: { kind: 'error' | 'ok'; text: string } | undefined }> = ({
  session,
  policy,
  index,
  publishing,
  notice,
}) => (
  <Layout title="Bundles" active="bundles" session={session} {...(notice ? { notice } : {})}>
    <h1>Bundles</h1>
    <section class="panel">
      <h2>Deciding now</h2>
      <dl class="facts">
        <dt>Bundle</dt>
        <dd class="mono">{policy.bundle ?? 'none loaded'}</dd>
        <dt>Revision</dt>
        <dd class="mono">{policy.revision ?? '—'}</dd>
        <dt>Activated</dt>
        <dd>
          <Time at={policy.activated_at} />
        </dd>
        {policy.last_error && (
          <>
            <dt>Last refusal</dt>
            <dd>
              {policy.last_error} (<Time at={policy.last_error_at} />)
            </dd>
          </>
        )}
      </dl>
    </section>
    <section class="panel">
      <h2>Revisions on the bundle server</h2>
      {!publishing && <p class="muted">This server does not publish bundles (no bundle.public_key): it decides with the bundle file or the bundle server it pulls from.</p>}
      {publishing && (!index || index.revisions.length === 0) && <p class="empty">Nothing has been published yet (dfw bundle publish).</p>}
      {index && index.revisions.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">State</th>
              <th scope="col">Published</th>
              <th scope="col">By</th>
              <th scope="col">SHA-256</th>
              {isAdmin(session) && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {[...index.revisions].reverse().map((r) => (
              <tr>
                <td class="mono">{r.revision}</td>
                <td>{r.digest === index.active ? <Badge kind="active">active since {index.activated_at?.slice(0, 19).replace('T', ' ')}</Badge> : <Badge kind="waived">kept</Badge>}</td>
                <td>
                  <Time at={r.published_at} />
                </td>
                <td>{r.published_by}</td>
                <td class="mono" title={r.digest}>
                  {r.digest.slice(0, 16)}…
                </td>
                {isAdmin(session) && (
                  <td>
                    {r.digest !== index.active && (
                      <form class="inline" method="post" action="/ui/bundles/rollback">
                        <Csrf session={session} />
                        <input type="hidden" name="digest" value={r.digest} />
                        <button class="secondary" type="submit">
                          Roll back to {r.revision}
                        </button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  </Layout>
);
