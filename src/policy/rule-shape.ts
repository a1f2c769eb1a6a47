// Where a team's deny rules must live for dfw's decision to run them. The entrypoint
// (rego/firewall/decision.rego) gathers `data.firewall.rules[category][rule].deny`: exactly
// two levels below firewall.rules. A deny one package deeper (firewall.rules.acme.prod.x),
// directly in firewall.rules.<team>, or declared through a ref head (`x.deny contains …`)
// compiles, passes its own tests and is listed in the catalog, yet never decides anything.
// Read from OPA's own parse of each file (`opa parse`, with locations), never a regex.
import { basename, relative } from 'node:path';
import { runOpa } from './opa-binary.js';

interface Term {
  type: string;
  value: unknown;
}

interface ParsedModule {
  package?: { path?: Term[]; location?: { row?: number } };
  rules?: Array<{ head?: { ref?: Term[]; name?: string }; location?: { row?: number } }>;
}

/** A ref's terms as names: data.firewall.rules.acme.x -> ["firewall", "rules", "acme", "x"]. */
function names(terms: Term[]): string[] {
  return terms.map((t) => (typeof t.value === 'string' ? t.value : JSON.stringify(t.value))).filter((name, i) => !(i === 0 && name === 'data'));
}

/** "prod.approved_deployer" -> "prod_approved_deployer": a suggestion that keeps the name's parts. */
function flattened(parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * Problems, one per package whose deny the decision would never read (and the bare
 * firewall.rules.<team> package), each naming file:line and the package shape that runs.
 * `files` are absolute paths of the team's non-test .rego files; a file OPA cannot parse
 * is left to the check step, which reports it with its line.
 */
export function misplacedDenies(opa: string, team: string, files: string[]): string[] {
  const problems: string[] = [];
  const expected = `firewall.rules.${team}.<rule>`;
  for (const file of files) {
    const r = runOpa(opa, ['parse', '--format', 'json', '--json-include', 'locations,-comments', file]);
    if (r.status !== 0) continue;
    let module: ParsedModule;
    try {
      module = JSON.parse(r.stdout) as ParsedModule;
    } catch {
      continue;
    }
    const pkg = names(module.package?.path ?? []);
    // Outside firewall.rules.<team> is refused by the namespace check already.
    if (pkg[0] !== 'firewall' || pkg[1] !== 'rules' || pkg[2] !== team) continue;
    const shown = relative(process.cwd(), file) || file;
    const packageRow = module.package?.location?.row ?? 1;
    const denies = (module.rules ?? []).filter((rule) => names(rule.head?.ref ?? []).at(-1) === 'deny');
    const rows = [...new Set(denies.map((rule) => rule.location?.row ?? packageRow))].sort((a, b) => a - b);
    const at = `deny at line${rows.length === 1 ? '' : 's'} ${rows.join(', ')}`;
    const decisionReads = "dfw's decision reads data.firewall.rules.<category>.<rule>.deny, exactly two levels below firewall.rules";
    if (pkg.length === 3) {
      const suggestion = `firewall.rules.${team}.${flattened([basename(file, '.rego')])}`;
      problems.push(
        denies.length
          ? `${shown}:${packageRow}: package firewall.rules.${team} declares deny directly (${at}), which never runs: ${decisionReads}; put each rule in its own package ${expected} (e.g. ${suggestion})`
          : `${shown}:${packageRow}: package firewall.rules.${team} is the team's namespace itself; use package ${expected} (e.g. ${suggestion})`,
      );
      continue;
    }
    if (!denies.length) continue;
    if (pkg.length > 4) {
      problems.push(
        `${shown}:${packageRow}: package ${pkg.join('.')} is ${pkg.length - 4} level${pkg.length - 4 === 1 ? '' : 's'} too deep: its ${at} never runs, because ${decisionReads}; ` +
          `use package ${expected} (e.g. firewall.rules.${team}.${flattened(pkg.slice(3))}; sub-folders of policy/ are fine, the package is what counts)`,
      );
      continue;
    }
    // The package has the right shape; a ref head (`sub.deny contains …`) moves deny deeper still.
    for (const rule of denies) {
      const ref = names(rule.head?.ref ?? []);
      if (ref.length === 1) continue;
      problems.push(
        `${shown}:${rule.location?.row ?? packageRow}: rule ${ref.join('.')} puts deny at ${[...pkg, ...ref].join('.')}, which never runs: ${decisionReads}; ` +
          `declare it as plain "deny contains …" in its own package ${expected}`,
      );
    }
  }
  return problems;
}
