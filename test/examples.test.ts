// Every example request, evaluated by OPA itself (`opa eval`) against the Rego-target
// bundle `make bundle` builds from the same sources: compliant ones allow, each deny
// example violates exactly its rule, in production.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInput, parseCheckRequest } from '../src/collect/check-request.js';
import type { PolicyDecision } from '../src/engine/index.js';
import { readExamples } from './helpers/bundle.js';
import { opaPath, ROOT, runOpa } from './helpers/opa.js';

const examples = suite<{ decisions: Map<string, PolicyDecision> }>('examples');
const NOW = '2026-11-28T14:00:00.000Z';
const NOW_NS = '1795874400000000000';

examples.before((ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-examples-'));
  const bundle = join(dir, 'firewall-rego.tar.gz');
  execFileSync(opaPath(), ['build', '--ignore', '*_test.rego', '--revision', 'examples-test', '-o', bundle, '--bundle', 'rego'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  // All examples in one opa eval.
  const inputs: string[] = [];
  const names = [...readExamples().keys()];
  for (const [name, body] of readExamples()) {
    const input = buildInput(parseCheckRequest(body), { id: name, via: 'cli' });
    (input.request as Record<string, unknown>).time = NOW;
    (input.request as Record<string, unknown>).time_ns = '__NS__';
    inputs.push(JSON.stringify(input).replace('"__NS__"', NOW_NS));
  }
  // The bundle's roots claim all of data, so the cases travel in the input.
  const out = JSON.parse(runOpa(['eval', '--format', 'json', '-b', bundle, '--stdin-input', '[d | some i; x := input.cases[i]; d := data.firewall.decision with input as x]'], `{"cases":[${inputs.join(',')}]}`));
  const decisions = out.result[0].expressions[0].value as PolicyDecision[];
  ctx.decisions = new Map(names.map((n, i) => [n, decisions[i]!]));
});

examples('OPA allows every compliant example with no violation', ({ decisions }) => {
  const allowExamples = [...decisions].filter(([name]) => name.endsWith('.allow.json'));
  assert.ok(allowExamples.length >= 10);
  for (const [name, d] of allowExamples) {
    assert.is(d.allow, true, name);
    assert.equal([...Object.values(d.deny), ...Object.values(d.warn)].flat(), [], name);
  }
});

examples('each deny example violates exactly its own rule, blocking unless the rule is medium', ({ decisions }) => {
  const denyExamples = [...decisions].filter(([name]) => name.endsWith('.deny.json'));
  assert.is(denyExamples.length, 9, 'one deny example per rule');
  for (const [name, d] of denyExamples) {
    const id = /^(dfw-[a-z]+-\d{3})/.exec(name)![1]!.toUpperCase();
    const violations = [...Object.values(d.deny), ...Object.values(d.warn)].flat();
    assert.equal([...new Set(violations.map((v) => v.rule))], [id], name);
    assert.is(d.allow, id === 'DFW-CLOUD-001', name);
  }
});

examples.run();
