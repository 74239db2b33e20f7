/**
 * A `redis-server` per suite: started in `before` on a free loopback port, stopped in `after`. On a
 * machine without redis-server the suite is skipped (its tests show as pending) and one line says why.
 */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

import { findRedisServer, startRedisServer, type RunningRedis } from '../../src/testing/index.js';

let saidMissing = false;

/** The suite's server, once `before` has run. */
export interface RedisHandle {
  readonly server: RunningRedis;
  /** A new client of the server with the settings the store requires (the caller disconnects it). */
  client(): Redis;
  /** A prefix no other test uses. */
  prefix(): string;
}

/** Registers the hooks that start and stop a server for the calling `describe`. */
export function useRedisServer(options: { cluster?: boolean } = {}): RedisHandle {
  let server: RunningRedis | undefined;
  before(async function () {
    if (findRedisServer() === undefined) {
      if (!saidMissing)
        console.log('    redis-server is not installed: the Redis tests are skipped (.ci/run installs it)');
      saidMissing = true;
      this.skip();
    }
    this.timeout(15_000);
    server = await startRedisServer({ cluster: options.cluster === true });
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get server(): RunningRedis {
      if (server === undefined) throw new Error('the Redis server is not started');
      return server;
    },
    client(): Redis {
      const running = this.server;
      return new Redis({
        host: running.host,
        port: running.port,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableOfflineQueue: false,
        lazyConnect: true,
      });
    },
    prefix(): string {
      return `t${randomUUID().slice(0, 8)}:`;
    },
  };
}
