// The enforcement data of a layered bundle: dfw's built-in data.yaml (data.firewall.config)
// with the team's enforcement file laid over it — per environment, `blocking` replaces the
// built-in list, and each rule's `enabled`/`severity` is set one rule at a time — so a team
// writes only what it changes, and a new dfw version's defaults still reach it. The team's
// `trust` section replaces the built-in trust policy's keys it names (signers, builders, …),
// and its `environments` are laid over the built-in ones per environment.
import { existsSync, readFileSync } from 'node:fs';
import Ajv2020Import from 'ajv/dist/2020.js';
import yaml from 'js-yaml';
import { PREDICATE_KINDS } from '../collect/trust/predicate-evidence.js';
import { EVIDENCE_KINDS, type EvidenceKind } from '../evidence/types.js';
import { PolicyProjectError } from './errors.js';
import { onFirstUse } from '../shared/on-first-use.js';

const SEVERITY = { enum: ['critical', 'high', 'medium', 'low'] } as const;

const STRINGS = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

// The kinds an environment may require signed (DFW-SIGN-002): those dfw reads from some
// attestation's predicate. Requiring another (workflows, or signatures themselves) would deny
// every deployment to the environment.
const VERIFIABLE_KINDS = EVIDENCE_KINDS.filter((kind) => Object.values(PREDICATE_KINDS).some((kinds) => kinds.includes(kind)));

// A signer's identity, as trust.signers and trust.builders[].identities name it: a key by
// fingerprint, or a certificate issuer and subject pattern.
const IDENTITY = {
  key: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
  issuer: { type: 'string', minLength: 1 },
  // Anchored: the rules match it with regex.match, which finds a pattern anywhere, so
  // an unanchored subject would also trust another repository's workflow.
  subject: { type: 'string', pattern: '^\\^.*\\$$' },
} as const;

// The supply-chain trust policy (data.firewall.config.trust, docs/supply-chain.md): a team
// names its own signers, builders and registries; each key given replaces the built-in one
// (environments: per environment).
const TRUST = {
  type: 'object',
  additionalProperties: false,
  properties: {
    signers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'images'],
        properties: {
          name: { type: 'string', minLength: 1 },
          ...IDENTITY,
          images: STRINGS,
          environments: STRINGS,
          roles: { type: 'array', items: { enum: ['image', 'provenance', 'evidence'] } },
        },
      },
    },
    // The builder id is a field of the signed provenance: an entry credits its level only to
    // the identities it names (DFW-PROV-001), so an entry without them is refused here
    // rather than silently crediting no one.
    builders: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'level', 'identities'],
        properties: {
          id: { type: 'string', minLength: 1 },
          level: { type: 'integer', minimum: 0, maximum: 4 },
          identities: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', additionalProperties: false, anyOf: [{ required: ['key'] }, { required: ['issuer', 'subject'] }], properties: IDENTITY },
          },
        },
      },
    },
    registries: STRINGS,
    evidence_predicates: { type: 'object', additionalProperties: STRINGS },
    // Per environment, laid over the built-in entry of that name (mergeEnforcement): a wrong
    // type here would silently require nothing, so every field is checked.
    environments: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          min_build_level: { type: 'integer', minimum: 0, maximum: 4 },
          verified_evidence: { type: 'array', uniqueItems: true, items: { enum: VERIFIABLE_KINDS } },
        },
      },
    },
  },
} as const;

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    trust: TRUST,
    unknown_environment: { type: 'string', minLength: 1 },
    environments: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          blocking: { type: 'array', uniqueItems: true, items: SEVERITY },
          rules: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              properties: { enabled: { type: 'boolean' }, severity: SEVERITY },
            },
          },
        },
      },
    },
  },
} as const;

export interface RuleOverride {
  enabled?: boolean;
  severity?: string;
}

export interface EnforcementData {
  /** Laid over the built-in trust key by key (signers, builders, registries, …): each given replaces the built-in one; environments per environment. */
  trust?: Record<string, unknown>;
  unknown_environment?: string;
  environments?: Record<string, { blocking?: string[]; rules?: Record<string, RuleOverride> }>;
}

// Existing configs written before builders named identities are refused, not read as crediting
// no one: the message says what to add.
const BUILDER_IDENTITIES =
  'list under identities who may sign provenance claiming this builder id (a key by fingerprint, or issuer and subject as under trust.signers, ' +
  "e.g. slsa-github-generator's own reusable workflow); the builder id is a field of the signed provenance, so without them DFW-PROV-001 credits the builder no level";

const enforcementValidator = onFirstUse(() => new Ajv2020Import.default({ allErrors: true, strict: false }).compile<EnforcementData>(SCHEMA));

function readYaml(file: string): unknown {
  try {
    return yaml.load(readFileSync(file, 'utf8'), { filename: file }) ?? {};
  } catch (err) {
    throw new PolicyProjectError(`${file}: ${(err as Error).message}`);
  }
}

