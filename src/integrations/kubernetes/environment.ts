// Which dfw environment a namespace deploys to. An AdmissionReview carries the namespace's
// name but not its labels, so the mapping is configured (dfw.yaml) and, optionally, read
// from the namespace's `dfw.io/environment` label through a lookup the server backs with
// the Kubernetes API. A namespace that maps to nothing is denied: fail closed.

export const ENVIRONMENT_LABEL = 'dfw.io/environment';

/** (namespace, its labels when known) -> environment, or undefined when unmapped. */
export type EnvironmentFor = (namespace: string, namespaceLabels?: Record<string, string>) => string | undefined;

/** Reads a namespace's labels (e.g. GET /api/v1/namespaces/{name}); undefined when it has none or does not exist. */
export type NamespaceLabelLookup = (namespace: string) => Promise<Record<string, string> | undefined>;

export interface EnvironmentMapping {
  /** namespace -> environment, from dfw.yaml. The security team's map wins over labels. */
  namespaces?: Record<string, string>;
  /** The namespace label that names the environment; false to ignore labels. */
  label?: string | false;
}

/**
 * The configured map first (a namespace owner who may label their namespace must not be
 * able to move it out of production), then the label, then nothing.
 */
export function createEnvironmentMapper(mapping: EnvironmentMapping = {}): EnvironmentFor {
  const namespaces = new Map(Object.entries(mapping.namespaces ?? {}));
  const label = mapping.label === undefined ? ENVIRONMENT_LABEL : mapping.label;
  return (namespace, namespaceLabels) => {
    const mapped = namespaces.get(namespace);
    if (mapped) return mapped;
    const labelled = label ? namespaceLabels?.[label]?.trim() : undefined;
    return labelled || undefined;
  };
}
