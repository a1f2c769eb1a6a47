// Every command README.md shows runs as written (issue 19): its shell blocks, extracted by
// the rules at the top of README.md (test/helpers/doc-commands.ts), against a `dfw serve`
// started in a sandbox on a free port that stands in for 127.0.0.1:8787. Blocks added to the
// README later are covered without touching this file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSandbox, expectedExit, runBlock, shellBlocks, startBackground, type Sandbox } from './helpers/doc-commands.js';
import { ROOT } from './helpers/opa.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = shellBlocks(README);
const readme = suite<{ sandbox: Sandbox; server: ChildProcess }>('readme-commands');

let startup: Error | undefined;

readme.before(async (ctx) => {
  ctx.sandbox = await createSandbox();
  // uvu does not report a failing before hook; the first test does.
  ctx.server = await startBackground('dfw serve &', ctx.sandbox).catch((err: Error) => {
    startup = err;
    return undefined as unknown as ChildProcess;
  });
});

readme.after(async ({ server }) => {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((done) => server.once('exit', done));
  server.kill('SIGTERM');
  await exited;
});

readme('the README documents its extraction rules and runs nearly every block', () => {
  assert.is(startup, undefined, `dfw serve did not start: ${startup?.message}`);
  const rulesAt = README.indexOf('<!-- Every shell block');
  const rules = README.slice(rulesAt, README.indexOf('-->', rulesAt));
  assert.ok(rules.includes('test/readme-commands.test.ts') && rules.includes('# not run by the docs test:'), 'the rules are stated in an HTML comment');
  assert.ok(blocks.length >= 3, `${blocks.length} shell blocks`);
  const skipped = blocks.filter((b) => b.skipped);
  assert.ok(skipped.length <= blocks.length / 2, 'most blocks run');
  for (const block of skipped) assert.ok(block.commands.length > 0, `the skipped block at line ${block.line} still shows a command`);
  // A fresh machine needs exactly two commands, and they come first.
  assert.equal(blocks[0]!.commands.map((c) => c.split('#')[0]!.trim()), ['make run', 'make test']);
  assert.is(expectedExit('node bin/dfw.js check --input x.json  # exits 1'), 1);
  assert.is(expectedExit('make run    # terminal 1: serves'), 0);
});

for (const block of blocks.filter((b) => !b.skipped)) {
  readme(`README.md line ${block.line}: ${block.commands[0]}`, async ({ sandbox }) => {
    const results = await runBlock(block, sandbox);
    for (const r of results) assert.is(r.status, r.expected, `${r.command}\n${r.output}`);
    assert.is(results.length, block.commands.filter((c) => !/&\s*(#.*)?$/.test(c)).length, 'every command ran');
  });
}

// docs/edge.md promises a first start "from the docs alone": its first shell block starts
// its own server (a command ending in "&"), so it runs in a sandbox of its own.
const EDGE = readFileSync(join(ROOT, 'docs/edge.md'), 'utf8');
const firstStart = shellBlocks(EDGE.slice(EDGE.indexOf('### First start')))[0]!;

readme(`docs/edge.md first start: a bundle server with a key and nothing published, then the first publish`, async () => {
  assert.ok(firstStart && firstStart.commands.some((c) => c.startsWith('dfw bundle publish')), 'the first-start block publishes');
  const results = await runBlock(firstStart, await createSandbox());
  for (const r of results) assert.is(r.status, r.expected, `${r.command}\n${r.output}`);
  assert.is(results.length, firstStart.commands.length - 1, 'every command ran');
  const output = (start: string, nth = 0) => results.filter((r) => r.command.startsWith(start))[nth]!.output.trim();
  assert.is(output('curl -s http'), 'not ready');
  assert.match(output('curl -s -H'), 'dfw bundle publish');
  assert.is(output('curl -sf'), 'ready');
});

readme.run();
