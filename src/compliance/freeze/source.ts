// Reads freezes.yaml: validated against a JSON Schema at the boundary, so expansion can trust it.
import Ajv2020Import from 'ajv/dist/2020.js';
import yaml from 'js-yaml';
import { FreezeCalendarError } from './errors.js';
import type { FreezeSource } from './types.js';
import { onFirstUse } from '../../shared/on-first-use.js';

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' };
const NAMES = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
const COMMON = {
  id: ID,
  title: { type: 'string' },
  message: { type: 'string', minLength: 1 },
  time_zone: { type: 'string', minLength: 1 },
  environments: NAMES,
  applications: NAMES,
};

export const FREEZE_SOURCE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    horizon: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: { from: { type: 'string' }, to: { type: 'string' } },
    },
    freezes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'message', 'time_zone', 'start', 'end', 'environments'],
        properties: { ...COMMON, start: { type: 'string' }, end: { type: 'string' }, rrule: { type: 'string', minLength: 1 } },
      },
    },
    imports: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'file', 'message', 'time_zone', 'environments'],
        properties: { ...COMMON, file: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

const sourceValidator = onFirstUse(() => new Ajv2020Import.default({ allErrors: true, strict: false }).compile(FREEZE_SOURCE_SCHEMA));

/**
 * Parses freezes.yaml. YAML's CORE schema keeps 2026-12-18T18:00 a string (the default
 * schema would turn it into a Date in the machine's zone, losing the freeze's own zone).
 */
export function parseFreezeSource(text: string, file: string): FreezeSource {
  let value: unknown;
  try {
    value = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file }) ?? {};
  } catch (err) {
    throw new FreezeCalendarError(`${file}: not YAML: ${(err as Error).message}`, { cause: err });
  }
  const validate = sourceValidator();
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => {
      const at = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
      return `${at} ${e.message}${extra}`;
    });
    throw new FreezeCalendarError(`${file}: ${problems.join('; ')}`);
  }
  const source = value as FreezeSource;
  const ids = [...(source.freezes ?? []), ...(source.imports ?? [])].map((f) => f.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) throw new FreezeCalendarError(`${file}: freeze id ${twice[0]} is used twice`);
  return source;
}
