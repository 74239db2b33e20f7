/**
 * `@licensegate/file-store`: a durable store for licensegate on local disk, for an app that runs as
 * ONE process (an AWS Marketplace AMI product, one container): its seats and drawdown journal
 * survive a crash of the process.
 *
 * @example
 * ```ts
 * import { createLicenseGate } from '@licensegate/core';
 * import { FileStore } from '@licensegate/file-store';
 *
 * const gate = createLicenseGate({
 *   productSku: 'prod-abc123',
 *   seats: { entitlement: 'ConcurrentUsers' },
 *   store: new FileStore({ directory: '/var/lib/myapp/licensegate' }),
 * });
 * ```
 *
 * @packageDocumentation
 */
export { FileStore, type FileStoreStats } from './file-store.js';
export type { LogStats } from './write-ahead-log.js';
export { DEFAULT_COMPACTION_THRESHOLD_BYTES, DEFAULT_SWEEP_INTERVAL_MS, type FileStoreOptions } from './options.js';
export {
  FileStoreError,
  FileStoreLockedError,
  FileStoreWriteError,
  FILE_STORE_RETRY_AFTER_MS,
  type FileStoreErrorCode,
} from './errors.js';
export { LOG_FORMAT } from './log-format.js';
