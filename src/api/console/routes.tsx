// The console under /ui: server-rendered pages (hono/jsx) on the same port as the API,
// readable without JavaScript. Access is a session from an API token (viewer reads, admin
// also writes); every form carries the session's CSRF token and must come from this origin
// (hono/csrf checks Origin); a strict Content-Security-Policy allows only this server's
// own scripts and styles. Without tokens only loopback Host names are answered (DNS rebinding).
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { BundlePublisher } from '../../bundles/server/publisher.js';
import { ruleCatalog, type ActivePolicy, type Evaluator } from '../../engine/index.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../../store/types.js';
import { requireLoopbackHost, type ApiToken } from '../auth.js';
import { checkUniqueTokens } from '../config.js';
import { httpErrorOf } from '../error-table.js';
import { mountAccess, requireAdmin, type ConsoleEnv } from './access.js';
import { CONSOLE_CSS, OVERVIEW_JS } from './assets.js';
import { AuditPage } from './pages/audit.js';
import { BundlesPage } from './pages/bundles.js';
import { DecisionPage } from './pages/decision.js';
import { DecisionsPage, type DecisionQuery } from './pages/decisions.js';
import { ErrorPage } from './pages/login.js';
import { NotificationsPage } from './pages/notifications.js';
import { overviewData } from './overview-data.js';
import { OverviewPage } from './pages/overview.js';
import { RulesPage } from './pages/rules.js';
import { WaiversPage, type WaiverForm } from './pages/waivers.js';
import { replayView } from './replay-view.js';
import { grantWaiver } from './waiver-form.js';
import { Sessions } from './session.js';
import { fromLocalInput } from './times.js';

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
  /** The console's address as people reach it (notifications.console_url); https makes its cookies Secure. */
  publicUrl?: string;
}

type Env = ConsoleEnv;

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

export function consoleRoutes(deps: ConsoleDeps): Hono {
  checkUniqueTokens(deps.tokens);
  const clock = deps.clock ?? (() => new Date());
  const sessions = new Sessions(deps.store.consoleSessions, deps.tokens, { clock, ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) });
  const app = new Hono<Env>();

  app.use('/ui/*', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin' }));
  app.use('/ui', secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: 'same-origin' }));
  app.use('/ui/*', requireLoopbackHost(deps.tokens));
  app.use('/ui', requireLoopbackHost(deps.tokens));
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

  mountAccess(app, { tokens: deps.tokens, sessions });
  const notice = (c: Context) => {
    const done = DONE[c.req.query('done') ?? ''];
    return done ? { kind: 'ok' as const, text: done } : undefined;
  };
  const catalogNow = () => {
    const evaluator = deps.policy.current();
    return evaluator ? ruleCatalog(evaluator.bundle) : undefined;
  };

  app.get('/ui', async (c) => c.html(<OverviewPage session={c.get('session')} data={await overviewData(deps.store, deps.policy, clock())} />));

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
  const recordOf = async (c: Context<Env>) => {
    const record = await deps.store.getDecision(c.req.param('id')!);
    if (!record) throw new NotFoundError('decision_not_found', `no decision with id ${c.req.param('id')}`);
    return record;
  };
  app.get('/ui/decisions/:id', async (c) => c.html(<DecisionPage session={c.get('session')} record={await recordOf(c)} revisions={revisionsOf()} />));
  app.get('/ui/decisions/:id/replay', async (c) => {
    const record = await recordOf(c);
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
    const view = replayView(record, evaluator, against);
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
