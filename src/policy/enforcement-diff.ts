// What a bundle's enforcement data (data.firewall.config) makes of each environment, compared
// between two bundles (`dfw policy diff`) or between two environments of one (layer.ts: an
// unknown_environment weaker than production). Each difference says whether it weakens:
// fewer severities blocking, a rule off or lower, less signed evidence or a lower SLSA level
// required, more signers, builders or registries trusted. An environment a bundle does not
// list is decided as its unknown_environment (rego/firewall/decision.rego), trust included,
// so that is what it is compared as.
import { enforcementIn, type EnvironmentConfig } from '../engine/catalog.js';
import { canonicalJson, SEVERITIES, type Severity } from '../engine/index.js';

export interface EnforcementChange {
  /** Where: "unknown_environment", "environments.production.blocking", "trust.signers", … */
  key: string;
  /** "critical, high -> critical (high no longer blocks)". */
  change: string;
  /** The two values alone, when the change is one value for another. */
  before?: string;
  after?: string;
  /** True when deployments that were refused could now pass. */
  weakens: boolean;
}

interface TrustEnvironment {
  min_build_level?: number;
  verified_evidence?: string[];
}

/** data.firewall.config as a bundle carries it; every field may be absent or malformed. */
export interface EnforcementConfig {
  unknown_environment?: string;
  environments?: Record<string, EnvironmentConfig>;
  trust?: Record<string, unknown> & { environments?: Record<string, TrustEnvironment> };
}

export interface RuleSeverity {
  id: string;
  severity: Severity;
}

const RANK: Record<string, number> = { off: 0, warn: 1, deny: 2 };
const TRUST_LISTS = ['signers', 'builders', 'registries'] as const;

function unknownOf(config: EnforcementConfig): string {
  return typeof config.unknown_environment === 'string' ? config.unknown_environment : 'production';
}

/** The blocking severities the decision applies: a `blocking` that is not a list blocks everything (fail closed). */
function blockingOf(env: EnvironmentConfig | undefined): Severity[] {
  if (!env || !Array.isArray(env.blocking)) return [...SEVERITIES];
  return SEVERITIES.filter((s) => (env.blocking as unknown[]).includes(s));
}

function listed(values: string[]): string {
  return values.length ? values.join(', ') : 'nothing';
}

/** An environment's enforcement and trust as the decision reads them for `name` (its own, else unknown_environment's). */
function settingsOf(config: EnforcementConfig, name: string): { env: EnvironmentConfig | undefined; trust: TrustEnvironment | undefined; as: string } {
  const environments = config.environments ?? {};
  const trustEnvironments = config.trust?.environments ?? {};
  const as = Object.hasOwn(environments, name) ? name : unknownOf(config);
  const trustAs = Object.hasOwn(trustEnvironments, name) ? name : unknownOf(config);
  return { env: environments[as], trust: trustEnvironments[trustAs], as };
}

interface Settings {
  env: EnvironmentConfig | undefined;
  trust: TrustEnvironment | undefined;
}

function changed(key: string, before: string, after: string, weakens: boolean, note = ''): EnforcementChange {
  return { key, change: `${before} -> ${after}${note ? ` (${note})` : ''}`, before, after, weakens };
}

/**
 * How enforcement in `after` differs from `before`, each difference keyed under `at.env`
 * ("environments.production": .blocking, .rules.<id>) and `at.trust`
 * ("trust.environments.production": .min_build_level, .verified_evidence). `rules` are the
 * rules with their own severity, to judge each override by the deny / warn / off it gives.
 */
