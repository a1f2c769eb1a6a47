// `dfw waivers add` against a real `dfw serve`: a rule id the server's bundle does not have
// (a typo) is refused before anything is granted, with the id it probably meant; a real one
// is granted; --allow-unknown-rule grants one for a rule about to ship.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256Hex } from '../src/shared/sha256.js';
import { runDfw, startDfw, type ServerProcess } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

interface Ctx {
  dir: string;
  server: ServerProcess;
}

const ADMIN = 'test-only-admin-token';
const waivers = suite<Ctx>('dfw waivers add checks the rule against the server\'s catalog');

waivers.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-waivers-'));
  const config = join(ctx.dir, 'dfw.yaml');
  writeFileSync(
    config,
    [
      // The bundle `make bundle` ships: the rules of the checkout, DFW-CHANGE-002 among them.
      `bundle: { path: ${join(ROOT, 'bundles', 'firewall.tar.gz')} }`,
      `store: { url: "sqlite:${join(ctx.dir, 'dfw.db')}" }`,
      `publish: { dir: ${join(ctx.dir, 'published')} }`,
      'tokens:',
      `  - { name: security-lead, sha256: ${await sha256Hex(ADMIN)}, roles: [admin] }`,
      'log: { level: info }',
      '',
    ].join('\n'),
  );
  ctx.server = await startDfw(['--config', config]);
});

waivers.after(async (ctx) => {
  await ctx.server.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function add(ctx: Ctx, rule: string, ...extra: string[]) {
  return runDfw(['waivers', 'add', '--rule', rule, '--application', 'storefront', '--env', 'production', '--expires', '2h', '--reason', 'break-glass', '--requested-by', 'alice', '--server', ctx.server.url, '--token', ADMIN, '--format', 'json', ...extra]);
}

function granted(ctx: Ctx): string[] {
  const r = runDfw(['waivers', 'list', '--server', ctx.server.url, '--token', ADMIN, '--format', 'json']);
  return (JSON.parse(r.stdout) as { waivers: Array<{ rule: string }> }).waivers.map((w) => w.rule);
}

waivers('a rule id the server\'s bundle does not have is refused, with the likely one, and nothing is granted', (ctx) => {
  const r = add(ctx, 'DFW-CHANGE-02');
  assert.is(r.status, 2, r.stdout);
  assert.match(r.stderr, new RegExp(`--rule DFW-CHANGE-02: no such rule in bundle firewall revision \\S+ on ${ctx.server.url.replace(/[.]/g, '\\.')} \\(did you mean "DFW-CHANGE-002"\\?\\)`));
  assert.equal(granted(ctx), []);
});

waivers('a rule the bundle has is granted; --allow-unknown-rule grants one about to ship', (ctx) => {
  const real = add(ctx, 'DFW-CHANGE-002');
  assert.is(real.status, 0, real.stderr);
  assert.is((JSON.parse(real.stdout) as { rule: string }).rule, 'DFW-CHANGE-002');
  const ahead = add(ctx, 'ACME-CD-009', '--allow-unknown-rule');
  assert.is(ahead.status, 0, ahead.stderr);
  assert.equal(granted(ctx).sort(), ['ACME-CD-009', 'DFW-CHANGE-002']);
});

waivers.run();
