// Lays a team's repository over dfw's built-in pack in one staging folder that OPA reads as
// one bundle: the pack's decision, lib and rules (tests and its example freeze calendar left
// out), the merged enforcement data at firewall/config, the windows of the team's own
// freezes.yaml, and the team's files under firewall/rules/<team>/. The decision
// gathers data.firewall.rules[_][_].deny, so the team's package firewall.rules.<team>.<rule>
// is picked up by the same entrypoint with no change to it — and a deny in any other package
// shape is never read, so it is refused here (rule-shape.ts).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import yaml from 'js-yaml';
import { SEVERITIES, type Severity } from '../engine/index.js';
import { builtinPack, type BuiltinPack } from './package-root.js';
import { mergeEnforcement, readBuiltinEnforcement, readEnforcement, referencedRules, unverifiableRequirements, type EnforcementData } from './enforcement.js';
import { inspectRules, type DeclaredRule, type Inventory } from './inventory.js';
import { weakerThan, type EnforcementConfig } from './enforcement-diff.js';
import { FreezeCalendarError } from '../compliance/freeze/errors.js';
import { expandCalendarFile } from '../compliance/freeze/files.js';
import { serializeFreezeWindows } from '../compliance/freeze/windows-file.js';
import { PolicyProjectError } from './errors.js';
import { misplacedDenies } from './rule-shape.js';
import type { PolicyProject } from './project.js';

export interface Layered {
  project: PolicyProject;
  pack: BuiltinPack;
  /** The staging folder (a bundle root). */
  dir: string;
  /** The team's rule files, relative to the staging folder. */
  teamDir: string;
  builtinRules: DeclaredRule[];
  teamRules: DeclaredRule[];
  /** Built-in categories (firewall.rules.<category>), which a team name may not take. */
  builtinCategories: string[];
  enforcement: EnforcementData;
  /** Problems that make the layering invalid, each naming a file (and line). */
  problems: string[];
  /** Rewrites staging paths in OPA's output to the paths people know. */
  display(text: string): string;
  dispose(): void;
}

function regoFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.rego')).sort();
}

function packFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** deny rules written without a METADATA block right above them (OPA inspect cannot see those). */
function unannotatedDenies(file: string, shown: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const problems: string[] = [];
  lines.forEach((line, i) => {
    if (!/^deny\b/.test(line)) return;
    let j = i - 1;
    while (j >= 0 && lines[j]!.startsWith('#') && lines[j]!.trim() !== '# METADATA') j--;
    if (j < 0 || lines[j]!.trim() !== '# METADATA') problems.push(`${shown}:${i + 1}: deny has no # METADATA block (title and custom: id, severity, category, remediation)`);
  });
  return problems;
}

/**
 * A team's unknown_environment must name an environment the merged data lists, at least as
 * strict as production: it decides every environment name dfw does not know, a typo
 * ("prodution") included, so a lenient one would let such a deployment through what
 * production blocks — and nothing in the rule catalog would show it.
 */
function unknownEnvironmentProblems(team: EnforcementData, merged: EnforcementData, rules: DeclaredRule[], shown: string): string[] {
  const target = team.unknown_environment;
  if (target === undefined || target === 'production') return [];
  const listed = Object.keys(merged.environments ?? {});
  if (!listed.includes(target)) return [`${shown}: unknown_environment: ${target} is not an environment (listed: ${listed.join(', ')}); leave it out to decide unlisted environments as production`];
  const severities: readonly string[] = SEVERITIES;
  const judged = rules.filter((r) => severities.includes(r.severity)).map((r) => ({ id: r.id, severity: r.severity as Severity }));
  const weaker = weakerThan(merged as EnforcementConfig, target, 'production', judged);
  if (!weaker.length) return [];
  return [
    `${shown}: unknown_environment: ${target} is weaker than production, so an environment name dfw does not know (a typo such as "prodution") would pass what production blocks: ` +
      `${weaker.join('; ')}. Leave unknown_environment out (production), or name an environment at least as strict as production`,
  ];
}

