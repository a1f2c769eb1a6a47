// The rule catalog of a bundle: each rule's METADATA annotation (read from the .rego
// sources the bundle carries) and its enforcement per environment (from the bundle's
// data at firewall.config). GET /v1/rules serves it; the README table is checked
// against OPA's own `opa inspect -a`, so the two readings cannot drift.
import yaml from 'js-yaml';
import type { Bundle } from './bundle/load.js';
import { SEVERITIES, type Severity } from './types.js';

export type Enforcement = 'deny' | 'warn' | 'off';

export interface RuleEntry {
  id: string;
  title: string;
  description: string;
  category: string;
  severity: Severity;
  remediation: string;
  /**
   * Compliance controls the rule serves, "<FRAMEWORK>:<control>" (METADATA custom.controls),
   * sorted; always set by ruleCatalog ([] when the rule names none).
   */
  controls?: string[];
  /** Rego package the rule lives in, e.g. firewall.rules.git.branch_protection. */
  package: string;
  /** Per environment listed in bundle data: the effective severity and what it does there. */
  enforcement: Record<string, { enforcement: Enforcement; severity: Severity }>;
}

export interface RuleCatalog {
  rules: RuleEntry[];
  environments: string[];
  /** The environment whose enforcement applies to names the bundle does not list. */
  unknown_environment: string;
}

export interface EnvironmentConfig {
  blocking?: unknown;
  rules?: Record<string, { enabled?: boolean; severity?: string }>;
}

const decoder = new TextDecoder();

/** The YAML of every `# METADATA` comment block that precedes a `deny` rule. */
function denyAnnotations(source: string): Array<{ pkg: string; meta: Record<string, unknown> }> {
  const lines = source.split('\n');
  const pkg = /^package\s+([\w.]+)/m.exec(source)?.[1] ?? '';
  const found: Array<{ pkg: string; meta: Record<string, unknown> }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '# METADATA') continue;
    const block: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.startsWith('#'); j++) block.push(lines[j]!.replace(/^# ?/, ''));
    if (!/^deny\b/.test(lines[j] ?? '')) continue;
    const meta = yaml.load(block.join('\n'));
    if (meta && typeof meta === 'object') found.push({ pkg, meta: meta as Record<string, unknown> });
  }
  return found;
}

/** custom.controls as METADATA writes it: a list of "<FRAMEWORK>:<control>" strings; anything else is left out. */
function controlsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((c): c is string => typeof c === 'string' && c.includes(':')).map((c) => c.trim()))].sort();
}

/**
 * Annotation text written as a YAML block scalar keeps the comment's hard line breaks
 * ("…patched base\nimage…"). Joined here into paragraphs (a blank line still separates
 * them, and a line starting a list item still starts one), so the API and SARIF viewers
 * wrap the text themselves.
 */
export function unwrapParagraphs(text: string): string {
  return text
    .trim()
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/[ \t]*\n[ \t]*(?!(?:[-*+]|\d+[.)])[ \t])/g, ' '))
    .join('\n\n');
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/**
 * What a rule does in one environment, as rego/firewall/decision.rego decides it: off when
 * the environment disables it, else deny when its severity (after the environment's
 * override) is in `blocking`; a `blocking` that is not a list blocks everything.
 */
export function enforcementIn(ruleId: string, severity: Severity, environment: EnvironmentConfig): { enforcement: Enforcement; severity: Severity } {
  const override = environment.rules?.[ruleId] ?? {};
  const effective = isSeverity(override.severity) ? override.severity : severity;
  const blocking: readonly unknown[] = Array.isArray(environment.blocking) ? environment.blocking : SEVERITIES;
  return { severity: effective, enforcement: override.enabled === false ? 'off' : blocking.includes(effective) ? 'deny' : 'warn' };
}

/** The bundle's enforcement settings, data.firewall.config (rego/firewall/config/data.yaml). */
export function firewallConfig(bundle: Bundle): { environments?: Record<string, EnvironmentConfig>; unknown_environment?: string } {
  return ((bundle.data.firewall as Record<string, unknown> | undefined)?.config ?? {}) as {
    environments?: Record<string, EnvironmentConfig>;
    unknown_environment?: string;
  };
}

// A loaded bundle never changes, so its catalog is built once (GET /v1/rules asks often).
const catalogs = new WeakMap<Bundle, RuleCatalog>();

/** The catalog of a loaded bundle. Rules without a custom.id are not listed. Do not mutate it: it is shared. */
export function ruleCatalog(bundle: Bundle): RuleCatalog {
  let catalog = catalogs.get(bundle);
  if (!catalog) {
    catalog = buildCatalog(bundle);
    catalogs.set(bundle, catalog);
  }
  return catalog;
}

function buildCatalog(bundle: Bundle): RuleCatalog {
  const config = firewallConfig(bundle);
  const environments = config.environments ?? {};
  const rules: RuleEntry[] = [];
  for (const [name, bytes] of bundle.files) {
    if (!name.endsWith('.rego')) continue;
    for (const { pkg, meta } of denyAnnotations(decoder.decode(bytes))) {
      const custom = (meta.custom ?? {}) as Record<string, unknown>;
      if (typeof custom.id !== 'string' || !isSeverity(custom.severity)) continue;
      const severity = custom.severity;
      const enforcement: RuleEntry['enforcement'] = {};
      for (const [env, envConfig] of Object.entries(environments)) enforcement[env] = enforcementIn(custom.id, severity, envConfig);
      rules.push({
        id: custom.id,
        title: String(meta.title ?? ''),
        description: unwrapParagraphs(String(meta.description ?? '')),
        category: String(custom.category ?? ''),
        severity,
        remediation: unwrapParagraphs(String(custom.remediation ?? '')),
        controls: controlsOf(custom.controls),
        package: pkg,
        enforcement,
      });
    }
  }
  rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { rules, environments: Object.keys(environments).sort(), unknown_environment: config.unknown_environment ?? 'production' };
}
