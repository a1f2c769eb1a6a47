// Renders the README's rule catalog from the rules' own `# METADATA`, as the real OPA reads
// it (`opa inspect -a` on a bundle built like `make bundle`), and each rule's enforcement per
// environment from rego/firewall/config/data.yaml. Usage:
//   node --import tsx scripts/rule-catalog.ts           print the catalog
//   node --import tsx scripts/rule-catalog.ts --write   replace it between the README markers
//   node --import tsx scripts/rule-catalog.ts --check   exit 1 when the README's copy is stale
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load as loadYaml } from 'js-yaml';
import { enforcementIn, type EnvironmentConfig as CatalogEnvironment } from '../src/engine/catalog.js';
import { SEVERITIES, type Severity } from '../src/engine/types.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = join(ROOT, 'README.md');
const CONFIG = 'rego/firewall/config/data.yaml';
const RULES_PACKAGE = ['firewall', 'rules'];

export const CATALOG_START = '<!-- rule-catalog:start -->';
export const CATALOG_END = '<!-- rule-catalog:end -->';

/** One deny rule as its METADATA describes it. */
export interface RuleAnnotation {
  id: string;
  title: string;
  description: string;
  category: string;
  severity: Severity;
  remediation: string;
  /** Compliance controls, "<FRAMEWORK>:<control>" (METADATA custom.controls), sorted. */
  controls: string[];
  /** The rule's source, relative to the repository root. */
  file: string;
}

export type Enforcement = 'blocks' | 'warns' | 'off';

type EnvironmentConfig = CatalogEnvironment;

interface FirewallConfig {
  unknown_environment?: string;
  environments: Record<string, EnvironmentConfig>;
}

/** The shape of one entry of `opa inspect -a --format json` (v1/ast/annotations.go). */
interface InspectedAnnotation {
  annotations: {
    scope: string;
    title?: string;
    description?: string;
    custom?: Record<string, unknown>;
  };
  location?: { file?: string };
  path: Array<{ type: string; value: string }>;
}

interface Inspection {
  annotations?: InspectedAnnotation[];
  namespaces?: Record<string, string[]>;
}

function opaPath(): string {
  const opa = process.env.DFW_OPA ?? join(ROOT, '.tools/bin/opa');
  if (!existsSync(opa)) throw new Error(`opa not found at ${opa}: run "make tools" first`);
  return opa;
}

/**
 * Builds the Rego bundle the way `make bundle` does (test files ignored, so their packages
 * and annotations stay out) into a temporary directory and asks OPA for its annotations.
 */
