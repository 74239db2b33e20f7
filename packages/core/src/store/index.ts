/**
 * `@licensegate/core/store` — the store kit, for authors of a store (`@licensegate/redis`,
 * `@licensegate/file-store`, your own): the {@link Store} contract and its record types, the
 * argument checks every store makes the same way (so that each rejects bad input with the same
 * coded error), and the value encoding. Prove a store with `storeConformanceCases` from
 * `@licensegate/core/testing`. Apps use `@licensegate/core` instead.
 *
 * @module @licensegate/core/store
 */
export {
  isDurable,
  type Store,
  type StoreRecord,
  type ListedRecord,
  type PutOptions,
  type StoreContext,
} from './store.js';
export { serializeStoreValue } from './memory-store.js';
export {
  assertBy,
  assertName,
  assertStoreContext,
  readDeleteOptions,
  readIncrementOptions,
  readPutOptions,
  type WriteConditions,
} from './store-arguments.js';
export { describeValue as describeStoreArgument } from './describe-value.js';
export {
  StoreUnavailableError,
  StoreArgumentError,
  StoreNotACounterError,
  StoreCounterRangeError,
  STORE_RETRY_AFTER_MS,
  type StoreUnavailableErrorOptions,
} from './store-errors.js';
export {
  assertKnownOptions,
  unknownNames,
  unknownOptionsMessage,
  type UnknownName,
  type UnknownOptionsContext,
} from '../validation/unknown-options.js';
export { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
