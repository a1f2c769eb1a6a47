// A security team's policy repository: dfw-policy.yaml at its root says the team's
// namespace, the built-in pack version it is pinned to, where rules, examples, the
// enforcement file and the freeze calendar are, and the coverage threshold. Validated here,
// trusted after.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv2020Import from 'ajv/dist/2020.js';
import yaml from 'js-yaml';
import { PolicyProjectError } from './errors.js';
import { onFirstUse } from '../shared/on-first-use.js';

export const PROJECT_FILE = 'dfw-policy.yaml';

export interface PolicyProject {
  /** The repository root (where dfw-policy.yaml is). */
  root: string;
  /** Rules live in package firewall.rules.<team>.<rule>. */
  team: string;
  /** The built-in pack version (= dfw version) this repository is tested and built against. */
  builtinVersion: string;
  /** Folders and files, absolute. */
  policyDir: string;
  examplesDir: string;
  enforcementFile: string;
  /** The team's deploy-freeze calendar (docs/freeze.md); its .ics imports sit beside it. */
  freezesFile: string;
  outputDir: string;
  coverage: number;
  bundleName: string;
  /**
   * How `dfw policy test` verifies the signatures and attestations examples carry: the
   * shape of dfw.yaml's collectors.signatures, paths resolved against the repository root.
   * Absent: dfw's embedded example keys, as a dfw without collectors.signatures.
   */
  signatures?: ExampleSignatures;
}

export interface ExampleSignatures {
  keys?: string[];
  trusted_root?: string;
  ctlog_threshold?: number;
}

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['team', 'builtin'],
  properties: {
    team: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' },
    builtin: {
      type: 'object',
      additionalProperties: false,
      required: ['version'],
      properties: { version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$' } },
    },
    policy: { type: 'string', minLength: 1 },
    examples: { type: 'string', minLength: 1 },
    enforcement: { type: 'string', minLength: 1 },
    freezes: { type: 'string', minLength: 1 },
    coverage: { type: 'number', minimum: 0, maximum: 100 },
    bundle: {
      type: 'object',
      additionalProperties: false,
      properties: { name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' }, output: { type: 'string', minLength: 1 } },
    },
    signatures: {
      type: 'object',
      additionalProperties: false,
      properties: {
        keys: { type: 'array', items: { type: 'string', minLength: 1 } },
        trusted_root: { type: 'string', minLength: 1 },
        ctlog_threshold: { type: 'integer', minimum: 0 },
      },
    },
  },
} as const;

interface RawProject {
  team: string;
  builtin: { version: string };
  policy?: string;
  examples?: string;
  enforcement?: string;
  freezes?: string;
  coverage?: number;
  bundle?: { name?: string; output?: string };
  signatures?: ExampleSignatures;
}

const projectValidator = onFirstUse(() => new Ajv2020Import.default({ allErrors: true, strict: false }).compile<RawProject>(SCHEMA));

/** dfw-policy.yaml in `dir` or the nearest folder above it. */
export function findProjectFile(dir: string): string {
  let at = resolve(dir);
  for (;;) {
    const candidate = join(at, PROJECT_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(at);
    if (parent === at) throw new PolicyProjectError(`no ${PROJECT_FILE} in ${resolve(dir)} or any folder above it: run "dfw policy init" to create a policy repository`);
    at = parent;
  }
}

export function loadProject(dir: string): PolicyProject {
  const file = findProjectFile(dir);
  let raw: unknown;
  try {
    raw = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    throw new PolicyProjectError(`${file}: ${(err as Error).message}`);
  }
  const validate = projectValidator();
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const key = e.instancePath.split('/').slice(1).join('.');
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'additionalProperties') return `unknown key "${key ? `${key}.` : ''}${params.additionalProperty}"`;
      if (e.keyword === 'required') return `${key ? `${key}.` : ''}${params.missingProperty} is required`;
      if (key === 'team' && e.keyword === 'pattern') return 'team must be lower-case letters, digits and _ (it becomes the package firewall.rules.<team>)';
      return `${key || '(top level)'} ${e.message}`;
    });
    throw new PolicyProjectError(`${file}: ${problems.join('; ')}`);
  }
  const root = dirname(file);
  return {
    root,
    team: raw.team,
    builtinVersion: raw.builtin.version,
    policyDir: resolve(root, raw.policy ?? 'policy'),
    examplesDir: resolve(root, raw.examples ?? 'examples'),
    enforcementFile: resolve(root, raw.enforcement ?? 'enforcement.yaml'),
    freezesFile: resolve(root, raw.freezes ?? 'freezes.yaml'),
    outputDir: resolve(root, raw.bundle?.output ?? 'build'),
    coverage: raw.coverage ?? 90,
    bundleName: raw.bundle?.name ?? 'firewall',
    ...(raw.signatures ? { signatures: resolveSignatures(raw.signatures, root) } : {}),
  };
}

// Key and trusted-root paths are the repository's; PEM text given inline is kept.
function resolveSignatures(s: ExampleSignatures, root: string): ExampleSignatures {
  const keys = s.keys?.map((k) => (k.trimStart().startsWith('-----BEGIN') ? k : resolve(root, k)));
  return { ...s, ...(keys ? { keys } : {}), ...(s.trusted_root ? { trusted_root: resolve(root, s.trusted_root) } : {}) };
}
