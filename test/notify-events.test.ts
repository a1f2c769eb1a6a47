// Time-driven events from the store and the active policy: a waiver granted, about to expire
// and expired, a new bundle revision active; each queued once however often the scan runs,
// with the receivers' event filters applied. Also the notifications: section of dfw.yaml.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../src/config/load.js';
import { ActivePolicy } from '../src/engine/index.js';
import { EventFactory, EventScanner, type CloudEvent } from '../src/notify/index.js';
import type { Store } from '../src/store/index.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { openAt, sqliteBackend } from './helpers/store-backends.js';
import { generateDecision } from './helpers/store-records.js';

const DAY = 86_400_000;
const backend = sqliteBackend();
const test = suite<{ store: Store }>('notification events');
test.before.each(async (ctx) => {
  ctx.store = await openAt(backend.fresh());
});
test.after.each(async (ctx) => ctx.store.close());
test.after(() => backend.cleanup());

const factory = new EventFactory({
  console_url: 'https://dfw.example.com/',
  receivers: [
    { name: 'siem', type: 'cloudevents', url: 'http://127.0.0.1:1/hook', secret_file: '/dev/null' },
    { name: 'slack', type: 'slack', url: 'http://127.0.0.1:1/slack', events: ['waiver.expiring'] },
  ],
});

test('waivers: granted, expiring within the window, expired; each event once however often the scan runs', async ({ store }) => {
  const policy = new ActivePolicy();
  const scanner = new EventScanner(store, policy, factory, 7);
  const now = Date.now();
  const waiver = await store.createWaiver({
    rule: 'DFW-VULN-001',
    application: 'payments',
    environment: 'production',
    reason: 'fix ships Friday',
    requested_by: 'dev-lead',
    approved_by: 'alice',
    expires_at: new Date(now + 3 * DAY),
  });
  // Scanned after the grant is recorded (its time is the store's clock, a little after `now`).
  const scannedAt = Date.now();
  const first = await scanner.scan(new Date(scannedAt));
  assert.is(first.queued, 3, 'granted and expiring to siem, expiring to slack');
  assert.is((await scanner.scan(new Date(scannedAt + 1000))).queued, 0, 'a second scan queues nothing');
  const messages = await store.outbox.list();
  const types = messages.map((m) => `${m.receiver}:${m.type}`).sort();
  assert.equal(types, ['siem:dev.dfw.waiver.expiring', 'siem:dev.dfw.waiver.granted', 'slack:dev.dfw.waiver.expiring']);
  const granted = messages.find((m) => m.type === 'dev.dfw.waiver.granted')!.event as CloudEvent<{ waiver: { id: string }; url: string }>;
  assert.is(granted.data.waiver.id, waiver.id);
  assert.is(granted.subject, 'payments/production');
  assert.is(granted.data.url, 'https://dfw.example.com/ui/waivers');

  const later = await scanner.scan(new Date(now + 3 * DAY + 1000));
  assert.equal(later.expired.map((w) => w.id), [waiver.id], 'the expired waiver is reported for an audit');
  assert.is(later.queued, 1);
  assert.is((await store.outbox.list()).filter((m) => m.type === 'dev.dfw.waiver.expired').length, 1);
  assert.equal((await scanner.scan(new Date(now + 3 * DAY + 2000))).expired, [], 'reported once');
});

test('a new revision activated after the first scan is a bundle.activated event; a restart is not', async ({ store }) => {
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ revision: 'events-r1' }), new Date(Date.UTC(2026, 11, 1)));
  const scanner = new EventScanner(store, policy, factory, 7);
  assert.is((await scanner.scan(new Date())).activated, undefined, 'the first scan only learns the revision');
  policy.activate(await loadTestEvaluator({ revision: 'events-r2' }), new Date(Date.UTC(2026, 11, 2)));
  const result = await scanner.scan(new Date());
  assert.equal(result.activated, { name: 'firewall', revision: 'events-r2', activated_at: '2026-12-02T00:00:00.000Z' });
  const [message] = (await store.outbox.list()).filter((m) => m.type === 'dev.dfw.bundle.activated');
  assert.is(message?.receiver, 'siem');
  assert.is((await scanner.scan(new Date())).activated, undefined);
});

test('a restart onto another revision than the newest logged decision\'s is a bundle.activated event; onto the same one, or with an empty log, it is not', async ({ store }) => {
  const started = (revision: string) => {
    const policy = new ActivePolicy();
    return loadTestEvaluator({ revision }).then((evaluator) => {
      policy.activate(evaluator, new Date(Date.UTC(2026, 11, 3)));
      return new EventScanner(store, policy, factory, 7);
    });
  };
  assert.is((await (await started('events-r1')).scan(new Date())).activated, undefined, 'nothing logged yet: nothing to compare with');
  const { record } = generateDecision(1, 'restart');
  await store.recordDecision({ ...record, bundle: { name: 'firewall', revision: 'events-r1' }, decision: { ...record.decision, bundle: { name: 'firewall', revision: 'events-r1' } } });
  assert.is((await (await started('events-r1')).scan(new Date())).activated, undefined, 'a restart on the same bundle');
  const restarted = await started('events-r2');
  assert.equal((await restarted.scan(new Date())).activated, { name: 'firewall', revision: 'events-r2', activated_at: '2026-12-03T00:00:00.000Z' });
  assert.is((await restarted.scan(new Date())).activated, undefined, 'announced once');
  assert.is((await store.outbox.list()).filter((m) => m.type === 'dev.dfw.bundle.activated').length, 1);
});

test('dfw.yaml notifications: receivers need a url or url_file, webhooks a secret_file; paths are relative to the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-notify-config-'));
  try {
    const file = join(dir, 'dfw.yaml');
    writeFileSync(file, 'notifications:\n  receivers:\n    - { name: siem, type: cloudevents, url: "https://siem.example.com/dfw" }\n');
    assert.throws(() => loadConfig(file, {}), /secret_file/);
    writeFileSync(file, 'notifications:\n  receivers:\n    - { name: chat, type: slack }\n');
    assert.throws(() => loadConfig(file, {}), /url/);
    writeFileSync(file, 'notifications:\n  receivers:\n    - { name: siem, type: cloudevents, url: "https://siem.example.com/dfw", secret_file: keys/siem.key, events: [audit.drifted] }\n    - { name: chat, type: slack, url_file: slack-url }\naudit: { interval_seconds: 600 }\n');
    const config = loadConfig(file, {});
    assert.is(config.notifications.receivers[0]!.secret_file, join(dir, 'keys/siem.key'));
    assert.is(config.notifications.receivers[1]!.url_file, join(dir, 'slack-url'));
    assert.is(config.notifications.max_attempts, 10);
    assert.is(config.audit.interval_seconds, 600);
    assert.is(config.audit.enabled, true);
    writeFileSync(file, 'notifications:\n  receivers:\n    - { name: siem, type: cloudevents, url: "https://x.example", secret_file: k, events: [decision.allowed] }\n');
    assert.throws(() => loadConfig(file, {}), /must be one of/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
