// Bundle distribution: the bundle server's revisions and the edge evaluator's poller.
// protocol, publisher, poller and validate are Web-standard; the rest is Node.
export { BUNDLE_MEDIA_TYPE, GZIP_MEDIA_TYPE, MAX_LONG_POLL_SECONDS, digestBytes, etagOf, ifNoneMatchMatches, preferredWaitSeconds, isLongPollMediaType } from './protocol.js';
export { validateBundle, type ValidatedBundle, type ValidateOptions } from './validate.js';
export { BundlePublisher, type PublisherOptions, type PublishResult } from './publisher.js';
export { PublishError, assertBundleName, type RevisionEntry, type RevisionIndex, type RevisionStore, type ServedBundle, type PublisherLogger } from './revisions.js';
export { BundlePoller, type PollerOptions, type PollerStatus, type Attempt, type AttemptOutcome, type LastGoodCache, type CachedBundle } from './poller.js';
export { backoffDelayMs, pollIntervalMs, BACKOFF_BASE_MS } from './backoff.js';
export { createDiskRevisionStore } from './revision-store.js';
export { createDiskCache } from './last-good-cache.js';
export { writeFileAtomic } from './atomic-file.js';
export { openBundleSource, BundleSourceError, type BundleSource, type BundleSourceOptions } from './bundle-source.js';
