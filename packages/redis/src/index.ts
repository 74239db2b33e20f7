/**
 * `@licensegate/redis`: a Redis store for licensegate, so that every instance of an app shares its
 * seats, drawdown journals, engine heartbeats and tier answers.
 *
 * @example
 * ```ts
 * import { createLicenseGate } from '@licensegate/core';
 * import { RedisStore } from '@licensegate/redis';
 *
 * const gate = createLicenseGate({
 *   productSku: 'prod-abc123',
 *   seats: { entitlement: 'ConcurrentUsers' },
 *   store: new RedisStore({ client: { host: process.env.REDIS_HOST, port: 6379 } }),
 * });
 * ```
 *
 * @module @licensegate/redis
 */
export { RedisStore } from './redis-store.js';
export { DEFAULT_PREFIX, STORE_CLIENT_DEFAULTS, type RedisStoreOptions } from './options.js';
export {
  RedisUnavailableError,
  RedisStoreError,
  UnexpectedReplyError,
  REDIS_RETRY_AFTER_MS,
  type RedisErrorCode,
} from './errors.js';
export { hashKeyOf } from './keys.js';
