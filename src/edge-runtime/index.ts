// The edge runtime's public surface, and the entry built for browsers (scripts/build-edge.ts).
export { createEdgeHandler, EdgeConfigError, DEFAULT_RETRY_AFTER_MS, type EdgeHandler, type EdgeHandlerOptions } from './handler.js';
export { BundleFetchError, DEFAULT_MAX_DOWNLOAD_BYTES, type BundleSource, type BundleBytes, type BundleUrl } from './bundle-source.js';
export { edgeOptionsFromSettings, pickEdgeSettings, EDGE_SETTINGS, type EdgeSettings } from './env-config.js';