// The pack's calendar is dfw's example (storefront freezes), not the team's: its source, its
// .ics imports and the windows generated from them stay out of a team's bundle.
const EXAMPLE_WINDOWS = `${join('config', 'freeze_windows')}${sep}`;
function isExampleCalendar(file: string): boolean {
  return file === join('config', 'freezes.yaml') || file.startsWith(EXAMPLE_WINDOWS) || (dirname(file) === 'config' && file.endsWith('.ics'));
}

/**
 * Expands the team's freezes.yaml, as `dfw freeze expand` does, into the bundle's
 * data.firewall.config.freeze_windows, which DFW-CHANGE-002 reads. No file, nothing written:
 * the rule then finds no calendar and no freeze covers anything. A calendar that cannot be
 * expanded is a problem naming the file, not a bundle without the team's freezes.
 */
function writeTeamFreezes(project: PolicyProject, dir: string): string[] {
  if (!existsSync(project.freezesFile)) return [];
  const shown = relative(process.cwd(), project.freezesFile) || project.freezesFile;
  const output = join(dir, 'firewall', 'config', 'freeze_windows', 'data.json');
  try {
    const { data } = expandCalendarFile({ source: project.freezesFile, output }, new Date());
    const about = `Generated by \`dfw policy build\` from ${relative(project.root, project.freezesFile)} and its .ics imports. Windows are UTC, start inclusive, end exclusive; DFW-CHANGE-002 cannot verify a request outside the horizon.`;
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, serializeFreezeWindows({ ...data, about }));
    return [];
  } catch (err) {
    if (!(err instanceof FreezeCalendarError)) throw err;
    return [err.message.replaceAll(project.freezesFile, shown)];
  }
}

export function checkPin(project: PolicyProject, pack: BuiltinPack): void {
  if (project.builtinVersion === pack.version) return;
  throw new PolicyProjectError(
    `dfw-policy.yaml pins the built-in pack ${project.builtinVersion}, but this dfw ships ${pack.version}: ` +
      `install that version ("npm install -g dfw@${project.builtinVersion}"), or review what changed with ` +
      `"dfw policy diff" and set builtin.version: ${pack.version}`,
  );
}

