// The `publish:` section of dfw.yaml: the bundle server's kept revisions. Declared beside
// the publisher; src/config assembles it with the other rooms' sections.

export interface PublishConfig {
  dir: string;
  keep: number;
}

export const DEFAULT_PUBLISH_CONFIG: PublishConfig = { dir: 'data/bundles', keep: 10 };

export const PUBLISH_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'the bundle server: where published revisions live and how many are kept',
  properties: {
    dir: { type: 'string', minLength: 1 },
    keep: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;
