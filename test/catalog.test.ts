// GET /v1/rules reads METADATA itself (the engine has no OPA); this checks it against OPA's
// own reading (`opa inspect -a`, via scripts/rule-catalog.ts), so the two cannot drift.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ruleCatalog, type RuleCatalog } from '../src/engine/index.js';
import { unwrapParagraphs } from '../src/engine/catalog.js';
import { readFileSync } from 'node:fs';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import { readFirewallConfig, readRuleAnnotations, ruleEnforcement } from '../scripts/rule-catalog.js';
import { loadTestEvaluator } from './helpers/bundle.js';

const catalog = suite<{ engine: RuleCatalog }>('catalog');

catalog.before(async (ctx) => {
  ctx.engine = ruleCatalog((await loadTestEvaluator()).bundle);
});

catalog('the engine reads the same annotations as opa inspect', ({ engine }) => {
  const fromOpa = readRuleAnnotations()
    // The same text, with the comments' hard line breaks joined into paragraphs.
    .map(({ id, title, description, category, severity, remediation }) => ({ id, title, description: unwrapParagraphs(description), category, severity, remediation: unwrapParagraphs(remediation) }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const fromEngine = engine.rules.map(({ id, title, description, category, severity, remediation }) => ({ id, title, description, category, severity, remediation }));
  assert.equal(fromEngine, fromOpa);
});

catalog('annotation text is unwrapped into paragraphs: no hard line break of the Rego comment survives', ({ engine }) => {
  const vuln = engine.rules.find((r) => r.id === 'DFW-VULN-001')!;
  assert.match(vuln.remediation, 'rebuild on a patched base image');
  for (const rule of engine.rules) {
    assert.not.match(rule.description, /[^\n]\n[^\n-]/, `${rule.id} description`);
    assert.not.match(rule.remediation, /[^\n]\n[^\n-]/, `${rule.id} remediation`);
  }
  assert.is(unwrapParagraphs('one\ntwo\n\nthree\n- a\n- b\n'), 'one two\n\nthree\n- a\n- b');
});

catalog('violations in decisions carry the same unwrapped text: the rules fold their annotations (>-) when the bundle is built', async ({ engine }) => {
  const evaluator = await loadTestEvaluator();
  const request = parseCheckRequest(JSON.parse(readFileSync(new URL('../examples/dfw-vuln-001-critical-cves.deny.json', import.meta.url), 'utf8')));
  const decision = evaluator.evaluate(buildInput(request, { id: 'catalog-test', via: 'api' }));
  const vuln = decision.deny.critical.find((v) => v.rule === 'DFW-VULN-001')!;
  assert.ok(vuln, 'the example is denied by DFW-VULN-001');
  assert.is(vuln.remediation, engine.rules.find((r) => r.id === 'DFW-VULN-001')!.remediation);
  assert.not.match(vuln.remediation, '\n');
});

catalog('the engine computes the same enforcement per environment as the README', ({ engine }) => {
  const config = readFirewallConfig();
  const words = { blocks: 'deny', warns: 'warn', off: 'off' } as const;
  for (const rule of readRuleAnnotations()) {
    const entry = engine.rules.find((r) => r.id === rule.id)!;
    for (const [env, envConfig] of Object.entries(config.environments ?? {})) {
      const expected = ruleEnforcement(rule, envConfig);
      assert.equal(entry.enforcement[env], { enforcement: words[expected.enforcement], severity: expected.severity }, `${rule.id} in ${env}`);
    }
  }
  assert.is(engine.unknown_environment, 'production');
});

catalog.run();
