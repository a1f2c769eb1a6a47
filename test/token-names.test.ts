// Token names are unique wherever tokens enter: dfw.yaml through a real `dfw serve` (in
// process, the same loadConfig and startServer as the CLI) and the edge runtime's DFW_TOKENS.
// One name on two tokens let a viewer's console session pass for an admin of that name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../src/config/load.js';
import { createEdgeHandler, edgeOptionsFromSettings } from '../src/edge-runtime/index.js';
import { startServer } from '../src/host/server.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { ROOT } from './helpers/opa.js';

const test = suite('token names');

test('dfw serve refuses a dfw.yaml with two tokens named alice, naming both entries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfw-token-names-'));
  try {
    const file = join(dir, 'dfw.yaml');
    writeFileSync(
      file,
      [
        'server: { host: 127.0.0.1, port: 0, evaluation_threads: 0 }',
        `bundle: { path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))} }`,
        'store: { url: "sqlite:dfw.db" }',
        'log: { level: error }',
        'tokens:',
        `  - { name: alice, sha256: ${await sha256Hex('alice-viewer-secret')}, roles: [viewer] }`,
        `  - { name: spinnaker, sha256: ${await sha256Hex('spinnaker-secret')}, roles: [check] }`,
        `  - { name: alice, sha256: ${await sha256Hex('alice-admin-secret')}, roles: [admin] }`,
        '',
      ].join('\n'),
    );
    let refused: (Error & { code?: string }) | undefined;
    try {
      const server = await startServer(loadConfig(file, {}), createMemoryLogger());
      await server.close();
    } catch (err) {
      refused = err as Error & { code?: string };
    }
    assert.ok(refused, 'the server started');
    assert.is(refused.code, 'config_invalid');
    // Refused as the file is read, naming it, before the store opens.
    assert.is(refused.message, `${file}: tokens[2].name: "alice" is already the name of tokens[0]; token names must be unique`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the edge runtime refuses DFW_TOKENS with one name twice', async () => {
  const tokens = [
    { name: 'cd', sha256: await sha256Hex('cd-1'), roles: ['check'] },
    { name: 'cd', sha256: await sha256Hex('cd-2'), roles: ['check'] },
  ];
  const options = edgeOptionsFromSettings({
    DFW_BUNDLE_URL: 'https://dfw.example.com/v1/bundles/firewall',
    DFW_BUNDLE_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot-read-here\n-----END PUBLIC KEY-----',
    DFW_TOKENS: JSON.stringify(tokens),
    DFW_LOG_LEVEL: 'error',
  });
  assert.throws(() => createEdgeHandler(options), (err: Error) => err.message === 'tokens[1].name: "cd" is already the name of tokens[0]; token names must be unique');
});

test.run();