export function compareSettings(at: { env: string; trust: string }, before: Settings, after: Settings, rules: RuleSeverity[]): EnforcementChange[] {
  const changes: EnforcementChange[] = [];
  const was = blockingOf(before.env);
  const now = blockingOf(after.env);
  if (was.join() !== now.join()) {
    const dropped = was.filter((s) => !now.includes(s));
    changes.push(changed(`${at.env}.blocking`, listed(was), listed(now), dropped.length > 0, dropped.length ? `${dropped.join(', ')} no longer block${dropped.length === 1 ? 's' : ''}` : ''));
  }
  const overridden = [...new Set([...Object.keys(before.env?.rules ?? {}), ...Object.keys(after.env?.rules ?? {})])].sort();
  for (const id of overridden) {
    const a = JSON.stringify(before.env?.rules?.[id] ?? {});
    const b = JSON.stringify(after.env?.rules?.[id] ?? {});
    if (a === b) continue;
    const rule = rules.find((r) => r.id === id);
    // An override of a rule the bundle does not have decides nothing: reported, not judged.
    const weakens = rule ? weakensRule(rule, before.env, after.env) : false;
    changes.push(changed(`${at.env}.rules.${id}`, a === '{}' ? '(none)' : a, b === '{}' ? '(none)' : b, weakens));
  }
  const level = (t: TrustEnvironment | undefined) => (typeof t?.min_build_level === 'number' ? t.min_build_level : undefined);
  if (level(before.trust) !== level(after.trust)) {
    changes.push(changed(`${at.trust}.min_build_level`, String(level(before.trust) ?? '(none)'), String(level(after.trust) ?? '(none)'), (level(after.trust) ?? 0) < (level(before.trust) ?? 0)));
  }
  const kinds = (t: TrustEnvironment | undefined) => (Array.isArray(t?.verified_evidence) ? [...t.verified_evidence].sort() : []);
  if (kinds(before.trust).join() !== kinds(after.trust).join()) {
    const dropped = kinds(before.trust).filter((k) => !kinds(after.trust).includes(k));
    changes.push(changed(`${at.trust}.verified_evidence`, listed(kinds(before.trust)), listed(kinds(after.trust)), dropped.length > 0, dropped.length ? `${dropped.join(', ')} no longer required signed` : ''));
  }
  return changes;
}

/** Off where it warned or denied, warns where it denied, or a lower severity: each lets more through. */
function weakensRule(rule: RuleSeverity, before: EnvironmentConfig | undefined, after: EnvironmentConfig | undefined): boolean {
  const a = enforcementIn(rule.id, rule.severity, before ?? {});
  const b = enforcementIn(rule.id, rule.severity, after ?? {});
  return RANK[b.enforcement]! < RANK[a.enforcement]! || SEVERITIES.indexOf(b.severity) > SEVERITIES.indexOf(a.severity);
}

/** Entries of a trust list, keyed so that the same signer, builder or registry compares equal. */
function entries(list: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of Array.isArray(list) ? list : []) {
    const key = typeof item === 'string' ? item : typeof item === 'object' && item ? String((item as { name?: unknown; id?: unknown }).name ?? (item as { id?: unknown }).id ?? JSON.stringify(item)) : JSON.stringify(item);
    map.set(key, JSON.stringify(item));
  }
  return map;
}

/** Object keys in one order, so that two spellings of the same identity compare equal. */
const canonical = (value: unknown): string => canonicalJson(JSON.stringify(value) ?? 'null');

/**
 * A builder entry (id, level, identities) changed: it trusts more when it gains an identity,
 * claims a higher level, or changes anything else; dropping identities or lowering the level
 * only trusts less. Both arguments are an entry's JSON (entries()).
 */
function builderWeakens(beforeJson: string, afterJson: string): boolean {
  const before = JSON.parse(beforeJson) as unknown;
  const after = JSON.parse(afterJson) as unknown;
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return true;
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const identities = (entry: Record<string, unknown>) => new Set((Array.isArray(entry.identities) ? entry.identities : []).map(canonical));
  const had = identities(a);
  if ([...identities(b)].some((identity) => !had.has(identity))) return true;
  if (a.level !== b.level && !(typeof a.level === 'number' && typeof b.level === 'number' && b.level < a.level)) return true;
  const rest = (entry: Record<string, unknown>) => canonical(Object.fromEntries(Object.entries(entry).filter(([k]) => k !== 'identities' && k !== 'level')));
  return rest(a) !== rest(b);
}

