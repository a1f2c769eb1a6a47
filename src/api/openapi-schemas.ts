// The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of what the API answers and of the
// bodies it takes besides the check request, whose schema is docs/check-request.schema.json
// itself (the one the server validates with). test/openapi.test.ts validates real answers
// against these, so a field the code adds or renames without them fails there.
import checkRequestSchema from '../../docs/check-request.schema.json' with { type: 'json' };
import inputSchema from '../../docs/input.schema.json' with { type: 'json' };

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const text = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const SEVERITY = { type: 'string', enum: ['critical', 'high', 'medium', 'low'] } as const;

/**
 * A published schema inside the document: its own $id and $schema dropped, and references to
 * its $defs and to input.schema.json's pointed at the components they become.
 */
function embed(schema: unknown, prefix: string): Schema {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$id' || key === '$schema' || key === '$defs') continue;
      if (key === '$ref' && typeof value === 'string') {
        const [file, pointer] = value.split('#');
        // "#/$defs/x" and "input.schema.json#/$defs/x/properties/y" alike: the rest of the pointer stays.
        const [, def, rest = ''] = /^\/\$defs\/(\w+)(\/.*)?$/.exec(pointer ?? '') ?? [];
        out.$ref = def ? `#/components/schemas/${file === 'input.schema.json' ? 'Input' : prefix}_${def}${rest}` : value;
      } else out[key] = rewrite(value);
    }
    return out;
  };
  return rewrite(schema) as Schema;
}

function defsOf(schema: { $defs?: Record<string, unknown> }, prefix: string): Record<string, Schema> {
  return Object.fromEntries(Object.entries(schema.$defs ?? {}).map(([name, def]) => [`${prefix}_${name}`, embed(def, prefix)]));
}

const violation: Schema = {
  type: 'object',
  required: ['rule', 'title', 'severity', 'category', 'message', 'remediation', 'evidence'],
  properties: {
    rule: { ...text, description: 'Rule id, e.g. DFW-VULN-001' },
    title: text,
    severity: SEVERITY,
    category: text,
    message: text,
    remediation: text,
    evidence: text,
    controls: { type: 'array', items: text, description: 'Compliance controls the rule serves, "<FRAMEWORK>:<control>"' },
  },
};

const bySeverity: Schema = {
  type: 'object',
  required: ['critical', 'high', 'medium', 'low'],
  properties: Object.fromEntries(['critical', 'high', 'medium', 'low'].map((s) => [s, { type: 'array', items: ref('Violation') }])),
  additionalProperties: false,
};

const waived: Schema = {
  allOf: [ref('Violation'), { type: 'object', required: ['waiver_id', 'approved_by', 'expires_at'], properties: { waiver_id: text, approved_by: text, expires_at: text } }],
};

const bundleId: Schema = { type: 'object', required: ['name', 'revision'], properties: { name: text, revision: text } };

const decision: Schema = {
  type: 'object',
  required: ['decision_id', 'allow', 'environment', 'deny', 'warn', 'waived', 'bundle', 'evaluated_at', 'timing_ms'],
  properties: {
    decision_id: { ...text, description: 'UUIDv7' },
    allow: { type: 'boolean' },
    environment: { ...text, description: 'The environment whose enforcement applied' },
    deny: { ...ref('BySeverity'), description: 'Violations that block in this environment' },
    warn: { ...ref('BySeverity'), description: 'Violations reported without blocking' },
    waived: { type: 'array', items: ref('WaivedViolation') },
    bundle: ref('BundleId'),
    evaluated_at: time,
    timing_ms: { type: 'object', additionalProperties: { type: 'number' } },
    evidence_sources: { type: 'object', additionalProperties: text, description: 'Where each evidence kind came from' },
    warnings: {
      type: 'array',
      items: text,
      description: 'What the request said that the bundle cannot honour as written: an environment it does not configure (enforced as its unknown_environment), fields dfw does not know. Absent when there are none; refused instead under environments.strict.',
    },
  },
};

const fieldError: Schema = { type: 'object', required: ['field', 'message'], properties: { field: text, message: text } };

const error: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: text, message: text, fields: { type: 'array', items: ref('FieldError') } },
    },
  },
};

const summaryProperties: Schema = {
  decision_id: text,
  time,
  application: text,
  service: text,
  environment: text,
  artifact_digest: text,
  allow: { type: 'boolean' },
  deny: ref('BySeverity'),
  warn: ref('BySeverity'),
  waived: { type: 'array', items: ref('WaivedViolation') },
  bundle: ref('BundleId'),
  timing_ms: { type: 'object', additionalProperties: { type: 'number' } },
  caller: text,
  via: { type: 'string', enum: ['api', 'kubernetes', 'github', 'cli'] },
  dry_run: { type: 'boolean' },
};
const SUMMARY_REQUIRED = ['decision_id', 'time', 'application', 'environment', 'allow', 'deny', 'warn', 'waived', 'bundle', 'caller', 'via', 'dry_run'];

const waiverFields: Schema = {
  rule: { ...text, examples: ['DFW-VULN-001'] },
  application: text,
  environment: { ...text, description: 'An environment name, or * for every environment' },
  artifact_digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
  reason: text,
  ticket: text,
  expires_at: time,
};

const waiver: Schema = {
  type: 'object',
  required: ['id', 'rule', 'application', 'environment', 'reason', 'requested_by', 'approved_by', 'expires_at', 'created_at'],
  properties: { id: text, ...waiverFields, requested_by: text, approved_by: text, created_at: time, revoked_at: time, revoked_by: text },
};

const waiverRequest: Schema = {
  type: 'object',
  required: ['id', 'rule', 'application', 'environment', 'reason', 'requested_by', 'expires_at', 'created_at', 'state'],
  properties: {
    id: text,
    ...waiverFields,
    requested_by: text,
    created_at: time,
    state: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    decided_by: text,
    decided_at: time,
    waiver_id: text,
  },
};

