// The store's public surface: openStore, the Store contract, masking and typed errors.
export { isSqliteFile, openStore, sqlitePath } from './open.js';
export { maskSecrets, DEFAULT_MASK_PATHS } from './mask.js';
export { toInputWaiver } from './waivers.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations.js';
export * from './errors.js';
export type * from './types.js';
export { workerEntry } from './worker-entry.js';
export { exposeFullCollection, startIdleCollection } from './idle-collection.js';
export { withDecisionWriterThread } from './writer-thread.js';
