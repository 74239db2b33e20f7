/**
 * `@licensegate/redis/testing`: a throwaway `redis-server` for the tests of an app that uses the
 * Redis store (and for this package's own tests).
 *
 * @example
 * ```ts
 * import { findRedisServer, startRedisServer } from '@licensegate/redis/testing';
 *
 * before(async function () {
 *   if (findRedisServer() === undefined) this.skip();
 *   redis = await startRedisServer(); // 127.0.0.1, a free port
 * });
 * after(() => redis?.stop());
 * ```
 *
 * @module @licensegate/redis/testing
 */
export {
  findRedisServer,
  startRedisServer,
  RedisServerError,
  type RedisServerOptions,
  type RunningRedis,
} from './redis-server.js';
