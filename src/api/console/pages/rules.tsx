// Rules: the active bundle's catalog, what each rule does in each environment, and how
// often it blocked a deployment in the last 7 days.
import type { FC } from 'hono/jsx';
import type { RuleCatalog } from '../../../engine/index.js';
import { Badge, Layout } from '../layout.js';
import type { Session } from '../session.js';

export const RulesPage: FC<{ session: Session; catalog: RuleCatalog; revision: string; denials: Map<string, number> }> = ({ session, catalog, revision, denials }) => (
  <Layout title="Rules" active="rules" session={session}>
    <h1>Rules</h1>
    <p class="muted">
      {catalog.rules.length} rules in bundle revision <span class="mono">{revision}</span>. Names not listed here are judged as {catalog.unknown_environment}.
    </p>
    <section class="panel">
      <table>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Title</th>
            <th scope="col">Severity</th>
            {catalog.environments.map((e) => (
              <th scope="col">{e}</th>
            ))}
            <th scope="col" class="num">
              Denials (7 d)
            </th>
          </tr>
        </thead>
        <tbody>
          {catalog.rules.map((rule) => (
            <tr id={rule.id}>
              <td class="mono">{rule.id}</td>
              <td>
                <strong>{rule.title}</strong>
                <details>
                  <summary>About</summary>
                  <p>{rule.description}</p>
                  <p class="remediation">
                    <strong>Remediation: </strong>
                    {rule.remediation}
                  </p>
                </details>
              </td>
              <td>
                <Badge kind={rule.severity} />
              </td>
              {catalog.environments.map((e) => {
                const enforcement = rule.enforcement[e];
                if (!enforcement) return <td class="muted">—</td>;
                return (
                  <td>
                    <Badge kind={enforcement.enforcement === 'deny' ? 'deny' : enforcement.enforcement === 'warn' ? 'warn' : 'off'}>{enforcement.enforcement}</Badge>
                    {enforcement.severity !== rule.severity && <span class="muted"> as {enforcement.severity}</span>}
                  </td>
                );
              })}
              <td class="num">
                {denials.get(rule.id) ? <a href={`/ui/decisions?rule=${encodeURIComponent(rule.id)}&verdict=deny`}>{denials.get(rule.id)}</a> : 0}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  </Layout>
);
