// Validates documents against the JSON Schemas published in docs/ (check request, input
// document), turning Ajv's errors into "field: what was expected" lines people can act on.
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import checkRequestSchema from '../../docs/check-request.schema.json' with { type: 'json' };
import inputSchema from '../../docs/input.schema.json' with { type: 'json' };

// ajv and ajv-formats are CommonJS with a `default` export property.
const Ajv2020 = Ajv2020Import.default;
const addFormats = addFormatsImport.default;

import type { FieldError } from '../shared/errors.js';
export type { FieldError } from '../shared/errors.js';

/** Ajv's options; scripts/build-edge.ts generates the edge bundle's validators with the same. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

const ajv = new Ajv2020(AJV_OPTIONS);
addFormats(ajv);
ajv.addSchema(inputSchema);
ajv.addSchema(checkRequestSchema);

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function describe(error: ErrorObject): FieldError {
  const base = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { field: base ? `${base}.${missing}` : missing, message: 'is required' };
    }
    case 'type':
      return { field: base || '(document)', message: `must be ${params.type === 'object' ? 'an object' : params.type === 'array' ? 'an array' : `a ${params.type}`}` };
    case 'enum':
      return { field: base, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'format':
      return { field: base, message: params.format === 'date-time' ? 'must be an RFC 3339 date-time such as 2026-11-28T14:00:00Z' : `must be a valid ${params.format}` };
    case 'pattern':
      if (base.endsWith('commit')) return { field: base, message: 'must be a hexadecimal commit SHA' };
      if (params.pattern === '^[^\\u0000]*$') return { field: base, message: 'must not contain a NUL character (U+0000)' };
      return { field: base, message: base.endsWith('digest') || base.includes('tags') ? 'must be a content digest such as sha256:<64 hex digits>' : `must match ${params.pattern}` };
    default:
      return { field: base || '(document)', message: error.message ?? 'is invalid' };
  }
}

function uniqueErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  // oneOf failures repeat each branch's error; the branch errors are clearer than the summary.
  for (const e of errors ?? []) {
    if (e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const d = describe(e);
    const key = `${d.field}\u0000${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function validatorFor(id: string): (doc: unknown) => FieldError[] {
  const validate = ajv.getSchema(id) as ValidateFunction | undefined;
  if (!validate) throw new Error(`schema ${id} is not registered`);
  return (doc) => (validate(doc) ? [] : uniqueErrors(validate.errors));
}

/** Problems with a check request, empty when it is valid. */
export const validateCheckRequest = validatorFor(checkRequestSchema.$id);

export { formatFieldErrors } from '../shared/errors.js';
