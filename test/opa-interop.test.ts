// Interop with stock OPA: the real `opa run --server` pulls the signed Rego-target bundle
// from dfw's bundle server (bundle service protocol, bearer token, signature verification
// on), activates the published revision — a later one through long polling — and answers
// POST /v1/data/firewall/decision exactly as dfw's Wasm evaluator decides, for every example
// in every environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryLogger } from '../src/shared/logger.js';
import { sha256Hex } from '../src/shared/sha256.js';
import { parseCheckRequest } from '../src/collect/check-request.js';
import { verifiedInput } from './helpers/example-input.js';
import { loadConfig } from '../src/config/load.js';
import type { InputDocument, PolicyDecision } from '../src/engine/index.js';
import { startServer, type RunningServer } from '../src/host/server.js';
import { OTHER_PUB, readExamples, SIGNING_PUB } from './helpers/bundle.js';
import { buildSignedBundle } from './helpers/edge-bundles.js';
import { freePort, waitFor } from './helpers/edge-servers.js';
import { opaPath } from './helpers/opa.js';

const ADMIN = 'admin-secret';
const OPA_TOKEN = 'opa-agent-secret';
const NOW = new Date('2026-11-28T14:00:00.000Z');
const ENVIRONMENTS = ['production', 'staging', 'development'];

interface Ctx {
  dir: string;
  dfw: RunningServer;
  opa: ChildProcess;
  opaUrl: string;
  opaLogs: string[];
}

const interop = suite<Ctx>('opa-interop');

async function publish(ctx: Ctx, name: string, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${ctx.dfw.url}/v1/bundles/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}` }, body: bytes as Uint8Array<ArrayBuffer> });
  assert.is(res.status, 200, await res.text());
}

/** OPA keeps each activated bundle's manifest under data.system.bundles. */
async function opaRevision(ctx: Ctx, bundle: string): Promise<string | undefined> {
  const res = await fetch(`${ctx.opaUrl}/v1/data/system/bundles`);
  const body = (await res.json()) as { result?: Record<string, { manifest?: { revision?: string } }> };
  return body.result?.[bundle]?.manifest?.revision;
}

/** The same JSON text the evaluator builds (evaluator.ts serializeInput): time_ns as an exact integer. */
function opaRequestBody(input: InputDocument, now: Date): string {
  const timeNs = (BigInt(now.getTime()) * 1_000_000n).toString();
  const marker = `__interop_time_ns_${timeNs}__`;
  const request = { ...(input.request ?? {}), time: now.toISOString(), time_ns: marker };
  return `{"input":${JSON.stringify({ ...input, request }).replace(`"${marker}"`, timeNs)}}`;
}

const pick = (d: PolicyDecision): PolicyDecision => ({ allow: d.allow, environment: d.environment, deny: d.deny, warn: d.warn, waived: d.waived });

interop.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-opa-interop-'));
  const configFile = join(ctx.dir, 'dfw.yaml');
  const fileBundle = join(ctx.dir, 'startup.tar.gz');
  writeFileSync(fileBundle, buildSignedBundle({ revision: 'interop-0' }));
  writeFileSync(
    configFile,
    [
      'server: { port: 0 }',
      `bundle: { path: ${fileBundle}, public_key: ${SIGNING_PUB} }`,
      `publish: { dir: ${join(ctx.dir, 'published')} }`,
      'tokens:',
      `  - { name: release, sha256: ${await sha256Hex(ADMIN)}, roles: [admin] }`,
      `  - { name: opa-agent, sha256: ${await sha256Hex(OPA_TOKEN)}, roles: [check] }`,
      '',
    ].join('\n'),
  );
  ctx.dfw = await startServer(loadConfig(configFile), createMemoryLogger());
  // Both targets from the same sources at the same revision, published the same way.
  await publish(ctx, 'firewall', buildSignedBundle({ revision: 'interop-1' }));
  await publish(ctx, 'firewall-rego', buildSignedBundle({ revision: 'interop-1', target: 'rego' }));

  const port = await freePort();
  ctx.opaUrl = `http://127.0.0.1:${port}`;
  const indent = (pem: string) => pem.trim().split('\n').map((l) => `      ${l}`).join('\n');
  const opaConfig = join(ctx.dir, 'opa.yaml');
  writeFileSync(
    opaConfig,
    `services:
  dfw:
    url: ${ctx.dfw.url}/v1
    credentials:
      bearer:
        token: ${OPA_TOKEN}
bundles:
  firewall:
    service: dfw
    resource: bundles/firewall-rego
    polling:
      min_delay_seconds: 60
      max_delay_seconds: 120
      long_polling_timeout_seconds: 30
    signing:
      keyid: dfw-release
  untrusted:
    service: dfw
    resource: bundles/firewall-rego
    polling:
      min_delay_seconds: 60
      max_delay_seconds: 120
    signing:
      keyid: someone-else
keys:
  dfw-release:
    algorithm: RS256
    key: |
${indent(readFileSync(SIGNING_PUB, 'utf8'))}
  someone-else:
    algorithm: RS256
    key: |
${indent(readFileSync(OTHER_PUB, 'utf8'))}
`,
  );
  ctx.opaLogs = [];
  ctx.opa = spawn(opaPath(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--config-file', opaConfig, '--skip-version-check', '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => ctx.opaLogs.push(...chunk.toString().split('\n').filter(Boolean));
  ctx.opa.stdout!.on('data', keep);
  ctx.opa.stderr!.on('data', keep);
});

