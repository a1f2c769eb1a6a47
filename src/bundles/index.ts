// Bundle distribution: the bundle server's revisions and the edge evaluator's poller.
// protocol, publisher, poller and validate are Web-standard; the rest is Node.
export { BUNDLE_MEDIA_TYPE, GZIP_MEDIA_TYPE, MAX_LONG_POLL_SECONDS, digestBytes, etagOf, ifNoneMatchMatches, preferredWaitSeconds, isLongPollMediaType } from './protocol.js';
export { validateBundle, type ValidatedBundle, type ValidateOptions } from './server/validate.js';
export { BundlePublisher, type PublisherOptions, type PublishResult } from './server/publisher.js';
export { PublishError, assertBundleName, type RevisionEntry, type RevisionIndex, type RevisionStore, type ServedBundle, type PublisherLogger } from './server/revisions.js';
export { BundlePoller, type PollerOptions, type PollerStatus, type Attempt, type AttemptOutcome, type LastGoodCache, type CachedBundle } from './agent/poller.js';
export { backoffDelayMs, pollIntervalMs, BACKOFF_BASE_MS } from './agent/backoff.js';
export { createDiskRevisionStore } from './server/revision-store.js';
export { createDiskCache } from './agent/last-good-cache.js';
export { writeFileAtomic } from './atomic-file.js';
