// One decision: the verdict, each violation by severity with its message, remediation and
// rule, what was waived and by whom, the evidence and where it came from, the masked
// input folded, and a replay against the active bundle or a kept revision.
import type { FC } from 'hono/jsx';
import { SEVERITIES, type Decision } from '../../../engine/index.js';
import type { DecisionRecord } from '../../../store/types.js';
import { Badge, Digest, Layout, Time, ViolationCard } from '../layout.js';
import type { Session } from '../session.js';

export interface ReplayView {
  against: string;
  identical: boolean;
  replayed: Decision;
  newlyBlocking: string[];
  noLongerBlocking: string[];
}

/** Where a kind of evidence came from, in words. */
function sourceOf(source: string | undefined): string {
  if (source === 'inline') return 'pushed in the check request';
  if (source === 'store') return 'pushed by CI (evidence store)';
  return source ? `collected by the ${source} collector` : 'unknown';
}

export const DecisionPage: FC<{ session: Session; record: DecisionRecord; revisions: Array<{ digest: string; revision: string; active: boolean }>; replay?: ReplayView | undefined }> = ({ session, record, revisions, replay }) => {
  const d = record.decision;
  const input = (record.input ?? {}) as { evidence?: Record<string, unknown>; unavailable?: Record<string, string> };
  const kinds = [...new Set([...Object.keys(input.evidence ?? {}), ...Object.keys(input.unavailable ?? {})])].sort();
  const sources = d.evidence_sources ?? {};
  const blocking = SEVERITIES.flatMap((s) => d.deny[s].map((v) => ({ v, s })));
  const warnings = SEVERITIES.flatMap((s) => d.warn[s].map((v) => ({ v, s })));
  return (
    <Layout title={`Decision ${record.decision_id}`} active="decisions" session={session}>
      <p>
        <a href="/ui/decisions">← Decisions</a>
      </p>
      <h1>
        {record.application} → {record.environment}
      </h1>
      <div class={`verdict ${record.allow ? 'allow' : 'deny'}`} role="status">
        <strong>{record.allow ? 'Allowed' : 'Denied'}</strong>
        <span>
          {blocking.length} blocking, {warnings.length} warning{warnings.length === 1 ? '' : 's'}, {record.waived.length} waived
          {record.dry_run ? ' · dry run (recorded, not enforced)' : ''}
        </span>
      </div>
      <section class="panel">
        <dl class="facts">
          <dt>Decision</dt>
          <dd class="mono">{record.decision_id}</dd>
          <dt>Request time</dt>
          <dd>
            <Time at={record.time} />
          </dd>
          <dt>Service</dt>
          <dd>{record.service ?? '—'}</dd>
          <dt>Artifact</dt>
          <dd>
            <Digest digest={record.artifact_digest} />
          </dd>
          <dt>Asked by</dt>
          <dd>
            {record.caller} via {record.via}
          </dd>
          <dt>Bundle</dt>
          <dd class="mono">
            {record.bundle.name} @ {record.bundle.revision}
          </dd>
        </dl>
      </section>
      <section class="panel" aria-labelledby="violations">
        <h2 id="violations">Violations</h2>
        {blocking.length + warnings.length === 0 && <p class="empty">No rule found anything to say.</p>}
        {blocking.map(({ v, s }) => (
          <ViolationCard violation={v} severity={s} outcome="deny" />
        ))}
        {warnings.map(({ v, s }) => (
          <ViolationCard violation={v} severity={s} outcome="warn" />
        ))}
      </section>
      {record.waived.length > 0 && (
        <section class="panel" aria-labelledby="waived">
          <h2 id="waived">Waived</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Severity</th>
                <th scope="col">Message</th>
                <th scope="col">Approved by</th>
                <th scope="col">Waiver expires</th>
              </tr>
            </thead>
            <tbody>
              {record.waived.map((w) => (
                <tr>
                  <td class="mono">
                    <a href={`/ui/rules#${w.rule}`}>{w.rule}</a>
                  </td>
                  <td>
                    <Badge kind={w.severity} />
                  </td>
                  <td>{w.message}</td>
                  <td>{w.approved_by}</td>
                  <td>
                    <Time at={w.expires_at} /> <span class="muted mono">{w.waiver_id}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section class="panel" aria-labelledby="evidence">
        <h2 id="evidence">Evidence used</h2>
        {kinds.length === 0 ? (
          <p class="empty">The input carried no evidence.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {kinds.map((kind) => (
                <tr>
                  <td class="mono">{kind}</td>
                  <td>
                    {input.unavailable?.[kind] !== undefined && input.evidence?.[kind] === undefined ? (
                      <>
                        <Badge kind="deny">unavailable</Badge> {input.unavailable[kind]}
                      </>
                    ) : (
                      <>
                        <Badge kind="allow">{sources[kind] === 'inline' || sources[kind] === 'store' ? 'pushed' : 'collected'}</Badge> {sourceOf(sources[kind])}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <details>
          <summary>Input document (secrets masked)</summary>
          <pre>{JSON.stringify(record.input, null, 2)}</pre>
        </details>
      </section>
      <section class="panel" aria-labelledby="replay">
        <h2 id="replay">Replay</h2>
        <p class="muted">Evaluates the logged input again, as of its request time. Nothing is recorded.</p>
        <form class="filters" method="get" action={`/ui/decisions/${record.decision_id}/replay`}>
          <label>
            Bundle
            <select name="revision">
              <option value="active">the active bundle</option>
              {revisions
                .filter((r) => !r.active)
                .map((r) => (
                  <option value={r.digest}>revision {r.revision}</option>
                ))}
            </select>
          </label>
          <button type="submit">Replay</button>
        </form>
        {replay && (
          <div id="replay-result">
            <h3>
              Against {replay.against}:{' '}
              <Badge kind={replay.replayed.allow ? 'allow' : 'deny'}>{replay.replayed.allow ? 'allowed' : 'denied'}</Badge>{' '}
              {replay.identical ? <Badge kind="compliant">identical to the logged decision</Badge> : <Badge kind="warn">differs from the logged decision</Badge>}
            </h3>
            {replay.newlyBlocking.length > 0 && <p>Would now block: <span class="mono">{replay.newlyBlocking.join(', ')}</span></p>}
            {replay.noLongerBlocking.length > 0 && <p>Would no longer block: <span class="mono">{replay.noLongerBlocking.join(', ')}</span></p>}
          </div>
        )}
      </section>
    </Layout>
  );
};
