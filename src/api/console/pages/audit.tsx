// Audit: each deployment that was let through, judged again with today's bundle, evidence
// and waivers: still compliant, drifted, or not evaluable (error), and why.
import type { FC } from 'hono/jsx';
import type { AuditRecord } from '../../../store/types.js';
import { Badge, Digest, Layout, Time } from '../layout.js';
import type { Session } from '../session.js';

const rulesOf = (a: AuditRecord) => [...new Set(Object.values(a.deny).flat().map((v) => v.rule))];

const AuditTable: FC<{ records: AuditRecord[] }> = ({ records }) => (
  <table>
    <thead>
      <tr>
        <th scope="col">Status</th>
        <th scope="col">Application</th>
        <th scope="col">Environment</th>
        <th scope="col">Digest</th>
        <th scope="col">Would block</th>
        <th scope="col">Audited</th>
        <th scope="col">Why</th>
        <th scope="col">Deployed by</th>
      </tr>
    </thead>
    <tbody>
      {records.map((a) => (
        <tr>
          <td>
            <Badge kind={a.status} />
          </td>
          <td>{a.application}</td>
          <td>{a.environment}</td>
          <td>
            <Digest digest={a.artifact_digest} />
          </td>
          <td class="msg">
            {rulesOf(a).length === 0 ? (
              <span class="muted">—</span>
            ) : (
              Object.entries(a.deny).flatMap(([severity, list]) =>
                list.map((v) => (
                  <div>
                    <Badge kind={severity}>{severity}</Badge> <a class="mono" href={`/ui/rules#${v.rule}`}>{v.rule}</a> {v.message}
                  </div>
                )),
              )
            )}
          </td>
          <td>
            <Time at={a.time} />
            <div class="muted mono">{a.bundle.revision}</div>
          </td>
          <td>{a.trigger}</td>
          <td>
            <a class="mono" href={`/ui/decisions/${a.decision_id}`} aria-label={`Decision ${a.decision_id}`}>
              {a.decision_id.slice(0, 13)}…
            </a>
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

export const AuditPage: FC<{ session: Session; latest: AuditRecord[]; recent: AuditRecord[] }> = ({ session, latest, recent }) => {
  const drifted = latest.filter((a) => a.status === 'drifted');
  const unevaluable = latest.filter((a) => a.status === 'error');
  return (
    <Layout title="Audit" active="audit" session={session}>
      <h1>Continuous audit</h1>
      <p class="muted">The newest allowed deployment of each application and environment, evaluated again on a schedule and whenever new evidence, an expired waiver or a new bundle could change its verdict.</p>
      <div class="cards">
        <div class="card">
          <div class="label">Deployments audited</div>
          <div class="value">{latest.length}</div>
        </div>
        <div class="card">
          <div class="label">Drifted</div>
          <div class="value">{drifted.length}</div>
        </div>
        <div class="card">
          <div class="label">Could not be evaluated</div>
          <div class="value">{unevaluable.length}</div>
        </div>
      </div>
      <section class="panel">
        <h2>Deployments now</h2>
        {latest.length === 0 ? <p class="empty">No allowed deployment has been audited yet.</p> : <AuditTable records={latest} />}
      </section>
      <section class="panel">
        <h2>Recent audit records</h2>
        {recent.length === 0 ? <p class="empty">None yet.</p> : <AuditTable records={recent} />}
      </section>
    </Layout>
  );
};