/** Reads and validates an enforcement file; an absent team file changes nothing. */
export function readEnforcement(file: string, options: { optional?: boolean } = {}): EnforcementData {
  if (options.optional && !existsSync(file)) return {};
  const raw = readYaml(file);
  const validate = enforcementValidator();
  if (!validate(raw)) {
    // An identity that matches neither form fails each form's `required` too: its anyOf says it once.
    const problems = (validate.errors ?? []).filter((e) => !e.schemaPath.includes('/anyOf/')).map((e) => {
      const key = e.instancePath.split('/').slice(1).join('.');
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'additionalProperties') return `unknown key "${key ? `${key}.` : ''}${params.additionalProperty}"`;
      if (e.keyword === 'enum') return `${key} must be one of ${((params.allowedValues as string[] | undefined) ?? []).join(', ')}`;
      if (/^trust\.builders\.\d+$/.test(key) && params.missingProperty === 'identities') return `${key} names no identities: ${BUILDER_IDENTITIES}`;
      if (/^trust\.builders\.\d+\.identities$/.test(key) && e.keyword === 'minItems') return `${key} is empty: ${BUILDER_IDENTITIES}`;
      if (/^trust\.builders\.\d+\.identities\.\d+$/.test(key) && e.keyword === 'anyOf') return `${key} must name a key, or an issuer and a subject`;
      return `${key || '(top level)'} ${e.message}`;
    });
    throw new PolicyProjectError(`${file}: ${problems.join('; ')}`);
  }
  return raw;
}

/** The built-in data.yaml as shipped: dfw's own tests keep it valid, and keys beyond enforcement are kept. */
export function readBuiltinEnforcement(file: string): EnforcementData & Record<string, unknown> {
  return readYaml(file) as EnforcementData & Record<string, unknown>;
}

/** The team's enforcement laid over the built-in one; the built-in file's other keys stay. */
export function mergeEnforcement(builtin: EnforcementData & Record<string, unknown>, team: EnforcementData): EnforcementData & Record<string, unknown> {
  const environments: NonNullable<EnforcementData['environments']> = structuredClone(builtin.environments ?? {});
  for (const [name, env] of Object.entries(team.environments ?? {})) {
    const target = (environments[name] ??= {});
    if (env.blocking) target.blocking = [...env.blocking];
    for (const [rule, override] of Object.entries(env.rules ?? {})) {
      target.rules = { ...(target.rules ?? {}), [rule]: { ...(target.rules?.[rule] ?? {}), ...override } };
    }
  }
  const unknown = team.unknown_environment ?? builtin.unknown_environment;
  return { ...builtin, ...(unknown ? { unknown_environment: unknown } : {}), environments, ...mergeTrust(builtin.trust as Record<string, unknown> | undefined, team.trust) };
}

/**
 * The team's trust section over the built-in one: each key given (signers, builders,
 * registries, evidence_predicates) replaces the built-in list, except `environments`, which
 * is laid over per environment and field — a team that tightens staging must not drop the
 * built-in production requirements with it.
 */
function mergeTrust(builtin: Record<string, unknown> = {}, team: Record<string, unknown> | undefined): { trust?: Record<string, unknown> } {
  if (!team) return {};
  const environments = structuredClone((builtin.environments as Record<string, Record<string, unknown>> | undefined) ?? {});
  for (const [name, env] of Object.entries((team.environments as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    environments[name] = { ...(environments[name] ?? {}), ...env };
  }
  return { trust: { ...builtin, ...team, environments } };
}

/**
 * Kinds an environment requires signed that none of their predicate types (after the merge:
 * the team may have replaced `evidence_predicates`) is read as: DFW-SIGN-002 would find no
 * signed evidence of them and deny every deployment to that environment.
 */
export function unverifiableRequirements(merged: EnforcementData): string[] {
  const trust = (merged.trust ?? {}) as { environments?: Record<string, { verified_evidence?: string[] }>; evidence_predicates?: Record<string, string[]> };
  const predicates = trust.evidence_predicates ?? {};
  const readAs = (kind: string) => Object.keys(PREDICATE_KINDS).filter((type) => PREDICATE_KINDS[type]!.includes(kind as EvidenceKind));
  return Object.entries(trust.environments ?? {}).flatMap(([environment, env]) =>
    (env.verified_evidence ?? []).flatMap((kind) => {
      const listed = predicates[kind] ?? [];
      const types = readAs(kind);
      if (listed.some((type) => types.includes(type))) return [];
      const why = listed.length === 0 ? `trust.evidence_predicates names no predicate type for ${kind}` : `dfw reads none of trust.evidence_predicates.${kind} (${listed.join(', ')}) as ${kind}`;
      return [
        `trust.environments.${environment}.verified_evidence requires ${kind} signed, but ${why}: DFW-SIGN-002 would deny every deployment to ${environment}; ` +
          `list ${types.join(' or ')} under evidence_predicates.${kind}, or drop ${kind}`,
      ];
    }),
  );
}

/** Rule ids the team's file names, with the environment, for "no such rule" errors. */
export function referencedRules(team: EnforcementData): Array<{ environment: string; rule: string }> {
  return Object.entries(team.environments ?? {}).flatMap(([environment, env]) => Object.keys(env.rules ?? {}).map((rule) => ({ environment, rule })));
}
