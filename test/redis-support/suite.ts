/**
 * What every Redis end-to-end suite starts in `before` and stops in `after`: a `redis-server` on a
 * free loopback port and an emulator. Without redis-server the suite is skipped (pending), and one
 * line says why.
 */
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { findRedisServer, startRedisServer, type RunningRedis } from '@licensegate/redis/testing';

let saidMissing = false;

/** The suite's servers, once `before` has run. */
export interface RedisSuite {
  readonly redis: RunningRedis;
  readonly lm: RunningEmulator;
}

/** Registers the hooks for the calling `describe`. */
export function useRedisAndEmulator(): RedisSuite {
  let redis: RunningRedis | undefined;
  let lm: RunningEmulator | undefined;
  before(async function () {
    if (findRedisServer() === undefined) {
      if (!saidMissing)
        console.log('    redis-server is not installed: the Redis tests are skipped (.ci/run installs it)');
      saidMissing = true;
      this.skip();
    }
    this.timeout(15_000);
    redis = await startRedisServer();
    lm = await startEmulator({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await lm?.close();
    await redis?.stop();
  });
  return {
    get redis(): RunningRedis {
      if (redis === undefined) throw new Error('redis-server is not started');
      return redis;
    },
    get lm(): RunningEmulator {
      if (lm === undefined) throw new Error('the emulator is not started');
      return lm;
    },
  };
}
