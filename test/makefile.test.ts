// The Makefile's bundle targets have real file prerequisites: a change outside rego/ (the
// README, a TypeScript file) rebuilds no bundle, a changed rule does.
import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers/opa.js';

const BUNDLES = ['bundles/firewall.tar.gz', 'bundles/firewall-rego.tar.gz'].map((f) => join(ROOT, f));

function make(args: string[]): string {
  const r = spawnSync('make', args, { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

const makefile = suite('makefile');

makefile('touching the README rebuilds no bundle; a changed rule would rebuild both', () => {
  make(['bundle']); // up to date from here on
  const before = BUNDLES.map((f) => statSync(f).mtimeMs);
  const readme = join(ROOT, 'README.md');
  const now = new Date();
  utimesSync(readme, now, now);
  const output = make(['bundle']);
  assert.not.match(output, 'opa build');
  assert.equal(BUNDLES.map((f) => statSync(f).mtimeMs), before, 'the bundles were not written');
  // -W: as if the rule had just changed, without changing it.
  const whatIf = make(['-n', '-W', 'rego/firewall/decision.rego', 'bundle']);
  assert.is(whatIf.split('\n').filter((l) => l.includes('opa build')).length, 2, whatIf);
});

makefile.run();
