// Notifications end to end through a real server (from source, in a child process) and real
// HTTP receivers on 127.0.0.1: at-least-once delivery with the CloudEvent id as idempotency
// key, across a SIGKILL; HMAC signatures; a receiver that never answers does not stop
// checks; Slack messages, caller text escaped; backoff with jitter; a receiver's URL and its
// secrets kept out of errors, logs and the outbox.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NotificationWorker, ReceiverConfigError, retryDelayMs, slackMessage, slackSender, cloudEventsSender, type CloudEvent } from '../src/notify/index.js';
import { requestFailure } from '../src/notify/delivery-failure.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { openStore } from '../src/store/index.js';
import { buildBundle, readExamples } from './helpers/bundle.js';
import { api, startReceiver, startServer, TOKENS, waitFor, writeConfig, type Receiver, type ServerProcess } from './helpers/notify-server.js';

const SECRET = 'test-only-webhook-hmac-key';

interface Ctx {
  dir: string;
  bundle: string;
  secretFile: string;
  servers: ServerProcess[];
  receivers: Receiver[];
}

const test = suite<Ctx>('notifications');

test.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-notify-'));
  ctx.bundle = buildBundle({ revision: 'notify-test' });
  ctx.secretFile = join(ctx.dir, 'webhook.secret');
  writeFileSync(ctx.secretFile, `${SECRET}\n`);
  ctx.servers = [];
  ctx.receivers = [];
});

test.after.each(async (ctx) => {
  for (const s of ctx.servers.splice(0)) await s.stop('SIGKILL');
  for (const r of ctx.receivers.splice(0)) await r.close();
});

test.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

function deniedRequest(i: number): Record<string, unknown> {
  const request = structuredClone(readExamples().get('dfw-vuln-001-critical-cves.deny.json')!);
  request.application = `app-${i}`;
  return request;
}

function receiverSection(url: string, secretFile: string, extra: string[] = []): string[] {
  return [
    '  receivers:',
    `    - { name: siem, type: cloudevents, url: ${JSON.stringify(url)}, secret_file: ${JSON.stringify(secretFile)} }`,
    '  console_url: https://dfw.example.com',
    ...extra,
  ];
}

const idOf = (r: { body: string }) => (JSON.parse(r.body) as CloudEvent).id;

