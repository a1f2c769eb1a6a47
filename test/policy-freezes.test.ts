// A team's deploy freezes in its own policy repository: freezes.yaml at the root (scaffolded
// by dfw policy init) is expanded by dfw policy build into the bundle DFW-CHANGE-002 reads,
// in place of dfw's example storefront calendar, and dfw freeze list reads it there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { createEvaluator, loadBundle, SEVERITIES, type Decision, type Violation } from '../src/engine/index.js';
import { runDfw } from './helpers/cli.js';
import { policyBuildEnv } from './helpers/opa.js';
import { fileName, unpackBundle } from './helpers/tamper.js';

interface Ctx {
  dir: string;
  repo: string;
  /** The compliant request of the scaffold's examples (application payments). */
  request: Record<string, unknown>;
}

const freezes = suite<Ctx>('freezes in a policy repository');

const RULE = 'DFW-CHANGE-002';

/** A UTC wall-clock time as freezes.yaml writes start and end: 2026-12-06T00:00. */
function localUtc(date: Date): string {
  return date.toISOString().slice(0, 16);
}

/**
 * The team's calendar: a fixed quarter-close freeze for payments in production, and one
 * around the moment the test runs, which `dfw check` (deciding at the real time) meets.
 */
function calendar(now: Date): string {
  const day = 24 * 3600 * 1000;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return `horizon:
  from: "2026-01-01"
  to: "${Math.max(2031, now.getUTCFullYear() + 2)}-01-01"

freezes:
  - id: payments-quarter-close
    title: Quarter close
    message: the books close; no payments deployments
    time_zone: Europe/Berlin
    start: 2027-03-29T18:00
    end: 2027-04-01T08:00
    environments: [production]
    applications: [payments]

  - id: payments-incident-review
    title: Incident review
    message: deployments wait for the incident review
    time_zone: UTC
    start: ${localUtc(new Date(today - day))}
    end: ${localUtc(new Date(today + 2 * day))}
    environments: [production]
    applications: [payments]
`;
}

function dfw(ctx: Ctx, args: string[], cwd = ctx.repo) {
  return runDfw(args, { cwd, env: policyBuildEnv() });
}

function freezeViolations(decision: Pick<Decision, 'deny' | 'warn'>): Violation[] {
  return SEVERITIES.flatMap((s) => [...decision.deny[s], ...decision.warn[s]]).filter((v) => v.rule === RULE);
}

freezes.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-policy-freezes-'));
  ctx.repo = join(ctx.dir, 'acme-policy');
  const init = runDfw(['policy', 'init', 'acme-policy', '--team', 'acme'], { cwd: ctx.dir });
  assert.is(init.status, 0, init.stderr);
  ctx.request = (JSON.parse(readFileSync(join(ctx.repo, 'examples', 'approved-deployer.json'), 'utf8')) as { request: Record<string, unknown> }).request;
});

freezes.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

freezes('dfw policy init scaffolds freezes.yaml with an explicit horizon and no freezes, named in dfw-policy.yaml', (ctx) => {
  assert.match(readFileSync(join(ctx.repo, 'dfw-policy.yaml'), 'utf8'), /^freezes: freezes\.yaml\b/m);
  const text = readFileSync(join(ctx.repo, 'freezes.yaml'), 'utf8');
  assert.match(text, /^horizon:\n {2}from: "\d{4}-\d{2}-\d{2}"\n {2}to: "\d{4}-\d{2}-\d{2}"$/m);
  assert.match(text, /^freezes: \[\]$/m);
});