interop.after(async (ctx) => {
  if (ctx.opa && ctx.opa.exitCode === null) {
    const exited = new Promise((r) => ctx.opa.once('exit', r));
    ctx.opa.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (ctx.opa.exitCode === null) ctx.opa.kill('SIGKILL');
  }
  await ctx.dfw?.close();
});

interop('OPA pulls the signed Rego bundle from dfw and activates the published revision', async (ctx) => {
  const revision = await waitFor('OPA to activate firewall', () => opaRevision(ctx, 'firewall'), 30_000, 200).catch((err: Error) => {
    throw new Error(`${err.message}\nOPA log:\n${ctx.opaLogs.slice(-20).join('\n')}`);
  });
  assert.is(revision, 'interop-1');
  assert.is(ctx.dfw.policy.current()?.bundle.manifest.revision, 'interop-1');
});

interop('OPA verifies the signature: the same bundle under a key id it does not trust is never activated', async (ctx) => {
  await waitFor('OPA to report the refusal', async () => (ctx.opaLogs.some((l) => l.includes('"name":"untrusted"') && l.includes('failed to verify JWT signature')) ? true : undefined), 15_000, 200).catch((err: Error) => {
    throw new Error(`${err.message}\nOPA log:\n${ctx.opaLogs.slice(-20).join('\n')}`);
  });
  assert.is(await opaRevision(ctx, 'untrusted'), undefined);
  assert.is((await fetch(`${ctx.opaUrl}/health?bundles`)).status, 500, 'OPA is not healthy while a configured bundle is unverified');
});

interop('OPA decides every example exactly as dfw does, in every environment', async (ctx) => {
  const evaluator = ctx.dfw.policy.current()!;
  const mismatches: string[] = [];
  let compared = 0;
  for (const [file, body] of readExamples()) {
    for (const environment of ENVIRONMENTS) {
      const request = parseCheckRequest(structuredClone({ ...body, environment }));
      const input = await verifiedInput(request, { id: `interop-${file}-${environment}`, via: 'api' });
      const dfw = pick(evaluator.evaluate(input, { now: NOW }));
      const res = await fetch(`${ctx.opaUrl}/v1/data/firewall/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: opaRequestBody(input, NOW) });
      assert.is(res.status, 200);
      const answer = (await res.json()) as { result?: PolicyDecision };
      if (!answer.result) mismatches.push(`${file} (${environment}): OPA has no decision`);
      else if (!isDeepStrictEqual(pick(answer.result), dfw)) mismatches.push(`${file} (${environment}):\n  opa: ${JSON.stringify(pick(answer.result))}\n  dfw: ${JSON.stringify(dfw)}`);
      compared++;
    }
  }
  assert.is(compared, readExamples().size * ENVIRONMENTS.length);
  assert.equal(mismatches, [], mismatches.slice(0, 3).join('\n'));
});

interop('a newly published revision reaches OPA through long polling, well before its polling interval', async (ctx) => {
  const started = Date.now();
  await publish(ctx, 'firewall', buildSignedBundle({ revision: 'interop-2' }));
  await publish(ctx, 'firewall-rego', buildSignedBundle({ revision: 'interop-2', target: 'rego' }));
  await waitFor('OPA to activate interop-2', async () => ((await opaRevision(ctx, 'firewall')) === 'interop-2' ? true : undefined), 20_000, 100);
  const seconds = (Date.now() - started) / 1000;
  // Polling alone would not ask again for at least 60 s (min_delay_seconds).
  assert.ok(seconds < 10, `took ${seconds} s`);
});

interop.run();
