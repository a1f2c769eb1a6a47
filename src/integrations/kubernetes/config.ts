// The `kubernetes:` section of dfw.yaml: the validating admission webhook's HTTPS listener.
// Declared beside the webhook; src/config assembles it with the other rooms' sections.

export interface KubernetesConfig {
  admission?: AdmissionConfig;
}

export interface AdmissionConfig {
  host?: string;
  port?: number;
  tls: { cert_file: string; key_file: string; client_ca_file?: string; reload_interval_seconds?: number };
  timeout_seconds?: number;
  environment_label?: string | false;
  namespace_label_lookup?: boolean;
  recheck_unchanged_images?: boolean;
  namespaces?: Record<string, string>;
  /** Admit an image whose registry holds a dfw verification summary for its digest and environment. */
  admit_on_summary?: { public_key: string };
}

/** kubernetes.admission: the validating admission webhook's HTTPS listener (docs/kubernetes.md). */
export const KUBERNETES_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    admission: {
      type: 'object',
      additionalProperties: false,
      required: ['tls'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['cert_file', 'key_file'],
          properties: {
            cert_file: { type: 'string', minLength: 1 },
            key_file: { type: 'string', minLength: 1 },
            client_ca_file: { type: 'string', minLength: 1 },
            reload_interval_seconds: { type: 'number', minimum: 1 },
          },
        },
        timeout_seconds: { type: 'number', minimum: 1, maximum: 30 },
        environment_label: { oneOf: [{ type: 'string', minLength: 1 }, { const: false }] },
        namespace_label_lookup: { type: 'boolean', description: 'read namespace labels from the Kubernetes API (in-cluster service account)' },
        recheck_unchanged_images: { type: 'boolean' },
        namespaces: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
        admit_on_summary: {
          type: 'object',
          additionalProperties: false,
          required: ['public_key'],
          properties: { public_key: { type: 'string', minLength: 1, description: 'path of the PEM public key of dfw\'s attestation.signing_key' } },
        },
      },
    },
  },
} as const;