/** Who is trusted: a signer, builder or registry added or widened trusts more (weakens); one removed trusts less. */
function compareTrustLists(before: EnforcementConfig['trust'], after: EnforcementConfig['trust']): EnforcementChange[] {
  const changes: EnforcementChange[] = [];
  for (const list of TRUST_LISTS) {
    const a = entries(before?.[list]);
    const b = entries(after?.[list]);
    for (const [key, value] of b) {
      if (!a.has(key)) changes.push({ key: `trust.${list}`, change: `+ ${value}`, weakens: true });
      else if (a.get(key) !== value) changes.push(changed(`trust.${list}`, a.get(key)!, value, list === 'builders' ? builderWeakens(a.get(key)!, value) : true));
    }
    for (const [key, value] of a) if (!b.has(key)) changes.push({ key: `trust.${list}`, change: `- ${value}`, weakens: false });
  }
  const predicates = (t: EnforcementConfig['trust']) => (t?.evidence_predicates && typeof t.evidence_predicates === 'object' ? (t.evidence_predicates as Record<string, unknown>) : {});
  for (const kind of [...new Set([...Object.keys(predicates(before)), ...Object.keys(predicates(after))])].sort()) {
    const a = (Array.isArray(predicates(before)[kind]) ? (predicates(before)[kind] as string[]) : []).slice().sort();
    const b = (Array.isArray(predicates(after)[kind]) ? (predicates(after)[kind] as string[]) : []).slice().sort();
    if (a.join() === b.join()) continue;
    changes.push(changed(`trust.evidence_predicates.${kind}`, listed(a), listed(b), b.some((type) => !a.includes(type))));
  }
  return changes;
}

const UNLISTED = { env: '(an environment not listed)', trust: 'trust.(an environment not listed)' };

/** Every enforcement difference between two bundles' data.firewall.config. */
export function compareEnforcement(before: EnforcementConfig, after: EnforcementConfig, rules: RuleSeverity[]): EnforcementChange[] {
  const changes: EnforcementChange[] = [];
  const unknownBefore = unknownOf(before);
  const unknownAfter = unknownOf(after);
  if (unknownBefore !== unknownAfter) {
    // What a name neither bundle lists, or a typo of one, is decided as.
    const unlisted = compareSettings(UNLISTED, settingsOf(before, unknownBefore), settingsOf(after, unknownAfter), rules);
    changes.push(changed('unknown_environment', unknownBefore, unknownAfter, unlisted.some((c) => c.weakens), `an environment not listed is decided as ${unknownAfter}`), ...unlisted);
  }
  const names = [...new Set([...Object.keys(before.environments ?? {}), ...Object.keys(after.environments ?? {}), ...Object.keys(before.trust?.environments ?? {}), ...Object.keys(after.trust?.environments ?? {})])].sort();
  for (const name of names) {
    const a = settingsOf(before, name);
    const b = settingsOf(after, name);
    const found = compareSettings({ env: `environments.${name}`, trust: `trust.environments.${name}` }, a, b, rules);
    if (a.as !== name && b.as === name) changes.push({ key: `environments.${name}`, change: `added (was decided as ${a.as})`, weakens: found.some((c) => c.weakens) });
    else if (a.as === name && b.as !== name) changes.push({ key: `environments.${name}`, change: `removed (now decided as ${b.as})`, weakens: found.some((c) => c.weakens) });
    changes.push(...found);
  }
  changes.push(...compareTrustLists(before.trust, after.trust));
  return changes;
}

/**
 * How environment `name` of one configuration is weaker than `reference` (production), one
 * reason each; empty when it blocks and requires at least as much. layer.ts refuses an
 * unknown_environment with any: a typo of an environment name would pass more than production.
 */
export function weakerThan(config: EnforcementConfig, name: string, reference: string, rules: RuleSeverity[]): string[] {
  const at = (env: string) => ({ env: config.environments?.[env], trust: config.trust?.environments?.[env] });
  return compareSettings({ env: `environments.${name}`, trust: `trust.environments.${name}` }, at(reference), at(name), rules)
    .filter((c) => c.weakens)
    .map((c) => `${c.key} ${c.after} where ${reference} has ${c.before}`);
}