test('a receiver that fails three times then succeeds gets each event exactly once by id, also when dfw is SIGKILLed while events are queued', async (ctx) => {
  const failures = new Map<string, number>();
  const receiver = await startReceiver((body) => {
    const id = (JSON.parse(body) as CloudEvent).id;
    const n = failures.get(id) ?? 0;
    if (n < 3) {
      failures.set(id, n + 1);
      return 503;
    }
    return 200;
  });
  ctx.receivers.push(receiver);
  const storeFile = join(ctx.dir, 'kill.db');
  const config = writeConfig(ctx.dir, {
    bundle: ctx.bundle,
    storeFile,
    notifications: [
      ...receiverSection(receiver.url, ctx.secretFile),
      // Slow enough that the kill lands while every event is still failing.
      '  backoff_initial_ms: 400',
      '  backoff_max_ms: 800',
      '  timeout_ms: 1000',
      '  poll_interval_ms: 50',
    ],
  });
  let server = await startServer(config);
  ctx.servers.push(server);
  const denied: string[] = [];
  for (let i = 0; i < 5; i++) {
    const answer = await api(server.url, 'POST', '/v1/check', TOKENS.check, deniedRequest(i));
    assert.is(answer.status, 200);
    assert.is(answer.body.allow, false);
    denied.push(answer.body.decision_id);
  }
  await waitFor('a first failed attempt for each event', () => failures.size === 5);
  assert.ok(receiver.received.every((r) => r.status === 503), 'nothing delivered before the kill');
  await server.stop('SIGKILL');

  server = await startServer(config);
  ctx.servers.push(server);
  await waitFor('every event delivered', () => receiver.received.filter((r) => r.status === 200).length >= 5);
  // Give a duplicate the time to show up: the outbox says delivered for every message first.
  const store = await openStore(`sqlite:${storeFile}`);
  await waitFor('the outbox to mark all delivered', async () => (await store.outbox.counts()).delivered === 5);
  await store.close();

  const accepted = receiver.received.filter((r) => r.status === 200);
  const ids = accepted.map(idOf);
  assert.is(new Set(ids).size, 5, 'five distinct events');
  assert.is(ids.length, 5, 'each accepted exactly once');
  for (const id of ids) assert.is(receiver.received.filter((r) => idOf(r) === id).length, 4, `event ${id}: three failures, then one success`);
  const events = accepted.map((r) => JSON.parse(r.body) as CloudEvent<{ decision_id: string; violations: Array<{ rule: string }>; url: string }>);
  assert.equal(events.map((e) => e.data.decision_id).sort(), [...denied].sort());
  for (const [i, r] of accepted.entries()) {
    const event = events[i]!;
    assert.is(r.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
    assert.is(r.headers['x-dfw-signature-256'], `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
    assert.is(event.specversion, '1.0');
    assert.is(event.type, 'dev.dfw.decision.denied');
    assert.ok(event.data.violations.some((v) => v.rule === 'DFW-VULN-001'));
    assert.is(event.data.url, `https://dfw.example.com/ui/decisions/${event.data.decision_id}`);
  }
});

test('a receiver that never answers leaves checks answering', async (ctx) => {
  const receiver = await startReceiver(() => 'hang');
  ctx.receivers.push(receiver);
  const config = writeConfig(ctx.dir, {
    bundle: ctx.bundle,
    storeFile: join(ctx.dir, 'hang.db'),
    notifications: [...receiverSection(receiver.url, ctx.secretFile), '  timeout_ms: 120000', '  concurrency: 2', '  poll_interval_ms: 50'],
  });
  const server = await startServer(config);
  ctx.servers.push(server);
  const first = await api(server.url, 'POST', '/v1/check', TOKENS.check, deniedRequest(0));
  assert.is(first.body.allow, false);
  await waitFor('the receiver to hold a delivery open', () => receiver.open() > 0);
  for (let i = 1; i <= 20; i++) {
    const answer = await api(server.url, 'POST', '/v1/check', TOKENS.check, deniedRequest(i));
    assert.is(answer.status, 200, `check ${i} answered while the receiver hangs`);
    assert.is(answer.body.allow, false);
  }
  assert.ok(receiver.open() > 0 && receiver.open() <= 2, `deliveries still hanging, at most the concurrency (${receiver.open()})`);
  const store = await openStore(`sqlite:${join(ctx.dir, 'hang.db')}`);
  const counts = await store.outbox.counts();
  await store.close();
  assert.is(counts.pending, 21, 'every denial is queued, none delivered');
});

test('a Slack receiver gets a readable message for a denial, with the rule, remediation and the console link', async (ctx) => {
  const slack = await startReceiver(() => 200);
  ctx.receivers.push(slack);
  const config = writeConfig(ctx.dir, {
    bundle: ctx.bundle,
    storeFile: join(ctx.dir, 'slack.db'),
    notifications: ['  console_url: https://dfw.example.com', '  receivers:', `    - { name: chat, type: slack, url: ${JSON.stringify(slack.url)}, events: [decision.denied] }`, '  poll_interval_ms: 50'],
  });
  const server = await startServer(config);
  ctx.servers.push(server);
  const denied = await api(server.url, 'POST', '/v1/check', TOKENS.check, deniedRequest(7));
  await waitFor('the Slack message', () => slack.received.length === 1);
  const [message] = slack.received;
  assert.is(message!.headers['content-type'], 'application/json');
  const body = JSON.parse(message!.body) as { text: string; blocks: unknown[] };
  assert.match(body.text, 'dfw denied a deployment of app-7 to production');
  assert.match(body.text, 'DFW-VULN-001');
  const blocks = JSON.stringify(body.blocks);
  assert.match(blocks, '*DFW-VULN-001* (critical)');
  assert.match(blocks, '_Remediation:_');
  assert.match(blocks, `<https://dfw.example.com/ui/decisions/${denied.body.decision_id}|Open in the dfw console>`);
});

test('retry delays grow exponentially up to the cap, with jitter in the upper half', () => {
  const options = { initialMs: 1000, maxMs: 60_000 };
  assert.is(retryDelayMs(1, options, () => 0), 500);
  assert.is(retryDelayMs(1, options, () => 1), 1000);
  assert.is(retryDelayMs(4, options, () => 1), 8000);
  assert.is(retryDelayMs(20, options, () => 1), 60_000);
  assert.is(retryDelayMs(20, options, () => 0), 30_000);
});

test('a Slack message names the rule, its message and remediation, and links to the decision', () => {
  const event: CloudEvent = {
    specversion: '1.0',
    id: 'x',
    source: 'https://dfw.example.com',
    type: 'dev.dfw.decision.denied',
    time: '2026-12-01T00:00:00Z',
    datacontenttype: 'application/json',
    data: {
      application: 'payments',
      environment: 'production',
      url: 'https://dfw.example.com/ui/decisions/d1',
      violations: [{ rule: 'DFW-VULN-001', title: 'No critical CVEs', severity: 'critical', message: 'CVE-2024-1 in openssl <3.0.2>', remediation: 'Upgrade openssl & rebuild' }],
    },
  };
  const message = slackMessage(event);
  assert.match(message.text, 'denied a deployment of payments to production — DFW-VULN-001');
  const text = JSON.stringify(message.blocks);
  assert.match(text, '*DFW-VULN-001* (critical)');
  assert.match(text, 'CVE-2024-1 in openssl &lt;3.0.2&gt;');
  assert.match(text, 'Upgrade openssl &amp; rebuild');
  assert.match(text, '<https://dfw.example.com/ui/decisions/d1|Open in the dfw console>');
});

test('a Slack message escapes caller text in its fallback text as in its blocks: no channel ping, no disguised link', () => {
  const event: CloudEvent = {
    specversion: '1.0',
    id: 'x',
    source: 'urn:dfw',
    type: 'dev.dfw.decision.denied',
    time: '2026-12-01T00:00:00Z',
    datacontenttype: 'application/json',
    data: {
      application: '<!channel> <https://evil.example|payments> & co',
      environment: 'production',
      violations: [{ rule: 'DFW-VULN-001', title: 'No critical CVEs', severity: 'critical', message: 'm', remediation: 'r' }],
    },
  };
  const message = slackMessage(event);
  assert.is(message.text, ':no_entry: dfw denied a deployment of &lt;!channel&gt; &lt;https://evil.example|payments&gt; &amp; co to production — DFW-VULN-001');
  for (const part of [message.text, JSON.stringify(message.blocks)]) {
    assert.not.match(part, '<!channel>');
    assert.not.match(part, '<https://evil.example');
  }
});

const SLACK_PATH = '/services/T000/B000/XXXXSECRET';

test('a request fetch cannot make at all is not retried, and its error does not quote the URL', async () => {
  // fetch() refuses a URL with credentials, quoting it whole; a sender never gets one (above), this is the net under it.
  const url = `http://dfw:hunter2@127.0.0.1:9${SLACK_PATH}`;
  const signal = new AbortController().signal;
  const thrown = await fetch(url, { method: 'POST', body: '{}', signal }).then(() => undefined, (err: unknown) => err);
  assert.match(String((thrown as Error).message), 'hunter2', 'what fetch says');
  const failure = requestFailure(new URL(url), thrown, signal);
  assert.is(failure.permanent, true);
  assert.is(failure.message, 'POST 127.0.0.1:9: the request cannot be made');
});

/** A local server standing in for a webhook endpoint: each request gets `answer`'s status, headers and body. */
async function startEndpoint(answer: (path: string) => { status: number; headers?: Record<string, string>; body: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, headers, body } = answer(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

test('a receiver URL with a user name or password is refused when its sender is made, naming the receiver and field, never the URL; dfw serve does not start with one', async (ctx) => {
  const secretUrl = `http://dfw:hunter2@127.0.0.1:9${SLACK_PATH}`;
  for (const make of [() => slackSender(secretUrl, { name: 'chat', field: 'url_file' }), () => cloudEventsSender(secretUrl, 'k', { name: 'siem', field: 'url' })]) {
    const refused = (() => {
      try {
        make();
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    assert.instance(refused, ReceiverConfigError);
    assert.match(refused!.message, /receiver "(chat": the URL in url_file|siem": url) carries a user name or password/);
    assert.match(refused!.message, 'secret_file');
    assert.not.match(refused!.message, 'hunter2');
    assert.not.match(refused!.message, 'XXXXSECRET');
  }

  const config = writeConfig(ctx.dir, {
    bundle: ctx.bundle,
    storeFile: join(ctx.dir, 'userinfo.db'),
    notifications: ['  receivers:', `    - { name: chat, type: slack, url: ${JSON.stringify(secretUrl)} }`],
  });
  const started = await startServer(config).then(
    (server) => {
      ctx.servers.push(server);
      return undefined;
    },
    (err: Error) => err,
  );
  assert.ok(started, 'dfw serve refuses to start');
  assert.match(started!.message, 'carries a user name or password');
  assert.not.match(started!.message, 'hunter2');
  assert.not.match(started!.message, 'XXXXSECRET');
});

test('a failed delivery is logged and stored with the receiver and host only: no webhook path, also when the receiver quotes it; what cannot pass on retry is a dead letter at once', async (ctx) => {
  // Like Express's default 404 page, the answer quotes the request path, the webhook's secret.
  const notFound = await startEndpoint((path) => ({ status: 404, body: `Cannot POST ${path}` }));
  const redirect = await startEndpoint(() => ({ status: 302, headers: { location: 'https://elsewhere.example/' }, body: '' }));
  const closed = await startEndpoint(() => ({ status: 200, body: 'ok' }));
  await closed.close(); // nothing listens there any more: connection refused, which may pass later
  const store = await openStore(`sqlite:${join(ctx.dir, 'leak.db')}`);
  try {
    const senders = new Map([
      ['gone', slackSender(`${notFound.url}${SLACK_PATH}`)],
      ['moved', slackSender(`${redirect.url}${SLACK_PATH}`)],
      ['down', slackSender(`${closed.url}${SLACK_PATH}`)],
    ]);
    const event: CloudEvent = { specversion: '1.0', id: 'e-1', source: 'urn:dfw', type: 'dev.dfw.bundle.activated', time: new Date().toISOString(), datacontenttype: 'application/json', data: { bundle: { name: 'firewall', revision: 'r2' } } };
    await store.outbox.enqueue([...senders.keys()].map((receiver) => ({ event_id: 'e-1', receiver, type: event.type, event })));
    const logger = createMemoryLogger();
    const worker = new NotificationWorker({
      outbox: store.outbox,
      senders,
      config: { max_attempts: 5, timeout_ms: 5000, concurrency: 4, backoff_initial_ms: 60_000, backoff_max_ms: 60_000, poll_interval_ms: 50 },
      logger,
    });
    assert.is(await worker.deliverDue(), 3);
    const byReceiver = new Map((await store.outbox.list()).map((m) => [m.receiver, m]));
    const host = (url: string) => new URL(url).host;
    assert.equal([byReceiver.get('gone')?.state, byReceiver.get('gone')?.last_error], ['dead', `POST ${host(notFound.url)} answered 404: Cannot POST /…`]);
    assert.equal([byReceiver.get('moved')?.state, byReceiver.get('moved')?.last_error], ['dead', `POST ${host(redirect.url)}: answered with a redirect, which dfw does not follow`]);
    assert.is(byReceiver.get('down')?.state, 'pending', 'a refused connection is tried again');
    assert.match(byReceiver.get('down')?.last_error ?? '', `POST ${host(closed.url)}: connect ECONNREFUSED`);
    const said = JSON.stringify([...byReceiver.values()].map((m) => m.last_error)) + JSON.stringify(logger.lines);
    assert.not.match(said, 'XXXXSECRET');
    assert.not.match(said, '/services/');
    assert.is(logger.lines.filter((l) => l.msg === 'notification dead-lettered').length, 2);
  } finally {
    await store.close();
    await notFound.close();
    await redirect.close();
  }
});

test.run();
