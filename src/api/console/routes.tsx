// The console under /ui: server-rendered pages (hono/jsx) on the same port as the API,
// readable without JavaScript. Access is a session from an API token (viewer reads, admin
// also writes); every form carries the session's CSRF token and must come from this origin
// (hono/csrf checks Origin); a strict Content-Security-Policy allows only this server's
// own scripts and styles.
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { BundlePublisher } from '../../bundles/server/publisher.js';
import { replayRecord, sameVerdict } from '../../decide/replay.js';
import { SEVERITIES, ruleCatalog, type ActivePolicy, type Evaluator, type PolicyDecision } from '../../engine/index.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../../store/types.js';
import { findCaller, type ApiToken } from '../auth.js';
import { httpErrorOf } from '../error-table.js';
import { CONSOLE_CSS, OVERVIEW_JS } from './assets.js';
import { isAdmin } from './layout.js';
import { AuditPage } from './pages/audit.js';
import { BundlesPage } from './pages/bundles.js';
import { DecisionPage, type ReplayView } from './pages/decision.js';
import { DecisionsPage, type DecisionQuery } from './pages/decisions.js';
import { ErrorPage, LoginPage } from './pages/login.js';
import { NotificationsPage } from './pages/notifications.js';
import { OverviewPage, type OverviewData } from './pages/overview.js';
import { RulesPage } from './pages/rules.js';
import { WaiversPage, type WaiverForm } from './pages/waivers.js';
import { grantWaiver } from './waiver-form.js';
import { ANONYMOUS, loginToken, LOGIN_COOKIE, sameToken, Sessions, type Session } from './session.js';
import { getCookie } from 'hono/cookie';
import { fromLocalInput, toLocalInput } from './times.js';

export interface ConsoleDeps {
  tokens: ApiToken[];
  store: Store;
  policy: ActivePolicy;
  /** The bundle server, when this process publishes: revisions and rollback. */
  publisher?: BundlePublisher;
  /** bundle.name: the bundle whose revisions the console shows. */
  bundleName: string;
  waiverMaxDays: number;
  /** Chart.js's UMD build (the host reads it from node_modules; no CDN). */
  chartJs?: string;
  /** An evaluator for a kept revision, to replay against it. */
  revisionEvaluator?: (name: string, digest: string) => Promise<Evaluator>;
  /** Receiver names, for the notifications page. */
  receivers?: string[];
  logger?: Logger;
  clock?: () => Date;
}

type Env = { Variables: { session: Session } };

const DAY_MS = 86_400_000;
const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};
/** Fixed texts for the notices a redirect carries (never text from the query itself). */
const DONE: Record<string, string> = {
  granted: 'Waiver granted.',
  revoked: 'Waiver revoked.',
  rolledback: 'Rolled back: the chosen revision is active.',
  retried: 'The dead letter is queued again.',
};

const blockingRules = (d: PolicyDecision) => new Set(SEVERITIES.flatMap((s) => d.deny[s].map((v) => v.rule)));

