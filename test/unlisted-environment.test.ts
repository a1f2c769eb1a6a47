// An environment the bundle does not list ("Production", "prodution") is enforced as
// unknown_environment, production by default, and the decision says so: the rules that read
// environment-keyed bundle data (the freeze calendar, promotion) must then judge it as
// production too, not let it through because no key matches the name as written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { createInlineVerifier } from '../src/collect/collectors/index.js';
import { CollectorRunner } from '../src/collect/run-collectors.js';
import { createCheckService, type CheckService, type WarnedDecision } from '../src/decide/index.js';
import { ActivePolicy, SEVERITIES, type Decision } from '../src/engine/index.js';
import { buildBundle, loadTestEvaluator } from './helpers/bundle.js';
import { runDfw } from './helpers/cli.js';
import { ROOT } from './helpers/opa.js';

const FREEZE_EXAMPLE = 'dfw-change-002-deploy-freeze.deny.json';
const PROMOTION_EXAMPLE = 'dfw-promotion-001-staged-first.deny.json';
const UNLISTED = ['Production', 'prodution'];

interface Ctx {
  checks: CheckService;
  bundle: string;
}

const unlisted = suite<Ctx>('unlisted environments');

unlisted.before(async (ctx) => {
  ctx.bundle = buildBundle({ revision: 'unlisted-environment' });
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ revision: 'unlisted-environment' }));
  // Saturday 2026-11-28 15:00 in Berlin, inside the shipped storefront weekend freeze. Inline
  // signatures are verified as `dfw check` verifies them, so the examples' provenance counts.
  ctx.checks = createCheckService(policy, {
    clock: () => new Date('2026-11-28T14:00:00Z'),
    collectors: new CollectorRunner([], undefined, createInlineVerifier()),
  });
});

const example = (name: string) => join(ROOT, 'examples', name);

async function decide(checks: CheckService, name: string, environment: string): Promise<WarnedDecision> {
  const request = parseCheckRequest({ ...JSON.parse(readFileSync(example(name), 'utf8')), environment });
  return (await checks.check(request, { via: 'cli' })).decision as WarnedDecision;
}

/** Which rules blocked and which warned, by severity: what the environment's enforcement made of the findings. */
function outcome(decision: Decision): Record<string, string[]> {
  return Object.fromEntries(SEVERITIES.flatMap((s) => [[`deny.${s}`, decision.deny[s].map((v) => v.rule)], [`warn.${s}`, decision.warn[s].map((v) => v.rule)]]));
}

for (const [name, rule, severity] of [[FREEZE_EXAMPLE, 'DFW-CHANGE-002', 'critical'], [PROMOTION_EXAMPLE, 'DFW-PROMOTION-001', 'high']] as const) {
  unlisted(`${name}: a case variant or a typo of production is denied by ${rule} as production is`, async ({ checks }) => {
    const production = await decide(checks, name, 'production');
    assert.is(production.allow, false);
    assert.equal(production.deny[severity].map((v) => v.rule), [rule]);
    for (const environment of UNLISTED) {
      const decision = await decide(checks, name, environment);
      assert.equal(decision.warnings, [`environment "${environment}" is not configured in the bundle; enforced as production`]);
      assert.is(decision.allow, false, `${environment} was allowed`);
      assert.equal(outcome(decision), outcome(production), environment);
      assert.match(decision.deny[severity][0]!.message, environment, 'the message names the environment as the request did');
    }
  });
}

unlisted('dfw check --env Production denies the promotion example as --env production does (exit 1)', ({ bundle }) => {
  for (const environment of ['production', 'Production']) {
    const r = runDfw(['check', '--env', environment, '--input', example(PROMOTION_EXAMPLE), '--bundle', bundle, '--format', 'json']);
    assert.is(r.status, 1, `${environment}: ${r.stderr}`);
    const decision = JSON.parse(r.stdout) as Decision;
    assert.equal(decision.deny.high.map((v) => v.rule), ['DFW-PROMOTION-001'], environment);
  }
});

unlisted.run();
