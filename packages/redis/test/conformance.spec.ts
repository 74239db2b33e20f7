import { silentLogger } from '@licensegate/core';
import { ManualClock, storeConformanceCases } from '@licensegate/core/testing';
import { Cluster, type Redis } from 'ioredis';

import { RedisStore } from '../src/index.js';
import { useRedisServer } from './support/redis-fixture.js';

const START = Date.parse('2026-01-01T00:00:00Z');

describe('RedisStore: the store conformance suite', () => {
  const redis = useRedisServer();

  describe('on a client the store makes from options, each case on a fresh prefix', () => {
    for (const testCase of storeConformanceCases) {
      it(testCase.name, async () => {
        const clock = new ManualClock(START);
        const store = new RedisStore({
          client: { host: redis.server.host, port: redis.server.port },
          prefix: redis.prefix(),
          logger: silentLogger,
        });
        await store.init({ clock });
        try {
          await testCase.run({ store, clock });
        } finally {
          await store.shutdown();
        }
      });
    }
  });

  describe('on a client the app passes, shared by every case (fresh prefixes)', () => {
    let client: Redis;
    before(async () => {
      client = redis.client();
      await client.connect();
    });
    after(() => client?.disconnect());

    for (const testCase of storeConformanceCases) {
      it(testCase.name, async () => {
        const clock = new ManualClock(START);
        const store = new RedisStore({ client, prefix: redis.prefix(), logger: silentLogger });
        await store.init({ clock });
        try {
          await testCase.run({ store, clock });
        } finally {
          await store.shutdown();
        }
      });
    }
  });
});

describe('RedisStore: the store conformance suite on a one-node Redis Cluster (ioredis Cluster)', () => {
  const redis = useRedisServer({ cluster: true });
  let cluster: Cluster;
  before(async () => {
    cluster = new Cluster([{ host: redis.server.host, port: redis.server.port }], {
      enableOfflineQueue: true,
      redisOptions: { autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
    });
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', () => resolve());
      cluster.once('error', reject);
    });
  });
  after(() => cluster?.disconnect());

  for (const testCase of storeConformanceCases) {
    it(testCase.name, async () => {
      const clock = new ManualClock(START);
      const store = new RedisStore({ client: cluster, prefix: redis.prefix(), logger: silentLogger });
      await store.init({ clock });
      try {
        await testCase.run({ store, clock });
      } finally {
        await store.shutdown();
      }
    });
  }
});
