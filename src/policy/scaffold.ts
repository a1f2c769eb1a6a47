// `dfw policy init [dir]`: a new policy repository from templates/policy-repo (inside the
// dfw package): one example rule with its tests, examples, the enforcement file, a
// .gitignore and a CI workflow. It passes `dfw policy test` as written.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { PolicyProjectError } from './errors.js';
import { PINNED_OPA_VERSION } from './opa-binary.js';
import { builtinPack, dfwRoot, dfwVersion } from './package-root.js';
import { PROJECT_FILE } from './project.js';

export interface InitOptions {
  /** The namespace: package firewall.rules.<team>.<rule>. Default: from the folder name. */
  team?: string;
}

export interface InitResult {
  dir: string;
  team: string;
  ruleId: string;
  files: string[];
}

// npm leaves .gitignore out of packages and some tools hide dot-folders, so the templates
// carry these names with an underscore instead.
const RENAMES: Record<string, string> = { _gitignore: '.gitignore', _github: '.github' };

/** A team name from a folder name: "acme-policy" -> "acme_policy"; must start with a letter. */
export function teamFromFolder(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return /^[a-z]/.test(name) ? name : `team_${name}`.slice(0, 40).replace(/_+$/, '') || 'team';
}

/**
 * The examples start from dfw's own compliant request (examples/compliant.allow.json in the
 * package), so they pass every built-in rule of the very pack version the repository pins.
 */
function exampleFiles(ruleId: string): Array<{ name: string; body: Record<string, unknown> }> {
  const compliant = JSON.parse(readFileSync(join(dfwRoot(), 'examples', 'compliant.allow.json'), 'utf8')) as Record<string, unknown>;
  const other = { ...structuredClone(compliant), requested_by: 'bob-laptop' };
  return [
    {
      name: 'approved-deployer.json',
      body: { description: 'A compliant deployment by Spinnaker: the built-in rules and ours allow it.', request: compliant, expect: { allow: true, deny: [], warn: [] } },
    },
    {
      name: 'unapproved-deployer.json',
      body: { description: `The same deployment made from a laptop: ${ruleId} blocks it in production.`, request: other, expect: { allow: false, deny: [ruleId] } },
    },
    {
      name: 'unapproved-deployer-staging.json',
      body: { description: `In staging, enforcement.yaml lowers ${ruleId} to medium: it warns instead of blocking.`, environment: 'staging', request: other, expect: { allow: true, deny: [], warn: [ruleId] } },
    },
  ];
}

/** The built-in pack's categories: the folders of rego/firewall/rules (package firewall.rules.<category>.<rule>). */
function builtinCategories(): string[] {
  const rules = join(builtinPack().regoDir, 'firewall', 'rules');
  return readdirSync(rules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function templateFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

export function initPolicyRepo(target: string, options: InitOptions = {}): InitResult {
  const dir = resolve(target);
  const team = options.team ?? teamFromFolder(dir);
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(team)) throw new PolicyProjectError(`team "${team}" must be lower-case letters, digits and _, starting with a letter (it becomes package firewall.rules.${team})`);
  // `dfw policy test` and `build` refuse such a team (layer.ts); refused here before any file is written.
  const categories = builtinCategories();
  if (categories.includes(team)) {
    throw new PolicyProjectError(
      `team "${team}"${options.team ? '' : ` (from the folder name ${basename(dir)})`} is a built-in category of dfw's rule pack (firewall.rules.${team}); ` +
        `choose another with --team <name> (the built-in categories: ${categories.join(', ')})`,
    );
  }
  if (existsSync(join(dir, PROJECT_FILE))) throw new PolicyProjectError(`${join(dir, PROJECT_FILE)} already exists: ${dir} is a policy repository already`);
  const ruleId = `${team.toUpperCase().replace(/_/g, '-')}-CD-001`;
  const values: Record<string, string> = { team, ID: ruleId, version: dfwVersion(), opa_version: PINNED_OPA_VERSION.slice(1) };
  const templates = join(dfwRoot(), 'templates', 'policy-repo');
  const planned = templateFiles(templates).map((f) => ({ from: join(templates, f), to: join(dir, f.split('/').map((p) => RENAMES[p] ?? p).join('/')) }));
  const examples = exampleFiles(ruleId).map((e) => ({ to: join(dir, 'examples', e.name), text: `${JSON.stringify(e.body, null, 2)}\n` }));
  const clashes = [...planned, ...examples].filter((p) => existsSync(p.to)).map((p) => relative(dir, p.to));
  if (clashes.length) throw new PolicyProjectError(`${dir} already has ${clashes.join(', ')}; init writes into an empty folder or one without these files`);
  const writes = [...planned.map(({ from, to }) => ({ to, text: readFileSync(from, 'utf8').replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole) })), ...examples];
  for (const { to, text } of writes) {
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, text);
  }
  return { dir, team, ruleId, files: writes.map((p) => relative(dir, p.to)) };
}