/** Stages the layered sources and runs the layering checks. Call dispose() when done. */
export function layer(project: PolicyProject, opa: string, pack: BuiltinPack = builtinPack()): Layered {
  checkPin(project, pack);
  if (!existsSync(project.policyDir)) throw new PolicyProjectError(`${project.policyDir} does not exist: dfw-policy.yaml "policy" names the folder of the team's .rego files`);
  const dir = mkdtempSync(join(tmpdir(), 'dfw-policy-'));
  try {
    const builtinFirewall = join(pack.regoDir, 'firewall');
    // Every file of the pack but its tests and the enforcement data merged below: rules,
    // lib and any other data the rules read (data.json / data.yaml in sub-folders).
    for (const file of packFiles(builtinFirewall)) {
      if (file.endsWith('_test.rego') || join(builtinFirewall, file) === pack.dataFile || isExampleCalendar(file)) continue;
      mkdirSync(dirname(join(dir, 'firewall', file)), { recursive: true });
      cpSync(join(builtinFirewall, file), join(dir, 'firewall', file));
    }
    const teamDir = join('firewall', 'rules', project.team);
    for (const file of regoFiles(project.policyDir)) {
      mkdirSync(dirname(join(dir, teamDir, file)), { recursive: true });
      cpSync(join(project.policyDir, file), join(dir, teamDir, file));
    }
    const teamEnforcement = readEnforcement(project.enforcementFile, { optional: true });
    const enforcement = mergeEnforcement(readBuiltinEnforcement(pack.dataFile), teamEnforcement);
    mkdirSync(join(dir, 'firewall', 'config'), { recursive: true });
    writeFileSync(join(dir, 'firewall', 'config', 'data.json'), `${JSON.stringify(enforcement, null, 2)}\n`);
    const calendarProblem = writeTeamFreezes(project, dir);

    const policyShown = relative(process.cwd(), project.policyDir) || '.';
    const display = (text: string) =>
      text
        .replaceAll(`${join(dir, teamDir)}${sep}`, `${policyShown}${sep}`)
        .replaceAll(`${dir}${sep}`, `${pack.regoDir}${sep}`);

    const builtin: Inventory = inspectRules(opa, ['firewall'], pack.regoDir, (f) => join(pack.regoDir, f));
    // A team file that does not parse is reported by the check step with file and line;
    // here it only means the layering cannot be judged yet.
    let team: Inventory;
    try {
      team = inspectRules(opa, [project.policyDir], process.cwd(), (f) => relative(process.cwd(), f) || f);
    } catch (err) {
      team = { packages: {}, rules: [], problems: [`the team's rules cannot be read: ${(err as Error).message}`] };
    }
    const builtinCategories = [...new Set(builtin.rules.map((r) => r.package.split('.')[2]!))].sort();
    const enforcementShown = relative(process.cwd(), project.enforcementFile);
    const problems = [...team.problems, ...calendarProblem, ...unverifiableRequirements(enforcement).map((problem) => `${enforcementShown}: ${problem}`)];
    if (builtinCategories.includes(project.team)) {
      problems.push(`dfw-policy.yaml: team "${project.team}" is a built-in category (firewall.rules.${project.team}); choose another team name`);
    }
    const ns = `firewall.rules.${project.team}.`;
    for (const [pkg, files] of Object.entries(team.packages)) {
      // firewall.rules.<team> itself is judged by misplacedDenies below, with its line.
      if (!pkg.startsWith(ns) && pkg !== `firewall.rules.${project.team}`) problems.push(`${files.join(', ')}: package ${pkg} is outside the team's namespace; use package ${ns}<rule>`);
    }
    const ruleFiles = regoFiles(project.policyDir).filter((file) => !file.endsWith('_test.rego')).map((file) => join(project.policyDir, file));
    problems.push(...misplacedDenies(opa, project.team, ruleFiles));
    for (const file of ruleFiles) problems.push(...unannotatedDenies(file, relative(process.cwd(), file)));
    const builtinById = new Map(builtin.rules.map((r) => [r.id, r]));
    const seen = new Map<string, DeclaredRule>();
    for (const rule of team.rules) {
      const clash = builtinById.get(rule.id);
      if (clash) problems.push(`rule id ${rule.id} in ${rule.at} collides with the built-in rule ${clash.id} in ${clash.at}; give the team's rule its own id`);
      const twice = seen.get(rule.id);
      if (twice) problems.push(`rule id ${rule.id} is declared twice: ${twice.at} and ${rule.at}`);
      seen.set(rule.id, rule);
    }
    problems.push(...unknownEnvironmentProblems(teamEnforcement, enforcement, [...builtin.rules, ...team.rules], enforcementShown));
    const known = new Set([...builtinById.keys(), ...seen.keys()]);
    const readable = !team.problems.some((p) => p.startsWith("the team's rules cannot be read"));
    for (const { environment, rule } of readable ? referencedRules(teamEnforcement) : []) {
      if (!known.has(rule)) problems.push(`${enforcementShown}: environments.${environment}.rules.${rule} names no rule (built-in or the team's)`);
    }
    return {
      project,
      pack,
      dir,
      teamDir,
      builtinRules: builtin.rules,
      teamRules: team.rules,
      builtinCategories,
      enforcement,
      problems,
      display,
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The enforcement data as YAML, for `dfw policy build` to show what it merged. */
export function enforcementYaml(enforcement: EnforcementData): string {
  return yaml.dump(enforcement, { lineWidth: 120 });
}