const rule: Schema = {
  type: 'object',
  required: ['id', 'title', 'description', 'category', 'severity', 'remediation', 'package', 'enforcement'],
  properties: {
    id: text,
    title: text,
    description: text,
    category: text,
    severity: SEVERITY,
    remediation: text,
    package: text,
    controls: { type: 'array', items: text },
    enforcement: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['enforcement', 'severity'], properties: { enforcement: { enum: ['deny', 'warn', 'off'] }, severity: SEVERITY } },
    },
  },
};

const revision: Schema = {
  type: 'object',
  required: ['revision', 'digest', 'target', 'size', 'published_at', 'published_by'],
  properties: { revision: text, digest: text, target: { enum: ['wasm', 'rego'] }, size: { type: 'integer' }, published_at: time, published_by: text },
};

export const COMPONENT_SCHEMAS: Record<string, Schema> = {
  CheckRequest: embed(checkRequestSchema, 'CheckRequest'),
  ...defsOf(checkRequestSchema as { $defs?: Record<string, unknown> }, 'CheckRequest'),
  ...defsOf(inputSchema as { $defs?: Record<string, unknown> }, 'Input'),
  Decision: decision,
  Violation: violation,
  WaivedViolation: waived,
  BySeverity: bySeverity,
  BundleId: bundleId,
  Error: error,
  FieldError: fieldError,
  DecisionSummary: { type: 'object', required: SUMMARY_REQUIRED, properties: summaryProperties },
  DecisionPage: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('DecisionSummary') }, next_cursor: { ...text, description: 'Present when there may be more: pass it back as cursor' } },
  },
  DecisionRecord: {
    type: 'object',
    required: [...SUMMARY_REQUIRED, 'input', 'decision'],
    properties: { ...summaryProperties, input: { type: 'object', description: 'The input document as evaluated, secrets masked' }, decision: ref('Decision') },
  },
  NewWaiver: {
    type: 'object',
    required: ['rule', 'application', 'environment', 'reason', 'requested_by', 'expires_at'],
    properties: { ...waiverFields, requested_by: { ...text, description: 'Who asked; must not be the approving admin token\'s identity' } },
    not: { anyOf: [{ required: ['approved_by'] }] },
  },
  NewWaiverRequest: {
    type: 'object',
    required: ['rule', 'application', 'environment', 'reason', 'expires_at'],
    properties: waiverFields,
    not: { anyOf: [{ required: ['requested_by'] }, { required: ['approved_by'] }] },
  },
  Waiver: waiver,
  WaiverList: { type: 'object', required: ['waivers'], properties: { waivers: { type: 'array', items: ref('Waiver') } } },
  WaiverRequest: waiverRequest,
  WaiverRequestList: { type: 'object', required: ['waiver_requests'], properties: { waiver_requests: { type: 'array', items: ref('WaiverRequest') } } },
  EvidenceStored: {
    type: 'object',
    required: ['id', 'created', 'kind', 'subject', 'evidence_kinds'],
    properties: {
      id: text,
      created: { type: 'boolean', description: 'false when identical content was already stored' },
      kind: text,
      subject: { type: 'object', properties: { digest: text, repository: text, commit: text } },
      evidence_kinds: { type: 'array', items: text },
    },
  },
  RuleCatalog: {
    type: 'object',
    required: ['bundle', 'rules', 'environments', 'unknown_environment'],
    properties: { bundle: ref('BundleId'), environments: { type: 'array', items: text }, unknown_environment: text, rules: { type: 'array', items: rule } },
  },
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Readiness: {
    type: 'object',
    required: ['status', 'revision', 'bundle', 'activated_at', 'last_error'],
    properties: {
      status: { enum: ['ready', 'not ready'] },
      reason: text,
      revision: nullable(text),
      bundle: nullable(text),
      activated_at: nullable(time),
      last_error: nullable(text),
      last_error_at: nullable(time),
    },
  },
  Status: {
    type: 'object',
    required: ['mode', 'bundle', 'last_attempt', 'last_error'],
    properties: {
      mode: { enum: ['central', 'edge', 'local'] },
      bundle: { type: 'object', properties: { name: nullable(text), revision: nullable(text), activated_at: nullable(time) } },
      last_attempt: nullable({ type: 'object' }),
      last_error: nullable({ type: 'object', properties: { message: text, at: nullable(time) } }),
      source: { type: 'object', description: 'Edge mode: the bundle server, long polling, failures, the next attempt' },
      publisher: { type: 'object', description: 'Bundle server: each name\'s active and kept revisions' },
    },
  },
  Revision: revision,
  Published: {
    allOf: [
      ref('Revision'),
      {
        type: 'object',
        required: ['name', 'etag', 'policy_activated', 'kept'],
        properties: { name: text, etag: text, policy_activated: { type: 'boolean' }, kept: { type: 'array', items: ref('Revision') }, previous: nullable(text) },
      },
    ],
  },
  Revisions: {
    type: 'object',
    required: ['name', 'active', 'revisions'],
    properties: { name: text, active: nullable(text), activated_at: nullable(time), revisions: { type: 'array', items: ref('Revision') } },
  },
  Rollback: {
    type: 'object',
    properties: { revision: text, digest: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
    additionalProperties: false,
  },
  DsseEnvelope: {
    type: 'object',
    required: ['payloadType', 'payload', 'signatures'],
    properties: { payloadType: text, payload: { ...text, contentEncoding: 'base64' }, signatures: { type: 'array', items: { type: 'object', required: ['sig'], properties: { keyid: text, sig: text } } } },
  },
};
