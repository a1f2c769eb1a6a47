// The page frame every console page shares: the top bar with the navigation and the
// signed-in caller, and small pieces (badges, times, violation cards) the pages reuse.
import type { Child, FC } from 'hono/jsx';
import type { Severity, Violation } from '../../engine/index.js';
import type { Session } from './session.js';

export const NAV = [
  ['overview', '/ui', 'Overview'],
  ['decisions', '/ui/decisions', 'Decisions'],
  ['rules', '/ui/rules', 'Rules'],
  ['waivers', '/ui/waivers', 'Waivers'],
  ['bundles', '/ui/bundles', 'Bundles'],
  ['audit', '/ui/audit', 'Audit'],
  ['notifications', '/ui/notifications', 'Notifications'],
] as const;

export type NavKey = (typeof NAV)[number][0];

export const isAdmin = (session: Session) => session.caller.roles.includes('admin');

export const Layout: FC<{ title: string; active?: NavKey; session?: Session; notice?: { kind: 'error' | 'ok'; text: string }; children?: Child }> = ({ title, active, session, notice, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · dfw console`}</title>
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href="/ui/assets/console.css" />
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="logo" href="/ui">dfw</a>
        {session && (
          <nav aria-label="Console">
            {NAV.map(([key, href, label]) => (
              <a href={href} aria-current={key === active ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        )}
        {session && (
          <div class="who">
            <span>
              {session.caller.name} <span class="muted">({session.caller.roles.join(', ')})</span>
            </span>
            <form method="post" action="/ui/logout">
              <input type="hidden" name="_csrf" value={session.csrf} />
              <button type="submit">Sign out</button>
            </form>
          </div>
        )}
      </header>
      <main id="main">
        {notice && (
          <div class={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </div>
        )}
        {children}
      </main>
    </body>
  </html>
);

export const Badge: FC<{ kind: string; children?: Child }> = ({ kind, children }) => <span class={`badge ${kind}`}>{children ?? kind}</span>;

/** A time as UTC text, with the machine-readable value. */
export const Time: FC<{ at: string | undefined | null }> = ({ at }) =>
  at ? <time datetime={at}>{at.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC')}</time> : <span class="muted">—</span>;

export const Csrf: FC<{ session: Session }> = ({ session }) => <input type="hidden" name="_csrf" value={session.csrf} />;

export const ViolationCard: FC<{ violation: Violation; severity: Severity; outcome: 'deny' | 'warn'; extra?: Child }> = ({ violation, severity, outcome, extra }) => (
  <div class={`violation ${severity}`}>
    <div class="head">
      <Badge kind={severity}>{severity}</Badge>
      <Badge kind={outcome}>{outcome === 'deny' ? 'blocks' : 'warns'}</Badge>
      <a href={`/ui/rules#${violation.rule}`} class="mono">
        {violation.rule}
      </a>
      <strong>{violation.title}</strong>
    </div>
    <p>{violation.message}</p>
    {violation.remediation && (
      <p class="remediation">
        <strong>Remediation: </strong>
        {violation.remediation}
      </p>
    )}
    {violation.evidence && <p class="muted">Seen: {violation.evidence}</p>}
    {extra}
  </div>
);

/** A short digest for tables; the whole one in the title. */
export const Digest: FC<{ digest?: string | undefined }> = ({ digest }) =>
  digest ? (
    <span class="mono" title={digest}>
      {digest.slice(0, 19)}…
    </span>
  ) : (
    <span class="muted">—</span>
  );
