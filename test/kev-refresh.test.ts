// `make kev`: the CISA KEV catalog, served in CISA's own JSON shape by a local server,
// becomes rego/firewall/kev/data.json's shape, and DFW-VULN-003 over the policy with it
// denies a CVE of the refreshed catalog that the shipped seed does not list.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toKevData } from '../scripts/refresh-kev.js';
import { opaPath, ROOT } from './helpers/opa.js';

/** Two entries as CISA's feed writes them (known_exploited_vulnerabilities_schema.json). */
const CATALOG = {
  title: 'CISA Catalog of Known Exploited Vulnerabilities',
  catalogVersion: '2026.11.27',
  dateReleased: '2026-11-27T18:00:41.6217Z',
  count: 2,
  vulnerabilities: [
    {
      cveID: 'CVE-2024-3400', vendorProject: 'Palo Alto Networks', product: 'PAN-OS', vulnerabilityName: 'Palo Alto Networks PAN-OS Command Injection Vulnerability',
      dateAdded: '2024-04-12', shortDescription: 'PAN-OS contains a command injection vulnerability in GlobalProtect.', requiredAction: 'Apply mitigations per vendor instructions.',
      dueDate: '2024-04-19', knownRansomwareCampaignUse: 'Unknown', notes: '', cwes: ['CWE-77'],
    },
    {
      cveID: 'CVE-2021-44228', vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability',
      dateAdded: '2021-12-10', shortDescription: 'Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints.', requiredAction: 'Apply updates per vendor instructions.',
      dueDate: '2021-12-24', knownRansomwareCampaignUse: 'Known', notes: '', cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
    },
  ],
};

/**
 * Runs the script in a child process without blocking this one (spawnSync would stall the
 * local server the script downloads from).
 */
function refresh(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/refresh-kev.ts'), ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const Kev = suite<{ server: Server; url: string; dir: string }>('kev refresh');

Kev.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'dfw-kev-'));
  ctx.server = createServer((req, res) => {
    if (req.url === '/feeds/known_exploited_vulnerabilities.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(CATALOG));
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => ctx.server.listen(0, '127.0.0.1', resolve));
  ctx.url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}`;
});

Kev.after((ctx) => {
  ctx.server.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

Kev('the script fetches the catalog and writes the lookup by CVE id DFW-VULN-003 reads', async (ctx) => {
  const out = join(ctx.dir, 'kev.json');
  const r = await refresh(['--url', `${ctx.url}/feeds/known_exploited_vulnerabilities.json`, '--out', out]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, '2 known exploited vulnerabilities, catalog 2026.11.27');
  const data = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(Object.keys(data.vulnerabilities), ['CVE-2021-44228', 'CVE-2024-3400']);
  assert.equal(data.vulnerabilities['CVE-2024-3400'], {
    vendor: 'Palo Alto Networks', product: 'PAN-OS', name: 'Palo Alto Networks PAN-OS Command Injection Vulnerability',
    date_added: '2024-04-12', due_date: '2024-04-19', known_ransomware: 'Unknown',
  });
  assert.is(data.catalog_version, '2026.11.27');
});

Kev('a download that is not the whole catalog is refused and the file is left alone', async (ctx) => {
  assert.throws(() => toKevData({ title: 'x' }, 'test'), /no "vulnerabilities" list/);
  assert.throws(() => toKevData({ vulnerabilities: [{ cveID: 'GHSA-1234' }] }, 'test'), /is not a CVE id/);
  assert.throws(() => toKevData({ ...CATALOG, count: 1300 }, 'test'), /it says 1300 entries and lists 2/);
  const out = join(ctx.dir, 'refused.json');
  const r = await refresh(['--url', `${ctx.url}/missing.json`, '--out', out]);
  assert.is(r.status, 1);
  assert.match(r.stderr, 'answered 404');
  assert.not.ok(existsSync(out), 'a refused download wrote the file');
});

Kev('a bundle built with the refreshed catalog denies a CVE the seed does not list', async (ctx) => {
  const copy = join(ctx.dir, 'repo');
  cpSync(join(ROOT, 'rego'), join(copy, 'rego'), { recursive: true });
  const r = await refresh(['--url', `${ctx.url}/feeds/known_exploited_vulnerabilities.json`, '--out', join(copy, 'rego/firewall/kev/data.json')]);
  assert.is(r.status, 0, r.stderr);
  const input = { artifact: { image: 'registry.example.com/payments/api:1.5.0', digest: 'sha256:4f1c' }, evidence: { vulnerabilities: { tool: 'Trivy', findings: [{ id: 'CVE-2024-3400', severity: 'medium', package: 'pan-os' }] } } };
  const evalWith = (dir: string) =>
    JSON.parse(execFileSync(opaPath(), ['eval', '--format', 'json', '-d', 'rego', '--stdin-input', '[v.message | some v in data.firewall.rules.vulnerabilities.known_exploited.deny]'], { cwd: dir, input: JSON.stringify(input), encoding: 'utf8' })).result[0].expressions[0].value as string[];
  assert.equal(evalWith(ROOT), [], 'the seed catalog does not list CVE-2024-3400');
  assert.equal(evalWith(copy), [
    "CVE-2024-3400 in pan-os of registry.example.com/payments/api:1.5.0 (sha256:4f1c) is in CISA's Known Exploited Vulnerabilities catalog (Palo Alto Networks PAN-OS Command Injection Vulnerability, added 2024-04-12)",
  ]);
});

Kev.run();
