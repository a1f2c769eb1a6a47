// The check request a CD tool sends (DESIGN.md), and turning it into the input document
// the policy reads. Validation happens here, at the boundary; inside, types are trusted.
import type { InputDocument } from '../engine/index.js';
import { parseImageReference, ImageReferenceError } from './image-reference.js';
import { formatFieldErrors, InvalidInputError, type FieldError } from '../shared/errors.js';
import { validateCheckRequest } from './schema-validation.js';
import { inlineTrustEvidence } from './trust/inline.js';

export type Via = 'api' | 'kubernetes' | 'github' | 'cli';

export interface CheckRequest {
  application: string;
  service?: string;
  environment: string;
  artifact: { image: string; digest?: string };
  source?: { repository?: string; branch?: string; commit?: string };
  change_ticket?: string;
  requested_by?: string;
  evidence?: Record<string, unknown>;
  [unknown: string]: unknown;
}

const KNOWN_FIELDS = new Set(['application', 'service', 'environment', 'artifact', 'source', 'change_ticket', 'requested_by', 'evidence']);

/**
 * The field each integration adds to the check requests it builds, saying where the check
 * came from (the admission review's uid, the GitHub delivery). Like any field dfw does not
 * know it stays under input.request.extra, never at the top level; unlike one, it is expected
 * there — but only through that integration. A plain API caller that sends `kubernetes` is
 * still warned that no rule reads it, and refused under environments.strict.
 */
const INTEGRATION_FIELDS: Readonly<Record<Via, readonly string[]>> = { api: [], cli: [], kubernetes: ['kubernetes'], github: ['github'] };

/** Whether `field`, under input.request.extra, is the one the integration behind `via` adds. */
export function isIntegrationField(via: Via, field: string): boolean {
  return INTEGRATION_FIELDS[via]?.includes(field) === true;
}

/** The check request is unusable; `errors` (also `fields`) names each bad field. */
export class CheckRequestError extends InvalidInputError {
  override name = 'CheckRequestError';
  constructor(readonly errors: FieldError[]) {
    super('invalid_request', `invalid check request: ${formatFieldErrors(errors)}`, errors);
  }
}

/** Validates a parsed JSON body as a check request. Throws CheckRequestError naming each bad field. */
export function parseCheckRequest(body: unknown): CheckRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new CheckRequestError([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const errors = validateCheckRequest(body);
  const request = body as CheckRequest;
  if (errors.length === 0) {
    try {
      const ref = parseImageReference(request.artifact.image);
      if (ref.digest && request.artifact.digest && ref.digest !== request.artifact.digest) {
        errors.push({ field: 'artifact.digest', message: `is ${request.artifact.digest}, but artifact.image names ${ref.digest}` });
      }
    } catch (err) {
      if (!(err instanceof ImageReferenceError)) throw err;
      errors.push({ field: 'artifact.image', message: `is not an image reference: ${err.message}` });
    }
  }
  if (errors.length) throw new CheckRequestError(errors);
  return request;
}

export interface InputContext {
  /** The decision id, also input.request.id. */
  id: string;
  via: Via;
}

/**
 * The input document of DESIGN.md. request.time/time_ns are set by the evaluator from its
 * clock. Fields the request has that dfw does not know are kept under request.extra, never
 * at the top level, so a caller cannot smuggle in waivers or `unavailable`; inline
 * signatures and attestations become facts that trust nothing the caller claims
 * (trust/inline.ts), so a caller cannot smuggle in "verified": true either.
 */
export function buildInput(request: CheckRequest, context: InputContext): InputDocument {
  const ref = parseImageReference(request.artifact.image);
  const digest = request.artifact.digest ?? ref.digest;
  const extra = Object.fromEntries(Object.entries(request).filter(([k]) => !KNOWN_FIELDS.has(k)));
  return {
    request: {
      id: context.id,
      application: request.application,
      ...(request.service !== undefined ? { service: request.service } : {}),
      environment: request.environment,
      ...(request.requested_by !== undefined ? { requested_by: request.requested_by } : {}),
      ...(request.change_ticket !== undefined ? { change_ticket: request.change_ticket } : {}),
      via: context.via,
      ...(Object.keys(extra).length ? { extra } : {}),
    },
    artifact: {
      image: request.artifact.image,
      ...(digest !== undefined ? { digest } : {}),
      registry: ref.registry,
      repository: ref.repository,
      ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
    },
    source: { ...(request.source ?? {}) },
    evidence: inlineTrustEvidence(request.evidence ?? {}),
    unavailable: {},
    waivers: [],
  };
}
