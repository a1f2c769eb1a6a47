// The OpenAPI 3.1 document of the HTTP API, served at GET /openapi.json. The check request's
// schema is docs/check-request.schema.json itself, the one the server validates with; the
// answers' schemas are in openapi-schemas.ts. test/openapi.test.ts validates the document as
// OpenAPI 3.1, fails when a mounted /v1 route is missing from it, and sends each example
// request here to a real server, validating the answer against the document.
import { COMPONENT_SCHEMAS } from './openapi-schemas.js';

type Json = Record<string, unknown>;

const json = (schema: string, description: string, example?: unknown): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` }, ...(example !== undefined ? { example } : {}) } },
});
const error = (description: string): Json => json('Error', description);
const query = (name: string, description: string, schema: Json = { type: 'string' }, example?: unknown): Json => ({
  name, in: 'query', required: false, description, schema, ...(example !== undefined ? { example } : {}),
});
const pathParam = (name: string, description: string, example?: string): Json => ({
  name, in: 'path', required: true, description, schema: { type: 'string' }, ...(example ? { example } : {}),
});

/** The errors every authenticated route can answer. */
const AUTH_ERRORS = {
  '401': error('No token, or an unknown one (when tokens are configured)'),
  '403': error('The token lacks the role'),
};
const secured = (role: string): Json => ({ security: [{ bearer: [] }], 'x-dfw-role': role });

// A check request as the README's examples send it (examples/compliant.allow.json's shape).
const CHECK_EXAMPLE = {
  application: 'payments',
  service: 'payments-api',
  environment: 'staging',
  artifact: { image: 'registry.example.com/payments/api:1.5.0' },
  source: { repository: 'github.com/acme/payments', branch: 'main', commit: '9f2c4e1b' },
  requested_by: 'spinnaker',
};

const WAIVER_EXAMPLE = {
  rule: 'DFW-VULN-001',
  application: 'payments',
  environment: 'production',
  reason: 'no fixed musl yet; the package is not reachable from the network',
  requested_by: 'alice',
  // Within waivers.max_days of the request: test/openapi.test.ts sends it with a date 14 days ahead.
  expires_at: '2026-12-31T00:00:00Z',
  ticket: 'SEC-123',
};

const PATHS: Record<string, Record<string, Json>> = {
  '/v1/check': {
    post: {
      operationId: 'check',
      summary: 'Decide whether a deployment may proceed',
      description: 'HTTP 200 for allow and deny alike: `allow` says which. Anything else is an error and never an allow.',
      ...secured('check'),
      requestBody: { required: true, ...json('CheckRequest', 'A check request', CHECK_EXAMPLE) },
      responses: {
        '200': json('Decision', 'The decision, allow or deny'),
        '400': error('invalid_json, invalid_request (fields names each problem), request_not_strict (environments.strict)'),
        ...AUTH_ERRORS,
        '413': error('payload_too_large'),
        '415': error('unsupported_media_type: the body is not declared application/json'),
        '500': error('The policy could not decide (fail closed)'),
        '503': error('no_bundle: no verified bundle is loaded; the message says how to get one'),
      },
    },
  },
  '/v1/rules': {
    get: {
      operationId: 'listRules',
      summary: "The active bundle's rule catalog with each rule's enforcement per environment",
      ...secured('any'),
      responses: { '200': json('RuleCatalog', 'The catalog'), ...AUTH_ERRORS, '503': error('no_bundle') },
    },
  },
  '/v1/decisions': {
    get: {
      operationId: 'listDecisions',
      summary: 'The decision log, newest first, a page at a time',
      ...secured('admin'),
      parameters: [
        query('application', 'Only this application'),
        query('environment', 'Only this environment', { type: 'string' }, 'staging'),
        query('allow', 'Only allowed (true) or denied (false) decisions', { type: 'string', enum: ['true', 'false'] }),
        query('rule', 'Only decisions where this rule was reported (deny, warn or waived)'),
        query('from', 'Request time at or after', { type: 'string', format: 'date-time' }),
        query('to', 'Request time before', { type: 'string', format: 'date-time' }),
        query('limit', 'Page size, 1 to 1000 (default 50)', { type: 'integer', minimum: 1, maximum: 1000 }, 20),
        query('cursor', 'next_cursor of the previous page'),
      ],
      responses: { '200': json('DecisionPage', 'One page'), '400': error('invalid_query'), ...AUTH_ERRORS },
    },
  },
  '/v1/decisions/{id}': {
    get: {
      operationId: 'getDecision',
      summary: 'One logged decision with its (masked) input document',
      ...secured('admin'),
      parameters: [pathParam('id', 'The decision id')],
      responses: { '200': json('DecisionRecord', 'The record'), ...AUTH_ERRORS, '404': error('decision_not_found') },
    },
  },
  '/v1/decisions/{id}/attestation': {
    get: {
      operationId: 'getDecisionAttestation',
      summary: 'A signed verification summary (in-toto Statement, DSSE) of an allowed decision',
      ...secured('admin'),
      parameters: [pathParam('id', 'The decision id')],
      responses: {
        '200': { description: 'The DSSE envelope', content: { 'application/vnd.dsse.envelope.v1+json': { schema: { $ref: '#/components/schemas/DsseEnvelope' } } } },
        ...AUTH_ERRORS,
        '404': error('decision_not_found'),
        '409': error('decision_denied: the decision was a deny; dfw attests only to allowed deployments'),
        '503': error('attestation_not_configured: dfw has no attestation.signing_key'),
      },
    },
  },
  '/v1/waivers': {
    get: {
      operationId: 'listWaivers',
      summary: 'Waivers: in force now (active=true), unrevoked (default), or all with history (all=true)',
      ...secured('admin'),
      parameters: [query('active', 'Only waivers in force now', { type: 'string', enum: ['true'] }, 'true'), query('all', 'Include revoked ones', { type: 'string', enum: ['true'] })],
      responses: { '200': json('WaiverList', 'The waivers'), ...AUTH_ERRORS },
    },
    post: {
      operationId: 'createWaiver',
      summary: "Grant a time-bound waiver; the approver is the admin token's name and must differ from requested_by",
      ...secured('admin'),
      requestBody: { required: true, ...json('NewWaiver', 'The waiver', WAIVER_EXAMPLE) },
      responses: {
        '201': json('Waiver', 'The waiver granted'),
        '400': error('invalid_waiver (fields names each problem: expiry in the past or beyond waivers.max_days, …)'),
        ...AUTH_ERRORS,
        '403': error('forbidden, or separation_of_duties: the approver is the requester'),
      },
    },
  },
  '/v1/waivers/{id}': {
    delete: {
      operationId: 'revokeWaiver',
      summary: 'Revoke a waiver (kept in history)',
      ...secured('admin'),
      parameters: [pathParam('id', 'The waiver id')],
      responses: { '200': json('Waiver', 'The revoked waiver'), ...AUTH_ERRORS, '404': error('waiver_not_found'), '409': error('already revoked') },
    },
  },
  '/v1/waiver-requests': {
    get: {
      operationId: 'listWaiverRequests',
      summary: 'Waiver requests, optionally by state',
      ...secured('admin'),
      parameters: [query('state', 'pending, approved or rejected', { type: 'string', enum: ['pending', 'approved', 'rejected'] }, 'pending')],
      responses: { '200': json('WaiverRequestList', 'The requests'), '400': error('invalid_state'), ...AUTH_ERRORS },
    },
    post: {
      operationId: 'requestWaiver',
      summary: "Ask for a waiver; the requester is the token's name (check, evidence or admin role)",
      ...secured('check | evidence | admin'),
      requestBody: { required: true, ...json('NewWaiverRequest', 'The waiver asked for', Object.fromEntries(Object.entries(WAIVER_EXAMPLE).filter(([key]) => key !== 'requested_by'))) },
      responses: { '201': json('WaiverRequest', 'The pending request'), '400': error('invalid_waiver, invalid_identity'), ...AUTH_ERRORS },
    },
  },
  '/v1/waiver-requests/{id}': {
    get: {
      operationId: 'getWaiverRequest',
      summary: 'One waiver request',
      ...secured('admin'),
      parameters: [pathParam('id', 'The request id')],
      responses: { '200': json('WaiverRequest', 'The request'), ...AUTH_ERRORS, '404': error('waiver_request_not_found') },
    },
  },
  '/v1/waiver-requests/{id}/approve': {
    post: {
      operationId: 'approveWaiverRequest',
      summary: 'Approve a pending request: creates the waiver in the same transaction (an admin other than the requester)',
      ...secured('admin'),
      parameters: [pathParam('id', 'The request id')],
      responses: {
        '201': {
          description: 'The request, now approved, and the waiver it created',
          content: {
            'application/json': {
              schema: { type: 'object', required: ['request', 'waiver'], properties: { request: { $ref: '#/components/schemas/WaiverRequest' }, waiver: { $ref: '#/components/schemas/Waiver' } } },
            },
          },
        },
        ...AUTH_ERRORS,
        '403': error('separation_of_duties'),
        '404': error('waiver_request_not_found'),
        '409': error('waiver_request_decided, waiver_request_expired'),
      },
    },
  },
  '/v1/waiver-requests/{id}/reject': {
    post: {
      operationId: 'rejectWaiverRequest',
      summary: 'Reject a pending request',
      ...secured('admin'),
      parameters: [pathParam('id', 'The request id')],
      responses: { '200': json('WaiverRequest', 'The rejected request'), ...AUTH_ERRORS, '404': error('waiver_request_not_found'), '409': error('waiver_request_decided') },
    },
  },
  '/v1/evidence': {
    post: {
      operationId: 'pushEvidence',
      summary: 'Store a scanner report, SBOM, provenance or review for a subject (an image digest, or repository and commit)',
      ...secured('evidence'),
      parameters: [
        { ...query('kind', 'The report format', { type: 'string', enum: ['trivy', 'grype', 'sarif', 'cyclonedx', 'spdx', 'slsa', 'review', 'attestation'] }, 'review'), required: true },
        query('digest', 'Image digest the report is about', { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }),
        query('repository', 'Repository the report is about (with commit)', { type: 'string' }, 'github.com/acme/payments'),
        query('commit', 'Commit the report is about (with repository)', { type: 'string', pattern: '^[0-9a-fA-F]{4,64}$' }, '9f2c4e1b'),
      ],
      requestBody: {
        required: true,
        description: 'The report exactly as the tool wrote it (JSON)',
        content: { 'application/json': { schema: { type: 'object' }, example: { state: 'approved', reviewer: 'security-team@acme.example', completed_at: '2026-11-20T10:00:00Z' } } },
      },
      responses: {
        '200': json('EvidenceStored', 'Identical content was already stored'),
        '201': json('EvidenceStored', 'Stored'),
        '400': error('invalid_kind, invalid_subject, or the report does not parse as its kind'),
        ...AUTH_ERRORS,
        '413': error('payload_too_large'),
        '415': error('unsupported_media_type'),
      },
    },
  },
  '/v1/status': {
    get: {
      operationId: 'getStatus',
      summary: 'What decides here: mode, the active bundle, the last error; the bundle source or publisher',
      ...secured('any'),
      responses: { '200': json('Status', 'The status'), ...AUTH_ERRORS },
    },
  },
  '/v1/bundles/{name}': {
    get: {
      operationId: 'getBundle',
      summary: "The active revision's archive, with ETag and long polling (OPA's bundle protocol)",
      ...secured('check'),
      parameters: [
        pathParam('name', 'Bundle name', 'firewall'),
        { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
        { name: 'Prefer', in: 'header', required: false, description: 'wait=N (long poll, at most 3600)', schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: 'The archive',
          content: { 'application/gzip': { schema: { type: 'string', contentMediaType: 'application/gzip' } }, 'application/vnd.openpolicyagent.bundles': { schema: { type: 'string' } } },
        },
        '304': { description: 'Not modified' },
        ...AUTH_ERRORS,
        '404': error('bundle_not_found'),
      },
    },
    put: {
      operationId: 'publishBundle',
      summary: 'Publish a signed bundle: verified, kept, made active',
      ...secured('admin'),
      parameters: [pathParam('name', 'Bundle name', 'firewall')],
      requestBody: { required: true, content: { 'application/gzip': { schema: { type: 'string', contentMediaType: 'application/gzip' } } } },
      responses: {
        '200': json('Published', 'Published and active'),
        '400': error('bundle_name_invalid, bundle_empty'),
        ...AUTH_ERRORS,
        '409': error('publish_disabled, revision_conflict'),
        '413': error('payload_too_large'),
        '422': error('The bundle is refused (signature, digests, policy); nothing changed'),
      },
    },
  },
  '/v1/bundles/{name}/rollback': {
    post: {
      operationId: 'rollbackBundle',
      summary: 'Make the previous kept revision (or the one named) active again',
      ...secured('admin'),
      parameters: [pathParam('name', 'Bundle name', 'firewall')],
      requestBody: { required: false, ...json('Rollback', 'Which revision; empty for the previous one') },
      responses: {
        '200': json('Published', 'Rolled back'),
        ...AUTH_ERRORS,
        '404': error('bundle_not_found, revision_not_kept'),
        '409': error('no_previous_revision'),
        '422': error('The target no longer verifies'),
      },
    },
  },
  '/v1/bundles/{name}/revisions': {
    get: {
      operationId: 'listBundleRevisions',
      summary: 'The kept revisions, oldest first, and which is active',
      ...secured('admin'),
      parameters: [pathParam('name', 'Bundle name', 'firewall')],
      responses: { '200': json('Revisions', 'The revisions'), ...AUTH_ERRORS, '404': error('bundle_not_found') },
    },
  },
  '/healthz': {
    get: { operationId: 'health', summary: 'The process answers (open)', security: [], responses: { '200': json('Health', 'Alive') } },
  },
  '/readyz': {
    get: {
      operationId: 'ready',
      summary: 'A verified bundle is loaded (open)',
      security: [],
      responses: { '200': json('Readiness', 'Ready, with the active revision'), '503': json('Readiness', 'Not ready: no verified bundle') },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics (open)',
      security: [],
      responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document (open)',
      security: [],
      responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};

/** The whole document; `version` is dfw's own. */
export function openApiDocument(version = '0.1.0'): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'dfw — the deployment firewall',
      version,
      description:
        'Every deployment asks dfw first. Errors have one shape (`Error`) and are never an allow. ' +
        'Roles: `check` (CD tools), `evidence` (CI), `admin` (waivers, bundles, the decision log), shown per operation as `x-dfw-role`. ' +
        'With no tokens configured every route is open and the server binds to loopback only. ' +
        'Not here: the GitHub deployment protection webhook (POST /github/deployment-protection, docs/github.md), ' +
        'the Kubernetes admission webhook on its own HTTPS listener (POST /k8s/admission, docs/kubernetes.md) and the web console (/ui, docs/console.md).',
    },
    servers: [{ url: 'http://127.0.0.1:8787', description: 'dfw serve on the embedded defaults' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (dfw token create)' } },
      schemas: COMPONENT_SCHEMAS,
    },
    security: [{ bearer: [] }],
    paths: PATHS,
  };
}
