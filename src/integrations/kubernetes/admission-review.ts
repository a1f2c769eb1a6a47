// AdmissionReview (admission.k8s.io/v1 and v1beta1): what the API server sends a validating
// webhook and what it expects back. Validated here, at the boundary; trusted inside.
// Shapes: k8s.io/api/admission/v1 types.go, and "Extensible Admission Controllers" in the
// Kubernetes docs (the response must carry the request's uid and the request's apiVersion).
import { InvalidInputError } from '../../shared/errors.js';

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
}

export type KubeObject = Record<string, unknown>;

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  /** The object as it would be stored; absent for DELETE (and when not an object). */
  object?: KubeObject;
  /** The object before an UPDATE or DELETE; absent otherwise (v1beta1 may send ""). */
  oldObject?: KubeObject;
  /** True for `kubectl --dry-run=server`: nothing will be persisted. */
  dryRun: boolean;
}

export interface AdmissionReview {
  apiVersion: AdmissionApiVersion;
  request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  /** Only on a denial: the API server prefixes the message with the webhook's name. */
  status?: { code: number; message: string };
  warnings?: string[];
  /** Keys are prefixed by the API server with the webhook's name in the audit log. */
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionApiVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** The review itself is malformed: the route answers 400 with `field` and the reason. */
export class AdmissionReviewError extends InvalidInputError {
  override name = 'AdmissionReviewError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super('invalid_admission_review', `malformed AdmissionReview: ${field} ${reason}`, [{ field, message: reason }]);
  }
}

export const isObject = (value: unknown): value is KubeObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalString(parent: KubeObject, key: string, path: string): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new AdmissionReviewError(`${path}.${key}`, 'must be a string');
  return value;
}

function parseUserInfo(value: unknown): UserInfo {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new AdmissionReviewError('request.userInfo', 'must be an object');
  const username = optionalString(value, 'username', 'request.userInfo');
  const uid = optionalString(value, 'uid', 'request.userInfo');
  const groups = value.groups;
  if (groups !== undefined && groups !== null && (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string'))) {
    throw new AdmissionReviewError('request.userInfo.groups', 'must be a list of strings');
  }
  return {
    ...(username !== undefined ? { username } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(Array.isArray(groups) ? { groups: groups as string[] } : {}),
  };
}

/**
 * Checks a parsed JSON body as an AdmissionReview request. Fields a validating webhook
 * does not read (resource, requestKind, options …) are not checked. Throws
 * AdmissionReviewError naming the first bad field.
 */
export function parseAdmissionReview(body: unknown): AdmissionReview {
  if (!isObject(body)) throw new AdmissionReviewError('(body)', 'must be a JSON object (an AdmissionReview)');
  if (body.kind !== 'AdmissionReview') throw new AdmissionReviewError('kind', `must be "AdmissionReview", got ${JSON.stringify(body.kind ?? null)}`);
  const apiVersion = body.apiVersion;
  if (!ADMISSION_API_VERSIONS.includes(apiVersion as AdmissionApiVersion)) {
    throw new AdmissionReviewError('apiVersion', `must be one of ${ADMISSION_API_VERSIONS.join(', ')}, got ${JSON.stringify(apiVersion ?? null)}`);
  }
  const request = body.request;
  if (!isObject(request)) throw new AdmissionReviewError('request', 'must be an object');
  if (typeof request.uid !== 'string' || request.uid === '') throw new AdmissionReviewError('request.uid', 'must be a non-empty string');
  const kind = request.kind;
  if (!isObject(kind) || typeof kind.kind !== 'string' || kind.kind === '') {
    throw new AdmissionReviewError('request.kind', 'must be an object with a non-empty kind (group, version, kind)');
  }
  const operation = request.operation;
  if (!OPERATIONS.includes(operation as Operation)) {
    throw new AdmissionReviewError('request.operation', `must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(operation ?? null)}`);
  }
  const dryRun = request.dryRun;
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') throw new AdmissionReviewError('request.dryRun', 'must be a boolean');
  const object = request.object;
  if ((operation === 'CREATE' || operation === 'UPDATE') && !isObject(object)) {
    throw new AdmissionReviewError('request.object', `must be an object for ${operation}`);
  }
  const subResource = optionalString(request, 'subResource', 'request');
  const name = optionalString(request, 'name', 'request');
  const namespace = optionalString(request, 'namespace', 'request');
  return {
    apiVersion: apiVersion as AdmissionApiVersion,
    request: {
      uid: request.uid,
      kind: {
        group: typeof kind.group === 'string' ? kind.group : '',
        version: typeof kind.version === 'string' ? kind.version : '',
        kind: kind.kind,
      },
      ...(subResource !== undefined ? { subResource } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      operation: operation as Operation,
      userInfo: parseUserInfo(request.userInfo),
      ...(isObject(object) ? { object } : {}),
      ...(isObject(request.oldObject) ? { oldObject: request.oldObject } : {}),
      dryRun: dryRun === true,
    },
  };
}

/** The answer to `review`, in the apiVersion it was asked in. */
export function admissionReviewResponse(review: AdmissionReview, response: Omit<AdmissionResponse, 'uid'>): AdmissionReviewResponse {
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, ...response } };
}