export function consoleRoutes(deps: ConsoleDeps): Hono {
  const clock = deps.clock ?? (() => new Date());
  const sessions = new Sessions(deps.store.consoleSessions, deps.tokens, clock);
  const app = new Hono<Env>();

  app.use('/ui/*', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin' }));
  app.use('/ui', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin' }));
  app.use('/ui/*', csrf());
  app.onError((err, c) => {
    // hono's own middleware (csrf) refuses with an HTTPException: a cross-site form is a 403.
    if (err instanceof HTTPException && err.status === 403) err = new ForbiddenError('cross_site_form', 'the form was not sent from this console (Origin); load the page again');
    const { status, body } = httpErrorOf(err);
    if (status >= 500) deps.logger?.error('console error', { path: c.req.path, error: err.message, stack: err.stack });
    return c.html(<ErrorPage status={status} message={body.error.message} session={c.get('session')} />, status);
  });

  app.get('/ui/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/ui/assets/overview.js', (c) => c.body(OVERVIEW_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/ui/assets/chart.umd.js', (c) => {
    if (!deps.chartJs) throw new NotFoundError('not_found', 'the chart library is not available');
    return c.body(deps.chartJs, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=86400' });
  });

  const safeNext = (next: unknown) => (typeof next === 'string' && /^\/ui(\/[\w\-./?=&%:+]*)?$/.test(next) && !next.startsWith('//') ? next : '/ui');

  app.get('/ui/login', (c) => c.html(<LoginPage csrf={loginToken(c)} next={safeNext(c.req.query('next'))} />));
  app.post('/ui/login', async (c) => {
    const form = await c.req.parseBody();
    const expected = getCookie(c, LOGIN_COOKIE) ?? '';
    if (!sameToken(String(form._csrf ?? ''), expected)) throw new ForbiddenError('csrf_token', 'the sign-in form expired; load it again');
    const caller = typeof form.token === 'string' && form.token ? await findCaller(deps.tokens, form.token.trim()) : undefined;
    if (!caller) return c.html(<LoginPage csrf={loginToken(c)} next={safeNext(form.next)} error="That API token is not valid." />, 401);
    if (!caller.roles.includes('viewer') && !caller.roles.includes('admin')) {
      return c.html(<LoginPage csrf={loginToken(c)} next={safeNext(form.next)} error={`Token "${caller.name}" has neither the viewer nor the admin role.`} />, 403);
    }
    await sessions.create(c, caller);
    return c.redirect(safeNext(form.next), 303);
  });

  // Everything else needs a session; with no tokens configured (loopback only) everyone is admin.
  const requireSession = async (c: Context<Env>, next: () => Promise<void>): Promise<Response | void> => {
    if (c.req.path.startsWith('/ui/assets/') || c.req.path === '/ui/login') return next();
    let session = await sessions.get(c);
    if (!session && deps.tokens.length === 0) session = await sessions.create(c, { name: ANONYMOUS, roles: ['admin', 'viewer'] });
    if (!session) {
      const target = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/ui';
      return c.redirect(`/ui/login?next=${encodeURIComponent(target)}`, 303);
    }
    c.set('session', session);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!sameToken(String(form._csrf ?? ''), session.csrf)) throw new ForbiddenError('csrf_token', 'the form is stale or not from this console; load the page again');
    }
    return next();
  };
  app.use('/ui', requireSession);
  app.use('/ui/*', requireSession);
  const requireAdmin = (c: Context<Env>) => {
    if (!isAdmin(c.get('session'))) throw new ForbiddenError('forbidden', `"${c.get('session').caller.name}" may read the console but not change anything (viewer): this needs the admin role`);
  };
  const notice = (c: Context) => {
    const done = DONE[c.req.query('done') ?? ''];
    return done ? { kind: 'ok' as const, text: done } : undefined;
  };
  const catalogNow = () => {
    const evaluator = deps.policy.current();
    return evaluator ? ruleCatalog(evaluator.bundle) : undefined;
  };

  app.post('/ui/logout', async (c) => {
    await sessions.end(c);
    return c.redirect('/ui/login', 303);
  });

  app.get('/ui', async (c) => {
    const now = clock();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 13 * DAY_MS);
    const [perDay, rules, denials, active, latest, counts] = await Promise.all([
      deps.store.stats.perDay(from),
      deps.store.stats.denyingRules(new Date(now.getTime() - 7 * DAY_MS)),
      deps.store.listDecisions({ allow: false, from: new Date(now.getTime() - DAY_MS) }, { limit: 100 }),
      deps.store.activeWaivers(now),
      deps.store.audits.latest(),
      deps.store.outbox.counts(),
    ]);
    const days = Array.from({ length: 14 }, (_, i) => new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10));
    const keys = [...new Set(perDay.map((r) => `${r.environment}\u0000${r.allow}`))].sort();
    const series = keys.map((key) => {
      const [environment, allow] = key.split('\u0000') as [string, string];
      return { environment, allow: allow === 'true', counts: days.map((day) => perDay.find((r) => r.day === day && r.environment === environment && String(r.allow) === allow)?.count ?? 0) };
    });
    const titles = new Map((catalogNow()?.rules ?? []).map((r) => [r.id, r.title]));
    const data: OverviewData = {
      days,
      series,
      topRules: rules.slice(0, 10).map((r) => ({ ...r, title: titles.get(r.rule) ?? '' })),
      denials: denials.items.filter((d) => !d.dry_run),
      moreDenials: denials.next_cursor !== undefined,
      since: toLocalInput(new Date(now.getTime() - DAY_MS)),
      expiring: active.filter((w) => Date.parse(w.expires_at) - now.getTime() <= 7 * DAY_MS),
      policy: deps.policy.status(),
      drifted: latest.filter((a) => a.status === 'drifted').length,
      dead: counts.dead,
    };
    return c.html(<OverviewPage session={c.get('session')} data={data} />);
  });

  app.get('/ui/decisions', async (c) => {
    const q = (name: string) => c.req.query(name)?.trim() || undefined;
    const verdict = q('verdict');
    const query: DecisionQuery = {
      ...(q('application') ? { application: q('application')! } : {}),
      ...(q('environment') ? { environment: q('environment')! } : {}),
      ...(verdict === 'allow' || verdict === 'deny' ? { verdict } : {}),
      ...(q('rule') ? { rule: q('rule')! } : {}),
      ...(q('from') ? { from: q('from')! } : {}),
      ...(q('to') ? { to: q('to')! } : {}),
    };
    const from = fromLocalInput(query.from);
    const to = fromLocalInput(query.to);
    const unreadable = [query.from && !from ? 'From' : '', query.to && !to ? 'To' : ''].filter(Boolean);
    const error = unreadable.length ? `${unreadable.join(' and ')}: not a date and time (YYYY-MM-DDTHH:MM, UTC); left out of the filter.` : undefined;
    const page = await deps.store.listDecisions(
      {
        ...(query.application ? { application: query.application } : {}),
        ...(query.environment ? { environment: query.environment } : {}),
        ...(query.verdict ? { allow: query.verdict === 'allow' } : {}),
        ...(query.rule ? { rule: query.rule } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      },
      { limit: 50, ...(q('cursor') ? { cursor: q('cursor')! } : {}) },
    );
    return c.html(<DecisionsPage session={c.get('session')} query={query} items={page.items} next={page.next_cursor} environments={catalogNow()?.environments ?? []} error={error} />);
  });

  const revisionsOf = () => {
    const index = deps.publisher?.history(deps.bundleName);
    return (index?.revisions ?? []).map((r) => ({ digest: r.digest, revision: r.revision, active: r.digest === index?.active })).reverse();
  };
  const decisionPage = async (c: Context<Env>, replay?: ReplayView) => {
    const record = await deps.store.getDecision(c.req.param('id')!);
    if (!record) throw new NotFoundError('decision_not_found', `no decision with id ${c.req.param('id')}`);
    return { record, page: <DecisionPage session={c.get('session')} record={record} revisions={revisionsOf()} replay={replay} /> };
  };
  app.get('/ui/decisions/:id', async (c) => c.html((await decisionPage(c)).page));
  app.get('/ui/decisions/:id/replay', async (c) => {
    const record = await deps.store.getDecision(c.req.param('id'));
    if (!record) throw new NotFoundError('decision_not_found', `no decision with id ${c.req.param('id')}`);
    const revision = c.req.query('revision') ?? 'active';
    let evaluator: Evaluator | undefined;
    let against: string;
    if (revision === 'active') {
      evaluator = deps.policy.current();
      against = `the active bundle (revision ${evaluator?.bundle.manifest.revision ?? 'none'})`;
    } else {
      const entry = revisionsOf().find((r) => r.digest === revision);
      if (!entry || !deps.revisionEvaluator) throw new NotFoundError('revision_not_kept', 'that revision is not kept on this bundle server');
      evaluator = await deps.revisionEvaluator(deps.bundleName, entry.digest);
      against = `revision ${entry.revision}`;
    }
    if (!evaluator) throw new NotFoundError('no_bundle', 'no bundle is active to replay against');
    const replayed = replayRecord(record, evaluator);
    const before = blockingRules(record.decision);
    const after = blockingRules(replayed);
    const view: ReplayView = {
      against,
      identical: sameVerdict(record.decision, replayed),
      replayed,
      newlyBlocking: [...after].filter((r) => !before.has(r)).sort(),
      noLongerBlocking: [...before].filter((r) => !after.has(r)).sort(),
    };
    return c.html(<DecisionPage session={c.get('session')} record={record} revisions={revisionsOf()} replay={view} />);
  });

  app.get('/ui/rules', async (c) => {
    const catalog = catalogNow();
    if (!catalog) throw new NotFoundError('no_bundle', 'no bundle is loaded, so there is no rule catalog');
    const denials = new Map((await deps.store.stats.denyingRules(new Date(clock().getTime() - 7 * DAY_MS))).map((r) => [r.rule, r.count]));
    return c.html(<RulesPage session={c.get('session')} catalog={catalog} revision={deps.policy.status().revision ?? ''} denials={denials} />);
  });

  const waiversPage = async (c: Context<Env>, extra: { form?: WaiverForm; notice?: { kind: 'error' | 'ok'; text: string } } = {}) => {
    const catalog = catalogNow();
    const n = extra.notice ?? notice(c);
    return (
      <WaiversPage
        session={c.get('session')}
        waivers={await deps.store.listWaivers({ includeRevoked: true })}
        now={clock()}
        rules={(catalog?.rules ?? []).map((r) => r.id)}
        environments={catalog?.environments ?? []}
        maxDays={deps.waiverMaxDays}
        {...(extra.form ? { form: extra.form } : {})}
        notice={n}
      />
    );
  };
  app.get('/ui/waivers', async (c) => c.html(await waiversPage(c)));
  app.post('/ui/waivers', async (c) => {
    requireAdmin(c);
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const result = await grantWaiver(deps.store, form, { approver: c.get('session').caller.name, now: clock(), maxDays: deps.waiverMaxDays });
    if (result.ok) return c.redirect('/ui/waivers?done=granted', 303);
    return c.html(await waiversPage(c, { form: result.form, notice: { kind: 'error', text: result.message } }), result.status);
  });
  app.post('/ui/waivers/:id/revoke', async (c) => {
    requireAdmin(c);
    await deps.store.revokeWaiver(c.req.param('id'), { revoked_by: c.get('session').caller.name, at: clock() });
    return c.redirect('/ui/waivers?done=revoked', 303);
  });

  app.get('/ui/bundles', (c) =>
    c.html(<BundlesPage session={c.get('session')} policy={deps.policy.status()} index={deps.publisher?.history(deps.bundleName)} publishing={deps.publisher?.publishing ?? false} notice={notice(c)} />),
  );
  app.post('/ui/bundles/rollback', async (c) => {
    requireAdmin(c);
    if (!deps.publisher) throw new NotFoundError('not_publishing', 'this server does not publish bundles');
    const form = await c.req.parseBody();
    const result = await deps.publisher.rollback(deps.bundleName, { digest: String(form.digest ?? '') });
    deps.logger?.info('bundle rolled back', { name: deps.bundleName, revision: result.revision, previous: result.previous, caller: c.get('session').caller.name, via: 'console' });
    return c.redirect('/ui/bundles?done=rolledback', 303);
  });

  app.get('/ui/audit', async (c) => {
    const [latest, recent] = await Promise.all([deps.store.audits.latest(), deps.store.audits.list({ limit: 50 })]);
    return c.html(<AuditPage session={c.get('session')} latest={latest} recent={recent} />);
  });

  app.get('/ui/notifications', async (c) => {
    const [counts, dead, recent] = await Promise.all([deps.store.outbox.counts(), deps.store.outbox.list({ state: 'dead', limit: 100 }), deps.store.outbox.list({ limit: 50 })]);
    return c.html(<NotificationsPage session={c.get('session')} counts={counts} dead={dead} recent={recent} receivers={deps.receivers ?? []} notice={notice(c)} />);
  });
  app.post('/ui/notifications/retry', async (c) => {
    requireAdmin(c);
    const form = await c.req.parseBody();
    await deps.store.outbox.retry(String(form.event_id ?? ''), String(form.receiver ?? ''), clock());
    return c.redirect('/ui/notifications?done=retried', 303);
  });

  app.all('/ui/*', (c) => {
    throw new NotFoundError('not_found', `no console page ${c.req.path}`);
  });
  return app as unknown as Hono;
}
