// Refreshes the CISA Known Exploited Vulnerabilities catalog that ships in the bundle
// (rego/firewall/kev/data.json, read by DFW-VULN-003 as data.firewall.kev). The catalog is
// bundle data rather than something the policy fetches, so every evaluator judges against
// the same signed copy and replays decide as they did. Usage:
//   node --import tsx scripts/refresh-kev.ts                 fetch CISA's feed, rewrite the file
//   node --import tsx scripts/refresh-kev.ts --url <url> --out <file>
//   node --import tsx scripts/refresh-kev.ts --file known_exploited_vulnerabilities.json
// (`make kev` runs the first form; rebuild the bundle afterwards with `make bundle`.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** CISA's JSON feed (https://www.cisa.gov/known-exploited-vulnerabilities-catalog). */
export const KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const KEV_FILE = join(ROOT, 'rego/firewall/kev/data.json');

export interface KevEntry {
  vendor?: string;
  product?: string;
  name?: string;
  date_added?: string;
  due_date?: string;
  known_ransomware?: string;
}

export interface KevData {
  catalog_version: string;
  date_released: string;
  source: string;
  vulnerabilities: Record<string, KevEntry>;
}

const CVE = /^CVE-\d{4}-\d{4,}$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * CISA's catalog ({catalogVersion, dateReleased, count, vulnerabilities: [{cveID,
 * vendorProject, product, vulnerabilityName, dateAdded, dueDate,
 * knownRansomwareCampaignUse, …}]}) -> the bundle's lookup by CVE id. Throws when the
 * document is not that catalog, so a broken download never replaces a good copy.
 */
export function toKevData(document: unknown, source: string): KevData {
  const catalog = document as Record<string, unknown> | null;
  if (!catalog || typeof catalog !== 'object' || !Array.isArray(catalog.vulnerabilities)) {
    throw new Error('not the CISA KEV catalog: no "vulnerabilities" list');
  }
  const vulnerabilities: Record<string, KevEntry> = {};
  for (const item of catalog.vulnerabilities as unknown[]) {
    const v = (item ?? {}) as Record<string, unknown>;
    const id = text(v.cveID)?.toUpperCase();
    if (!id || !CVE.test(id)) throw new Error(`not the CISA KEV catalog: entry ${JSON.stringify(v.cveID)} is not a CVE id`);
    const entry: KevEntry = {};
    const fields: Array<[keyof KevEntry, unknown]> = [
      ['vendor', v.vendorProject], ['product', v.product], ['name', v.vulnerabilityName],
      ['date_added', v.dateAdded], ['due_date', v.dueDate], ['known_ransomware', v.knownRansomwareCampaignUse],
    ];
    for (const [key, value] of fields) {
      const t = text(value);
      if (t) entry[key] = t;
    }
    vulnerabilities[id] = entry;
  }
  if (typeof catalog.count === 'number' && catalog.count !== Object.keys(vulnerabilities).length) {
    throw new Error(`not a whole catalog: it says ${catalog.count} entries and lists ${Object.keys(vulnerabilities).length}`);
  }
  const sorted = Object.fromEntries(Object.keys(vulnerabilities).sort().map((id) => [id, vulnerabilities[id]!]));
  return { catalog_version: text(catalog.catalogVersion) ?? 'unknown', date_released: text(catalog.dateReleased) ?? '', source, vulnerabilities: sorted };
}

async function main(argv: string[]): Promise<void> {
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = option('--out') ?? KEV_FILE;
  const file = option('--file');
  let document: unknown;
  let source: string;
  if (file) {
    document = JSON.parse(readFileSync(file, 'utf8'));
    source = file;
  } else {
    source = option('--url') ?? KEV_URL;
    const response = await fetch(source, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    document = await response.json();
  }
  const data = toKevData(document, source);
  writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`wrote ${out}: ${Object.keys(data.vulnerabilities).length} known exploited vulnerabilities, catalog ${data.catalog_version}; rebuild the bundle (make bundle)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`refresh-kev: ${(err as Error).message}`);
    process.exit(1);
  });
}
