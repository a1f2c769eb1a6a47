// Compliance controls (METADATA custom.controls, "<FRAMEWORK>:<control>") travel everywhere a
// rule is shown: GET /v1/rules, every violation of a decision, SARIF rule tags, JUnit
// testcase properties and the README catalog — all read from the real bundle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../src/api/index.js';
import { formatJunit } from '../src/cli/format/junit.js';
import { formatSarif } from '../src/cli/format/sarif.js';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import { ActivePolicy, ruleCatalog, SEVERITIES, type Decision, type Evaluator, type RuleEntry } from '../src/engine/index.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { renderRuleCatalog } from '../scripts/rule-catalog.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { ROOT } from './helpers/opa.js';

const FREEZE_CONTROLS = ['NIST-800-53:CM-3', 'OWASP-CICD:CICD-SEC-1', 'SOC2:CC8.1'];

const tags = suite<{ evaluator: Evaluator; decision: Decision; catalog: RuleEntry[] }>('compliance tags');

tags.before(async (ctx) => {
  ctx.evaluator = await loadTestEvaluator({ revision: 'tags-test' });
  ctx.catalog = ruleCatalog(ctx.evaluator.bundle).rules;
  // The storefront on a Saturday: inside the shipped weekend freeze.
  const request = JSON.parse(readFileSync(join(ROOT, 'examples/dfw-change-002-deploy-freeze.deny.json'), 'utf8')) as Record<string, unknown>;
  ctx.decision = ctx.evaluator.evaluate(await verifiedInput(parseCheckRequest(request), { id: 'tags', via: 'cli' }), { now: new Date('2026-11-28T14:00:00Z'), decisionId: 'tags' });
});

tags('GET /v1/rules lists each rule\'s controls, sorted', async ({ evaluator }) => {
  const policy = new ActivePolicy();
  policy.activate(evaluator);
  const res = await createApp({ policy, logger: createMemoryLogger() }).request('/v1/rules');
  assert.is(res.status, 200);
  const body = (await res.json()) as { rules: Array<{ id: string; controls: unknown }> };
  assert.ok(body.rules.every((r) => Array.isArray(r.controls)), 'every rule has a controls list');
  assert.equal(body.rules.find((r) => r.id === 'DFW-CHANGE-002')?.controls, FREEZE_CONTROLS);
});

tags('every violation in a decision carries its rule\'s controls', ({ decision }) => {
  const violations = SEVERITIES.flatMap((s) => [...decision.deny[s], ...decision.warn[s]]);
  const freeze = violations.find((v) => v.rule === 'DFW-CHANGE-002');
  assert.ok(freeze, 'the freeze denies');
  assert.equal([...freeze!.controls!].sort(), FREEZE_CONTROLS);
  assert.ok(violations.every((v) => Array.isArray(v.controls)), 'a rule without controls gives []');
});

tags('SARIF tags each rule with its controls after its category and "security"', ({ decision, catalog }) => {
  const log = JSON.parse(formatSarif(decision, { rules: catalog })) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string; properties: { tags: string[] } }> } } }> };
  const rule = log.runs[0]!.tool.driver.rules.find((r) => r.id === 'DFW-CHANGE-002')!;
  assert.equal(rule.properties.tags, ['change', 'security', ...FREEZE_CONTROLS]);
  // GitHub refuses more than 20 tags on a rule: a rule with many controls is cut to 20.
  const many = catalog.map((r) => (r.id === 'DFW-CHANGE-002' ? { ...r, controls: Array.from({ length: 30 }, (_, i) => `NIST-800-53:SI-${i + 1}`) } : r));
  const capped = (JSON.parse(formatSarif(decision, { rules: many })) as typeof log).runs[0]!.tool.driver.rules.find((r) => r.id === 'DFW-CHANGE-002')!;
  assert.equal(capped.properties.tags.slice(0, 3), ['change', 'security', 'NIST-800-53:SI-1']);
  assert.is(capped.properties.tags.length, 20);
  // Without a catalog the violation's own controls are used.
  const bare = JSON.parse(formatSarif(decision)) as typeof log;
  assert.equal(bare.runs[0]!.tool.driver.rules.find((r) => r.id === 'DFW-CHANGE-002')!.properties.tags.slice(2).sort(), FREEZE_CONTROLS);
});

tags('JUnit gives each testcase one "control" property per control', ({ decision, catalog }) => {
  const xml = formatJunit(decision, { rules: catalog });
  const testcase = /<testcase classname="change" name="DFW-CHANGE-002 [^"]*"[^>]*>([\s\S]*?)<\/testcase>/.exec(xml);
  assert.ok(testcase, xml);
  assert.match(testcase![1]!, `<properties>${FREEZE_CONTROLS.map((c) => `<property name="control" value="${c}"/>`).join('')}</properties>`);
  assert.match(testcase![1]!, '<failure');
});

tags('the README catalog has a Controls column', () => {
  const catalog = renderRuleCatalog();
  assert.match(catalog, '| Controls |');
  const row = catalog.split('\n').find((line) => line.startsWith('| [DFW-CHANGE-002]'));
  assert.ok(row?.endsWith(`| ${FREEZE_CONTROLS.map((c) => `\`${c}\``).join(' ')} |`), row);
});

tags.run();
