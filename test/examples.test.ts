// Every example request, evaluated by OPA itself (`opa eval`) against the Rego-target
// bundle `make bundle` builds from the same sources. An example's name says what it shows
// in the environment it names (.allow, .deny or .warn), and each rule example violates exactly its rule.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import type { PolicyDecision } from '../src/engine/index.js';
import { readExamples } from './helpers/bundle.js';
import { opaPath, ROOT, runOpa } from './helpers/opa.js';

const examples = suite<{ decisions: Map<string, PolicyDecision>; ruleIds: string[] }>('examples');
const NOW = '2026-11-28T14:00:00.000Z';
const NOW_NS = '1795874400000000000';

examples.before(async (ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-examples-'));
  const bundle = join(dir, 'firewall-rego.tar.gz');
  execFileSync(opaPath(), ['build', '--ignore', '*_test.rego', '--revision', 'examples-test', '-o', bundle, '--bundle', 'rego'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  // All examples in one opa eval.
  const inputs: string[] = [];
  const names = [...readExamples().keys()];
  for (const [name, body] of readExamples()) {
    const input = await verifiedInput(parseCheckRequest(body), { id: name, via: 'cli' });
    (input.request as Record<string, unknown>).time = NOW;
    (input.request as Record<string, unknown>).time_ns = '__NS__';
    inputs.push(JSON.stringify(input).replace('"__NS__"', NOW_NS));
  }
  // The bundle's roots claim all of data, so the cases travel in the input.
  const out = JSON.parse(runOpa(['eval', '--format', 'json', '-b', bundle, '--stdin-input', '[d | some i; x := input.cases[i]; d := data.firewall.decision with input as x]'], `{"cases":[${inputs.join(',')}]}`));
  const decisions = out.result[0].expressions[0].value as PolicyDecision[];
  ctx.decisions = new Map(names.map((n, i) => [n, decisions[i]!]));
  // Every rule of the pack, as OPA reads the annotations of the bundle.
  const inspection = JSON.parse(runOpa(['inspect', '-a', '--format', 'json', bundle])) as { annotations?: Array<{ annotations: { scope: string; custom?: { id?: unknown } } }> };
  ctx.ruleIds = [...new Set((inspection.annotations ?? []).flatMap((a) => (a.annotations.scope === 'rule' && typeof a.annotations.custom?.id === 'string' ? [a.annotations.custom.id] : [])))].sort();
});

/** What an example's name promises: the verdict in the environment it names (README runs them as written). */
const VERDICT = /\.(allow|deny|warn)\.json$/;
const ruleOf = (name: string) => /^(dfw-[a-z]+-\d{3})/.exec(name)?.[1]?.toUpperCase();

examples('every example is named for what it shows in its own environment: .allow, .deny or .warn', ({ decisions }) => {
  const wrong: string[] = [];
  for (const [name, d] of decisions) {
    const verdict = VERDICT.exec(name)?.[1];
    const violations = [...Object.values(d.deny), ...Object.values(d.warn)].flat();
    const blocking = Object.values(d.deny).flat().length > 0;
    const shows = d.allow === false ? 'deny' : violations.length > 0 ? 'warn' : 'allow';
    if (!verdict) wrong.push(`${name}: name it <name>.allow.json, .deny.json or .warn.json`);
    else if (verdict !== shows) wrong.push(`${name}: is decided ${shows} (allow=${d.allow}, ${violations.length} violations) in ${JSON.stringify(d.environment)}; rename it to .${shows}.json or change the request`);
    else if (shows === 'deny' && !blocking) wrong.push(`${name}: denied without a blocking violation`);
  }
  assert.equal(wrong, []);
});

examples('OPA allows every compliant example with no violation', ({ decisions }) => {
  const allowExamples = [...decisions].filter(([name]) => name.endsWith('.allow.json'));
  assert.ok(allowExamples.length >= 10);
  for (const [name, d] of allowExamples) {
    assert.is(d.allow, true, name);
    assert.equal([...Object.values(d.deny), ...Object.values(d.warn)].flat(), [], name);
  }
});

examples('each deny or warn example violates exactly its own rule', ({ decisions }) => {
  const ruleExamples = [...decisions].filter(([name]) => /\.(deny|warn)\.json$/.test(name));
  for (const [name, d] of ruleExamples) {
    const violations = [...Object.values(d.deny), ...Object.values(d.warn)].flat();
    assert.equal([...new Set(violations.map((v) => v.rule))], [ruleOf(name)], name);
  }
});

examples('every rule of the pack has a deny (or, where it only warns, warn) example, and several for one rule each show another failure', ({ decisions, ruleIds }) => {
  assert.ok(ruleIds.length >= 30, `the pack has ${ruleIds.length} rules`);
  const byRule = new Map<string, string[]>();
  for (const name of [...decisions.keys()].filter((n) => /\.(deny|warn)\.json$/.test(n))) {
    const id = ruleOf(name)!;
    byRule.set(id, [...(byRule.get(id) ?? []), name]);
  }
  const without = ruleIds.filter((id) => !byRule.has(id));
  assert.equal(without, [], `rules without a deny example: ${without.join(', ')}`);
  // A second example of a rule (DFW-PROV-001: another commit; a key claiming
  // slsa-github-generator's builder id) must show a failure the first does not.
  const message = (name: string) => {
    const d = decisions.get(name)!;
    return [...Object.values(d.deny), ...Object.values(d.warn)].flat().map((v) => v.message).sort().join('\n');
  };
  const alike = [...byRule].filter(([, names]) => new Set(names.map(message)).size < names.length).map(([id, names]) => `${id}: ${names.join(', ')}`);
  assert.equal(alike, [], 'examples of one rule that show the same failure');
  const unknown = [...byRule.keys()].filter((id) => !ruleIds.includes(id));
  assert.equal(unknown, [], 'deny examples named after no rule');
});

examples('DFW-PROV-001 credits no build level to a key claiming slsa-github-generator, and says who may claim it', ({ decisions }) => {
  const d = decisions.get('dfw-prov-001-builder-identity.deny.json')!;
  const [v] = [...Object.values(d.deny)].flat().filter((x) => x.rule === 'DFW-PROV-001');
  const builder = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0';
  assert.ok(v, 'denied by DFW-PROV-001');
  assert.match(v!.message, `builder ${builder} may be claimed only by a subject matching ^https://github\\.com/slsa-framework/slsa-github-generator/`);
  assert.match(v!.message, 'not by key sha256:2bb0746503e0374a722e16a8d4dc4f4c694f86ea74e4c6b92cdbb8143f5438ca, which signed this provenance: no build level is credited');
  // The compliant example passes because its provenance names the build platform whose
  // trust.builders entry lists the key that signed it.
  assert.is(decisions.get('compliant.allow.json')!.allow, true);
});

examples.run();
