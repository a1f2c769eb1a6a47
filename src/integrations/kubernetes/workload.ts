// Where the images are in each workload kind the webhook admits, and who the workload
// belongs to (the app.kubernetes.io labels). Pod specs are read at the paths of the
// Kubernetes API: Pod .spec, controllers .spec.template.spec, CronJob
// .spec.jobTemplate.spec.template.spec.
import { AdmissionReviewError, isObject, type AdmissionRequest, type KubeObject } from './admission-review.js';
import { fixedCodeError } from '../../shared/errors.js';

/** Workload kinds the webhook evaluates, as "<group>/<Kind>" ("" is the core group). */
const POD_SPEC_PATHS: Record<string, string[]> = {
  '/Pod': ['spec'],
  '/ReplicationController': ['spec', 'template', 'spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The resources the ValidatingWebhookConfiguration should send (deploy/kubernetes). */
export const ADMITTED_RESOURCES: Record<string, string[]> = {
  '': ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'],
  apps: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
  batch: ['jobs', 'cronjobs'],
};

/** Every container list of a pod spec: all of them run code. */
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';

export interface WorkloadImage {
  /** The image reference exactly as the pod spec names it. */
  image: string;
  /** Where it runs, e.g. "initContainers/init", "containers/redis". */
  containers: string[];
}

export interface Workload {
  kind: string;
  name: string;
  namespace?: string;
  /** Object labels over pod-template labels. */
  labels: Record<string, string>;
  /** Distinct images, in the order the spec first names them. */
  images: WorkloadImage[];
  /** The pod spec as the object writes it, for the workload rules (evidence.workload). */
  podSpec?: Record<string, unknown>;
}

export class UnsupportedKindError extends fixedCodeError('UnsupportedKindError', 'unsupported_kind', 'invalid_input') {}

function at(object: KubeObject, path: string[]): unknown {
  let value: unknown = object;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return value;
}

function labelsOf(value: unknown): Record<string, string> {
  const labels = isObject(value) ? value.labels : undefined;
  if (!isObject(labels)) return {};
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function collectImages(holder: KubeObject, lists: readonly string[], where: string, images: Map<string, WorkloadImage>): void {
  for (const list of lists) {
    const containers = holder[list];
    if (containers === undefined || containers === null) {
      if (list === 'containers') throw new AdmissionReviewError(`${where}.containers`, 'must be a list of containers');
      continue;
    }
    if (!Array.isArray(containers)) throw new AdmissionReviewError(`${where}.${list}`, 'must be a list of containers');
    containers.forEach((container, i) => {
      const path = `${where}.${list}[${i}]`;
      if (!isObject(container)) throw new AdmissionReviewError(path, 'must be an object');
      const image = container.image;
      if (typeof image !== 'string' || image.trim() === '') throw new AdmissionReviewError(`${path}.image`, 'must be a non-empty string');
      const name = typeof container.name === 'string' && container.name ? container.name : String(i);
      const entry = images.get(image) ?? { image, containers: [] };
      entry.containers.push(`${list}/${name}`);
      images.set(image, entry);
    });
  }
}

/**
 * The application a Pod belongs to: its controller (a ReplicaSet's name without the
 * pod-template-hash suffix is its Deployment's), else its own name, else generateName.
 */
function podOwnerName(object: KubeObject, labels: Record<string, string>): string | undefined {
  const owners = at(object, ['metadata', 'ownerReferences']);
  if (!Array.isArray(owners)) return undefined;
  const controller = owners.find((o) => isObject(o) && o.controller === true && typeof o.name === 'string') as KubeObject | undefined;
  if (!controller) return undefined;
  const name = controller.name as string;
  const hash = labels['pod-template-hash'];
  if (controller.kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`)) return name.slice(0, -hash.length - 1);
  return name;
}

function objectName(kind: string, object: KubeObject, request: AdmissionRequest, labels: Record<string, string>): string {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const fromOwner = kind === 'Pod' ? podOwnerName(object, labels) : undefined;
  const own = typeof metadata.name === 'string' && metadata.name ? metadata.name : request.name;
  const generated = typeof metadata.generateName === 'string' && metadata.generateName ? metadata.generateName.replace(/-+$/, '') : undefined;
  return fromOwner ?? own ?? generated ?? '(unnamed)';
}

/**
 * Reads the workload of `object` (request.object or request.oldObject). Throws
 * UnsupportedKindError for a kind it does not know, AdmissionReviewError when the object
 * lacks what the kind must have (the API server validated it, so that is a bad review).
 */
export function readWorkload(request: AdmissionRequest, object: KubeObject, where = 'request.object'): Workload {
  const { group, kind } = request.kind;
  const images = new Map<string, WorkloadImage>();
  let labels = labelsOf(object.metadata);
  let podSpec: Record<string, unknown> | undefined;
  // The ephemeralcontainers subresource took an EphemeralContainers object before
  // Kubernetes 1.22 and takes the whole Pod since; both are read.
  if (group === '' && kind === 'EphemeralContainers') {
    collectImages(object, ['ephemeralContainers'], where, images);
  } else {
    const path = POD_SPEC_PATHS[`${group}/${kind}`];
    if (!path) throw new UnsupportedKindError(`${group ? `${group}/` : ''}${kind}`);
    const spec = at(object, path);
    const specWhere = `${where}.${path.join('.')}`;
    if (!isObject(spec)) throw new AdmissionReviewError(specWhere, 'must be an object (a pod spec)');
    collectImages(spec, CONTAINER_LISTS, specWhere, images);
    podSpec = spec;
    // Pod-template labels, then a CronJob's job-template labels, then the object's own win.
    const layers: string[][] = [];
    if (path.length > 1) layers.push([...path.slice(0, -1), 'metadata']);
    if (kind === 'CronJob') layers.push(['spec', 'jobTemplate', 'metadata']);
    labels = Object.assign({}, ...layers.map((layer) => labelsOf(at(object, layer))), labels);
  }
  const metadataNamespace = at(object, ['metadata', 'namespace']);
  const namespace = request.namespace ?? (typeof metadataNamespace === 'string' && metadataNamespace ? metadataNamespace : undefined);
  return {
    kind,
    name: objectName(kind, object, request, labels),
    ...(namespace !== undefined ? { namespace } : {}),
    labels,
    images: [...images.values()],
    ...(podSpec ? { podSpec } : {}),
  };
}

/** application from part-of, else name, else the object's name; service from name, else the object's name. */
export function workloadIdentity(workload: Workload): { application: string; service: string } {
  const name = workload.labels[LABEL_NAME] || undefined;
  const partOf = workload.labels[LABEL_PART_OF] || undefined;
  return { application: partOf ?? name ?? workload.name, service: name ?? workload.name };
}