freezes("a fresh repository's bundles carry none of dfw's example storefront freezes", async (ctx) => {
  const build = dfw(ctx, ['policy', 'build', '--revision', 'fresh']);
  assert.is(build.status, 0, build.stdout + build.stderr);
  const wasm = await unpackBundle(readFileSync(join(ctx.repo, 'build', 'firewall.tar.gz')));
  const data = JSON.parse(new TextDecoder().decode(wasm.get(fileName(wasm, 'data.json')))) as { firewall: { config: { freeze_windows?: { freezes: object; horizon: { from: string; to: string } } } } };
  assert.equal(data.firewall.config.freeze_windows?.freezes, {}, 'the scaffold freezes nothing');
  const { from, to } = data.firewall.config.freeze_windows?.horizon ?? {};
  assert.equal({ from, to }, { from: '2026-01-01T00:00:00.000Z', to: '2031-01-01T00:00:00.000Z' }, "the scaffold's horizon, not the build time");
  const rego = await unpackBundle(readFileSync(join(ctx.repo, 'build', 'firewall-rego.tar.gz')));
  for (const [name, bytes] of [...wasm, ...rego]) {
    assert.not.match(name, /freezes\.yaml$|\.ics$/, `${name} is the pack's example calendar`);
    assert.not.match(new TextDecoder().decode(bytes), 'storefront', `${name} carries the pack's example freezes`);
  }
});

freezes("a freeze in the team's freezes.yaml is built into the bundle and DFW-CHANGE-002 denies inside it", async (ctx) => {
  writeFileSync(join(ctx.repo, 'freezes.yaml'), calendar(new Date()));
  const build = dfw(ctx, ['policy', 'build', '--revision', 'frozen']);
  assert.is(build.status, 0, build.stdout + build.stderr);

  const evaluator = await createEvaluator(await loadBundle(readFileSync(join(ctx.repo, 'build', 'firewall.tar.gz'))));
  const input = buildInput(parseCheckRequest(structuredClone(ctx.request)), { id: 'payments', via: 'cli' });
  const inside = freezeViolations(evaluator.evaluate(input, { now: new Date('2027-03-30T10:00:00Z'), decisionId: 'inside' }));
  assert.is(inside.length, 1, JSON.stringify(inside));
  assert.match(inside[0]!.message, 'inside deploy freeze payments-quarter-close (Quarter close) until 2027-04-01 08:00 Europe/Berlin (+02:00): the books close');
  const after = freezeViolations(evaluator.evaluate(input, { now: new Date('2027-04-01T06:00:00Z'), decisionId: 'after' }));
  assert.is(after.length, 0, 'the window ends at 08:00 Berlin time (06:00 UTC)');

  // The real CLI decides at the real time, inside the freeze around it; staging is not frozen.
  const requestFile = join(ctx.dir, 'payments.json');
  writeFileSync(requestFile, JSON.stringify(ctx.request));
  const production = dfw(ctx, ['check', '--bundle', ctx.repo, '--env', 'production', '--input', requestFile, '--format', 'json'], ctx.dir);
  assert.is(production.status, 1, production.stdout + production.stderr);
  assert.match(production.stdout, /inside deploy freeze payments-incident-review \(Incident review\)/);
  const staging = dfw(ctx, ['check', '--bundle', ctx.repo, '--env', 'staging', '--input', requestFile, '--format', 'json'], ctx.dir);
  assert.is(staging.status, 0, staging.stdout + staging.stderr);
});

freezes("dfw freeze list inside the repository (or a folder of it) reads the repository's freezes.yaml", (ctx) => {
  const list = dfw(ctx, ['freeze', 'list', '--at', '2027-03-30T10:00:00Z', '--format', 'json'], join(ctx.repo, 'policy'));
  assert.is(list.status, 0, list.stdout + list.stderr);
  const rows = JSON.parse(list.stdout) as Array<{ id: string; in_force: { start: string } | null }>;
  assert.equal(rows.map((r) => r.id).sort(), ['payments-incident-review', 'payments-quarter-close']);
  assert.is(rows.find((r) => r.id === 'payments-quarter-close')!.in_force?.start, '2027-03-29T16:00:00.000Z');
  const expand = dfw(ctx, ['freeze', 'expand']);
  assert.is(expand.status, 2);
  assert.match(expand.stderr, '"dfw policy build" expands freezes.yaml into the bundle');
});

freezes.run();
