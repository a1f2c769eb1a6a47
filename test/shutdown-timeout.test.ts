// `dfw serve` stops within server.shutdown_timeout_seconds even when integration work is
// still going: a GitHub review whose calls to GitHub never get an answer is retried for a
// minute and more (5 attempts of up to 10 s, with backoff). Shutdown waits for it only as
// long as the timeout leaves, logs what it abandons, and the process exits.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { signWebhookBody } from '../src/integrations/github/index.js';
import { startDfw } from './helpers/cli.js';
import { FakeServer } from './helpers/fake-servers.js';
import { protectionRulePayload } from './helpers/github-delivery.js';
import { ROOT } from './helpers/opa.js';

const SHUTDOWN_TIMEOUT_SECONDS = 2;
const SECRET = 'shutdown-timeout-secret';

const test = suite<{ dir: string }>('shutdown timeout');
test.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-shutdown-timeout-'));
});
test.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

test('a GitHub review still retrying at SIGTERM is abandoned at shutdown_timeout_seconds, logged, and the process exits 0', async ({ dir }) => {
  // GitHub accepts connections and never answers: the token request hangs until its timeout.
  const github = await new FakeServer(() => ({ delayMs: 120_000, body: {} })).start();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  writeFileSync(join(dir, 'app.pem'), privateKey);
  writeFileSync(join(dir, 'webhook-secret'), SECRET);
  const config = join(dir, 'dfw.yaml');
  writeFileSync(
    config,
    [
      'server:',
      `  shutdown_timeout_seconds: ${SHUTDOWN_TIMEOUT_SECONDS}`,
      'bundle:',
      `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`,
      'store:',
      `  url: ${JSON.stringify(`sqlite:${join(dir, 'dfw.db')}`)}`,
      'github:',
      '  app_id: "123456"',
      `  private_key_path: ${join(dir, 'app.pem')}`,
      `  webhook_secret_file: ${join(dir, 'webhook-secret')}`,
      `  api_base_url: ${github.url}`,
      "  image_template: 'ghcr.io/{full_name}:{sha}'",
      '',
    ].join('\n'),
  );
  const server = await startDfw(['--config', config]);
  try {
    const body = JSON.stringify(protectionRulePayload(github.url));
    const res = await fetch(`${server.url}/github/deployment-protection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/test',
        'x-github-event': 'deployment_protection_rule',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': await signWebhookBody(SECRET, body),
      },
      body,
    });
    assert.is(res.status, 202, await res.text());
    // Until the review is waiting on GitHub.
    while (github.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));

    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    const signalled = performance.now();
    server.child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    const ms = performance.now() - signalled;
    assert.is(code, 0, `dfw serve ${code === 'still running' ? 'was still running 20 s after SIGTERM' : `exited ${code}`}:\n${server.logs.slice(-6).join('\n')}`);
    // The timeout, the second the process gives abandoned work to let go, and slack for a busy machine.
    assert.ok(ms < (SHUTDOWN_TIMEOUT_SECONDS + 4) * 1000, `exited ${Math.round(ms)} ms after SIGTERM`);
    const abandoned = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'shutdown timeout: abandoning integration work still in progress');
    assert.ok(abandoned, server.logs.slice(-6).join('\n'));
    assert.is(abandoned!.github_reviews, 1);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    await github.close();
  }
});

test.run();
