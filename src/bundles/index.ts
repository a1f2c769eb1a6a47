// Bundle distribution: the bundle server's revisions and the edge evaluator's poller.
// protocol, publisher, poller and validate are Web-standard; the rest is Node.
export { BUNDLE_MEDIA_TYPE, GZIP_MEDIA_TYPE, digestBytes, preferredWaitSeconds } from './protocol.js';
export { BundlePublisher } from './server/publisher.js';
export { BundlePoller } from './agent/poller.js';
export { backoffDelayMs, pollIntervalMs } from './agent/backoff.js';
export { createDiskRevisionStore } from './server/revision-store.js';
export { createDiskCache } from './agent/last-good-cache.js';
