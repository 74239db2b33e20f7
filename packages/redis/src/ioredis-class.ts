/**
 * ioredis's client class, however this ioredis hands it to an ES module. ioredis is CommonJS: from
 * 5.x releases whose `module.exports` is the class itself (5.0.0), Node's ESM loader sees no named
 * `Redis` export, and `import { Redis } from 'ioredis'` fails to load; the module's default export
 * (its `module.exports`) is the class there. Later releases export `Redis` by name as well. The
 * consumer test (`test/consumer/apps/redis-ioredis5`) runs the store on ioredis 5.0.0.
 */
import * as ioredis from 'ioredis';

type RedisClass = typeof ioredis.Redis;

/** The `Redis` client class of the installed ioredis. */
export const RedisClient: RedisClass =
  (ioredis as { Redis?: RedisClass }).Redis ?? (ioredis as unknown as { default: RedisClass }).default;
