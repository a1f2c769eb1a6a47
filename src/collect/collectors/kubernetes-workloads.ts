// Pods -> evidence.runtime.workloads: one entry per workload, container and digest that is
// running, where the digest is what the node actually pulled (status.containerStatuses
// [].imageID), not what the spec asked for.
import { parseImageReference } from '../image-reference.js';
import { DIGEST } from '../image-reference.js';

export interface Workload {
  cluster: string;
  namespace: string;
  /** The owning Deployment, StatefulSet, DaemonSet or Job; the pod's name when it has no owner. */
  name: string;
  container: string;
  /** The image the pod spec names. */
  image: string;
  digest: string;
}

type Json = Record<string, unknown>;


function object(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(object) : [];
}

/**
 * The digest in an imageID: "docker-pullable://repo@sha256:…" (dockershim),
 * "repo@sha256:…" (containerd, CRI-O), or a bare "sha256:…" (an image id, when the runtime
 * has no repository digest; reported as is, so it fails closed against the registry).
 */
export function digestFromImageId(imageId: string): string | undefined {
  const withoutScheme = imageId.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const digest = withoutScheme.slice(withoutScheme.lastIndexOf('@') + 1);
  return DIGEST.test(digest) ? digest : undefined;
}

/** A ReplicaSet's Deployment: the ReplicaSet is named <deployment>-<pod-template-hash>. */
export function workloadName(pod: Json): string {
  const metadata = object(pod.metadata);
  const owner = list(metadata.ownerReferences).find((o) => o.controller === true) ?? list(metadata.ownerReferences)[0];
  const podName = typeof metadata.name === 'string' ? metadata.name : String(metadata.generateName ?? '<unnamed pod>');
  if (!owner || typeof owner.name !== 'string') return podName;
  const hash = object(metadata.labels)['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && typeof hash === 'string' && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
  return owner.name;
}

/** Whether a spec image is the deployed artifact's repository (registry and path). */
function sameRepository(image: string, artifact: { registry: string; repository: string }): boolean {
  try {
    const ref = parseImageReference(image);
    return ref.registry === artifact.registry && ref.repository === artifact.repository;
  } catch {
    // An image dfw cannot parse is kept: it is reported, not silently passed over.
    return true;
  }
}

export interface WorkloadFilter {
  /** Keep only containers of this image repository; undefined keeps every container. */
  artifact?: { registry: string; repository: string };
}

/**
 * Workloads of running pods. Pods that have finished (Succeeded, Failed) run nothing; a
 * container that has not pulled its image yet has no imageID and is reported only when its
 * spec pins a digest.
 */
export function workloadsFromPods(pods: unknown[], cluster: string, namespace: string, filter: WorkloadFilter): Workload[] {
  const seen = new Set<string>();
  const workloads: Workload[] = [];
  for (const item of pods) {
    const pod = object(item);
    const status = object(pod.status);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') continue;
    const spec = object(pod.spec);
    const specImages = new Map<string, string>();
    for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
      if (typeof c.name === 'string' && typeof c.image === 'string') specImages.set(c.name, c.image);
    }
    const statuses = [...list(status.initContainerStatuses), ...list(status.containerStatuses)];
    const name = workloadName(pod);
    for (const [container, image] of specImages) {
      if (filter.artifact && !sameRepository(image, filter.artifact)) continue;
      const containerStatus = statuses.find((s) => s.name === container);
      const fromStatus = typeof containerStatus?.imageID === 'string' ? digestFromImageId(containerStatus.imageID) : undefined;
      const digest = fromStatus ?? (image.includes('@') ? digestFromImageId(image) : undefined);
      if (!digest) continue;
      const key = [name, container, image, digest].join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      workloads.push({ cluster, namespace, name, container, image, digest });
    }
  }
  return workloads;
}
