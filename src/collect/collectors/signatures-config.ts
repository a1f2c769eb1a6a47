// collectors.signatures in dfw.yaml: its type, schema and paths, apart from the collector,
// so that reading dfw.yaml does not load the Sigstore verification code.

export interface SignaturesCollectorConfig {
  /** PEM public keys (a file path, or the PEM text itself) that key-based signatures are verified with. */
  keys?: string[];
  /** Path of an offline Sigstore trusted_root.json for keyless (Fulcio certificate) signatures. */
  trusted_root?: string;
  /** Signed certificate timestamps a keyless certificate must carry; default 1. */
  ctlog_threshold?: number;
  /** Read the image's registry (endpoints from collectors.registry.registries); default true. */
  registry?: boolean;
  /** Default 10000. */
  timeout_ms?: number;
  /** Default 0: pushed attestations may arrive at any moment. */
  cache_ttl_ms?: number;
}

export const SIGNATURES_COLLECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keys: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'PEM public keys (paths or PEM text)' },
    trusted_root: { type: 'string', minLength: 1, description: 'path of an offline Sigstore trusted_root.json' },
    ctlog_threshold: { type: 'integer', minimum: 0, default: 1 },
    registry: { type: 'boolean', default: true },
    timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
    cache_ttl_ms: { type: 'integer', minimum: 0, default: 0 },
  },
} as const;

/** Key and trusted-root paths resolved against the config file's folder (PEM text is kept). */
export function resolveSignaturePaths<T extends { signatures?: SignaturesCollectorConfig }>(collectors: T, resolvePath: (p: string) => string): T {
  const s = collectors.signatures;
  if (!s) return collectors;
  const keys = s.keys?.map((k) => (k.trimStart().startsWith('-----BEGIN') ? k : resolvePath(k)));
  return { ...collectors, signatures: { ...s, ...(keys ? { keys } : {}), ...(s.trusted_root ? { trusted_root: resolvePath(s.trusted_root) } : {}) } };
}