function inspectBundle(): Inspection {
  const opa = opaPath();
  const dir = mkdtempSync(join(tmpdir(), 'dfw-catalog-'));
  try {
    const bundle = join(dir, 'firewall-rego.tar.gz');
    execFileSync(opa, ['build', '--ignore', '*_test.rego', '-o', bundle, '--bundle', 'rego'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = execFileSync(opa, ['inspect', '-a', '--format', 'json', bundle], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out) as Inspection;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `data.firewall.rules.git.branch_protection.deny` from OPA's path terms. */
function pathText(path: InspectedAnnotation['path']): string {
  return path.map((term) => term.value).join('.');
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

function sourceFile(location: InspectedAnnotation['location']): string {
  const file = location?.file ?? '';
  // OPA names the files of a bundle built from `rego` as "/rego/…".
  return isAbsolute(file) && file.startsWith(ROOT) ? relative(ROOT, file) : file.replace(/^\/+/, '');
}

/** custom.controls: a list of "<FRAMEWORK>:<control>" strings; undefined when it is not one. */
function controlList(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((c) => typeof c === 'string' && /^[A-Za-z0-9-]+:\S/.test(c))) return undefined;
  return [...new Set(value as string[])].sort();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Every rule package's `deny` annotation, sorted by id. A rule package whose deny has no
 * complete METADATA is an error, not a missing row: the catalog must list every rule.
 */
export function readRuleAnnotations(): RuleAnnotation[] {
  const inspection = inspectBundle();
  const rulePackages = Object.keys(inspection.namespaces ?? {}).filter((ns) => {
    const parts = ns.split('.');
    return parts.length === 5 && parts[0] === 'data' && parts[1] === RULES_PACKAGE[0] && parts[2] === RULES_PACKAGE[1];
  });
  const problems: string[] = [];
  const rules: RuleAnnotation[] = [];
  const seen = new Set<string>();
  for (const pkg of rulePackages.sort()) {
    const entry = (inspection.annotations ?? []).find(
      (a) => a.annotations.scope === 'rule' && pathText(a.path) === `${pkg}.deny`,
    );
    if (!entry) {
      problems.push(`${pkg}.deny has no rule-scoped # METADATA`);
      continue;
    }
    const { title, description, custom = {} } = entry.annotations;
    const rule = {
      id: text(custom.id),
      title: text(title),
      description: text(description),
      category: text(custom.category),
      severity: custom.severity,
      remediation: text(custom.remediation),
      controls: controlList(custom.controls) ?? [],
      file: sourceFile(entry.location),
    };
    if (controlList(custom.controls) === undefined) problems.push(`${rule.file}: custom.controls must be a list of "<FRAMEWORK>:<control>" strings`);
    const missing = (['id', 'title', 'description', 'category', 'remediation'] as const).filter((k) => rule[k] === '');
    if (missing.length) problems.push(`${rule.file}: METADATA lacks ${missing.join(', ')}`);
    if (!isSeverity(rule.severity)) problems.push(`${rule.file}: severity ${JSON.stringify(rule.severity)} is not one of ${SEVERITIES.join(', ')}`);
    if (seen.has(rule.id)) problems.push(`${rule.file}: rule id ${rule.id} is used twice`);
    seen.add(rule.id);
    if (!missing.length && isSeverity(rule.severity)) rules.push({ ...rule, severity: rule.severity });
  }
  if (problems.length) throw new Error(`rule annotations are incomplete:\n  ${problems.join('\n  ')}`);
  if (rules.length === 0) throw new Error('opa inspect found no rule under data.firewall.rules');
  return rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function readFirewallConfig(): FirewallConfig {
  const config = loadYaml(readFileSync(join(ROOT, CONFIG), 'utf8')) as Partial<FirewallConfig> | null;
  const environments = config?.environments;
  if (!environments || typeof environments !== 'object' || Object.keys(environments).length === 0) {
    throw new Error(`${CONFIG} lists no environments`);
  }
  return { environments, ...(typeof config.unknown_environment === 'string' ? { unknown_environment: config.unknown_environment } : {}) };
}

/** What a rule does in one environment (the engine's enforcementIn), in the README's words. */
export function ruleEnforcement(rule: RuleAnnotation, environment: EnvironmentConfig): { enforcement: Enforcement; severity: Severity } {
  const { enforcement, severity } = enforcementIn(rule.id, rule.severity, environment);
  return { enforcement: ({ deny: 'blocks', warn: 'warns', off: 'off' } as const)[enforcement], severity };
}

/** Table cells are one line, and a `|` would end the cell. */
function cell(value: string): string {
  return value.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

function paragraph(value: string): string {
  return value.replace(/\s+/g, ' ');
}

function enforcementCell(rule: RuleAnnotation, environment: EnvironmentConfig): string {
  const { enforcement, severity } = ruleEnforcement(rule, environment);
  const label = enforcement === 'blocks' ? '**blocks**' : enforcement;
  return severity === rule.severity || enforcement === 'off' ? label : `${label} (as ${severity})`;
}

/** The Markdown that goes between the README markers (no leading or trailing newline). */
export function renderRuleCatalog(): string {
  const rules = readRuleAnnotations();
  const config = readFirewallConfig();
  const environments = Object.keys(config.environments);
  const lines: string[] = [
    `<!-- Generated by scripts/rule-catalog.ts (make catalog) from each rule's # METADATA and ${CONFIG}: edit those, not this. -->`,
    '',
    `| Rule | Title | Category | Severity | ${environments.join(' | ')} | Controls |`,
    `| --- | --- | --- | --- | ${environments.map(() => '---').join(' | ')} | --- |`,
  ];
  for (const rule of rules) {
    const enforcement = environments.map((env) => enforcementCell(rule, config.environments[env]!));
    const controls = rule.controls.map((c) => `\`${c}\``).join(' ') || '—';
    lines.push(`| [${rule.id}](${rule.file}) | ${cell(rule.title)} | ${rule.category} | ${rule.severity} | ${enforcement.join(' | ')} | ${controls} |`);
  }
  const unknown = config.unknown_environment
    ? ` An environment not listed is enforced like \`${config.unknown_environment}\`.`
    : '';
  lines.push(
    '',
    `**blocks**: the deployment is denied; warns: reported under \`warn\`, the deployment goes ahead; ` +
      `off: the rule is switched off there. Enforcement per environment is set in [${CONFIG}](${CONFIG}).${unknown} ` +
      'Controls: the compliance controls each rule serves (`custom.controls`; `dfw report compliance` reports on them, see [docs/compliance.md](docs/compliance.md)).',
    '',
    '**What each rule checks, and how to fix a violation**',
    '',
  );
  for (const rule of rules) {
    lines.push(
      `- **${rule.id} — ${paragraph(rule.title).replace(/[.!?]$/, '')}.** ${paragraph(rule.description)}`,
      '',
      `  *Fix:* ${paragraph(rule.remediation)}`,
      '',
    );
  }
  return lines.join('\n').trimEnd();
}

/** What README.md holds between the markers, trimmed; undefined without both markers. */
export function catalogSection(readme: string): string | undefined {
  const start = readme.indexOf(CATALOG_START);
  const end = readme.indexOf(CATALOG_END, start + CATALOG_START.length);
  if (start < 0 || end < 0) return undefined;
  return readme.slice(start + CATALOG_START.length, end).trim();
}

function withCatalog(readme: string, catalog: string): string {
  const start = readme.indexOf(CATALOG_START) + CATALOG_START.length;
  const end = readme.indexOf(CATALOG_END, start);
  return `${readme.slice(0, start)}\n\n${catalog}\n\n${readme.slice(end)}`;
}

/** The first line where two texts differ, to say what is stale. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const have = actual.split('\n');
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    if (want[i] !== have[i]) return `first difference, line ${i + 1} of the catalog:\n  README:    ${have[i] ?? '(missing)'}\n  generated: ${want[i] ?? '(missing)'}`;
  }
  return '';
}

function main(args: string[]): number {
  const mode = args[0] ?? '--print';
  if (args.length > 1 || !['--print', '--write', '--check'].includes(mode)) {
    console.error('usage: node --import tsx scripts/rule-catalog.ts [--write | --check]');
    return 2;
  }
  const catalog = renderRuleCatalog();
  if (mode === '--print') {
    console.log(catalog);
    return 0;
  }
  const readme = existsSync(README) ? readFileSync(README, 'utf8') : undefined;
  const current = readme === undefined ? undefined : catalogSection(readme);
  if (readme === undefined || current === undefined) {
    const why = readme === undefined ? 'README.md does not exist' : `README.md lacks the markers ${CATALOG_START} and ${CATALOG_END}`;
    if (mode === '--check') {
      console.error(`rule catalog: ${why}, so its catalog cannot be current.`);
      return 1;
    }
    console.log(catalog);
    console.error(`\nrule catalog: ${why}; the catalog is printed above. Put it between ${CATALOG_START} and ${CATALOG_END} in README.md.`);
    return 0;
  }
  if (current === catalog) {
    console.log('README.md: the rule catalog is current.');
    return 0;
  }
  if (mode === '--check') {
    console.error(
      `README.md: the rule catalog is stale; run "make catalog" (node --import tsx scripts/rule-catalog.ts --write).\n` +
        firstDifference(catalog, current),
    );
    return 1;
  }
  writeFileSync(README, withCatalog(readme, catalog));
  console.log(`README.md: rule catalog updated.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
