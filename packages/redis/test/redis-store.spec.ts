import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { LicenseGateConfigurationError, LicenseUnavailableError, silentLogger } from '@licensegate/core';
import { StoreUnavailableError } from '@licensegate/core/store';
import { CapturingLogger, ManualClock } from '@licensegate/core/testing';
import { Redis } from 'ioredis';

import { hashKeyOf, RedisStore, RedisStoreError, RedisUnavailableError, UnexpectedReplyError } from '../src/index.js';
import { startRedisServer, type RunningRedis } from '../src/testing/index.js';
import { useRedisServer } from './support/redis-fixture.js';

const START = Date.parse('2026-01-01T00:00:00Z');

/** Calls of one Redis command so far (INFO commandstats). */
async function commandCalls(client: Redis, command: string): Promise<number> {
  const info = String(await client.info('commandstats'));
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return Number(match?.[1] ?? 0);
}

describe('RedisStore: Redis specifics', () => {
  const redis = useRedisServer();
  let admin: Redis;
  const stores: RedisStore[] = [];

  before(async () => {
    admin = redis.client();
    await admin.connect();
  });
  after(() => admin?.disconnect());
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.shutdown();
  });

  /** A store on its own client (made from options), initialised with `clock`. */
  async function storeOn(prefix: string, clock = new ManualClock(START)): Promise<RedisStore> {
    const store = new RedisStore({
      client: { host: redis.server.host, port: redis.server.port },
      prefix,
      logger: silentLogger,
    });
    await store.init({ clock });
    stores.push(store);
    return store;
  }

  describe('keys', () => {
    it('puts each namespace in one hash, <prefix>{<productSku>}:<part>, so a gate uses one hash tag', async () => {
      const prefix = redis.prefix();
      const store = await storeOn(prefix);
      for (const part of ['seats', 'drawdown', 'instances', 'tier']) await store.put(`prod-a1:${part}`, 'k', part);
      await store.put('prod-b2:seats', 'k', 'other gate');
      const keys = (await admin.keys(`${prefix}*`)).sort();
      assert.deepEqual(keys, [
        `${prefix}{prod-a1}:drawdown`,
        `${prefix}{prod-a1}:instances`,
        `${prefix}{prod-a1}:seats`,
        `${prefix}{prod-a1}:tier`,
        `${prefix}{prod-b2}:seats`,
      ]);
      assert.equal(await admin.type(`${prefix}{prod-a1}:seats`), 'hash');
      assert.deepEqual(await admin.hkeys(`${prefix}{prod-a1}:seats`), ['k']);
    });

    it('maps namespaces one to one, with or without a part', () => {
      assert.equal(hashKeyOf('lg:', 'sku:seats'), 'lg:{sku}:seats');
      assert.equal(hashKeyOf('lg:', 'sku:a:b'), 'lg:{sku}:a:b');
      assert.equal(hashKeyOf('lg:', 'sku'), 'lg:{sku}');
      assert.equal(hashKeyOf('lg:', 'sku:'), 'lg:{sku}:');
      assert.equal(hashKeyOf('', ':x'), '{}:x');
      const names = ['a', 'a:', 'a:b', 'a:b:c', 'a}:b', 'a}', ':a', 'a::b'];
      assert.equal(new Set(names.map((n) => hashKeyOf('p:', n))).size, names.length);
    });

    it('keeps a record as <version>|<expiresAt>|<the JSON the client wrote>, with the expiry from the gate clock', async () => {
      const prefix = redis.prefix();
      const clock = new ManualClock(START);
      const store = await storeOn(prefix, clock);
      await store.put('sku:seats', 'k', { n: 0.1, big: Number.MAX_SAFE_INTEGER }, { ttlMs: 1_500 });
      await store.put('sku:seats', 'k', { n: 0.1, big: Number.MAX_SAFE_INTEGER }, { ttlMs: 1_500 });
      assert.equal(
        await admin.hget(`${prefix}{sku}:seats`, 'k'),
        `2|${START + 1_500}|{"n":0.1,"big":9007199254740991}`,
      );
      assert.equal(await admin.pttl(`${prefix}{sku}:seats`), -1, 'no Redis TTL: expiry is the gate clock alone');
    });
  });

  describe('time', () => {
    it('reads time from the gate clock only: a record lives on in real time until the clock reaches its expiry', async () => {
      const clock = new ManualClock(START);
      const store = await storeOn(redis.prefix(), clock);
      await store.put('sku:x', 'k', 'v', { ttlMs: 1 });
      await sleep(20);
      assert.equal((await store.get('sku:x', 'k'))?.value, 'v', 'real time passed, the clock did not');
      await clock.advance(1);
      assert.equal(await store.get('sku:x', 'k'), undefined);
    });

    it('deletes an expired record from Redis when it reads it (prune on read)', async () => {
      const prefix = redis.prefix();
      const clock = new ManualClock(START);
      const store = await storeOn(prefix, clock);
      await store.put('sku:x', 'gone', 1, { ttlMs: 10 });
      await store.put('sku:x', 'kept', 2);
      await clock.advance(10);
      assert.equal(await admin.hlen(`${prefix}{sku}:x`), 2);
      assert.deepEqual(
        (await store.list('sku:x')).map((r) => r.key),
        ['kept'],
      );
      assert.deepEqual(await admin.hkeys(`${prefix}{sku}:x`), ['kept']);
    });
  });

  describe('numbers', () => {
    it('keeps versions exact up to 2^53 - 1', async () => {
      const prefix = redis.prefix();
      const store = await storeOn(prefix);
      const near = Number.MAX_SAFE_INTEGER - 2;
      await admin.hset(`${prefix}{sku}:x`, 'k', `${near}||"old"`);
      assert.equal(await store.put('sku:x', 'k', 'new', { ifVersion: near }), near + 1);
      assert.equal(await store.increment('sku:x', 'k2', 1), 1);
      assert.equal(await store.put('sku:x', 'k', 'newer', { ifVersion: near + 1 }), Number.MAX_SAFE_INTEGER);
      assert.deepEqual(await store.get('sku:x', 'k'), {
        value: 'newer',
        version: Number.MAX_SAFE_INTEGER,
        expiresAt: null,
      });
    });

    it('adds to counters exactly as JavaScript does, integers near 2^53 and fractions alike', async () => {
      const store = await storeOn(redis.prefix());
      assert.equal(await store.increment('sku:x', 'big', Number.MAX_SAFE_INTEGER - 10), Number.MAX_SAFE_INTEGER - 10);
      for (let i = 9; i >= 0; i--) assert.equal(await store.increment('sku:x', 'big', 1), Number.MAX_SAFE_INTEGER - i);
      assert.equal(await store.increment('sku:x', 'big', -Number.MAX_SAFE_INTEGER), 0);
      for (const start of [0.1, 1.5, -2.75, 1e-7, 123456.789]) {
        await store.put('sku:x', 'f', start);
        assert.equal(await store.increment('sku:x', 'f', 3), start + 3);
        assert.equal((await store.get('sku:x', 'f'))?.value, start + 3);
      }
    });
  });

  describe('atomicity across connections', () => {
    it('counts every increment of two clients on one counter, each result seen once', async () => {
      const prefix = redis.prefix();
      const [a, b] = [await storeOn(prefix), await storeOn(prefix)];
      const pending: Promise<number>[] = [];
      for (let i = 0; i < 300; i++) pending.push((i % 2 === 0 ? a : b).increment('sku:drawdown', 'n', 1));
      const results = await Promise.all(pending);
      assert.deepEqual(
        [...results].sort((x, y) => x - y),
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      assert.deepEqual(await a.get('sku:drawdown', 'n'), { value: 300, version: 300, expiresAt: null });
    });

    it('gives one key to exactly one of many ifAbsent writers spread over two clients', async () => {
      const prefix = redis.prefix();
      const [a, b] = [await storeOn(prefix), await storeOn(prefix)];
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? a : b).put('sku:seats', `seat-${round}`, i, { ifAbsent: true }),
          ),
        );
        assert.equal(results.filter((v) => v !== undefined).length, 1, `round ${round}`);
      }
    });

    it('loses no update of compare-and-set writers on two clients', async () => {
      const prefix = redis.prefix();
      const [a, b] = [await storeOn(prefix), await storeOn(prefix)];
      await a.put('sku:x', 'total', 0);
      const writer = async (store: RedisStore): Promise<void> => {
        for (let done = 0; done < 25;) {
          const record = await store.get<number>('sku:x', 'total');
          assert.ok(record);
          if ((await store.put('sku:x', 'total', record.value + 1, { ifVersion: record.version })) !== undefined)
            done++;
        }
      };
      await Promise.all([writer(a), writer(b), writer(a), writer(b)]);
      assert.deepEqual(await b.get('sku:x', 'total'), { value: 100, version: 101, expiresAt: null });
    });
  });

  describe('scripts', () => {
    it('costs one EVALSHA per call', async () => {
      const store = await storeOn(redis.prefix());
      await store.put('sku:x', 'warm', 1);
      const before = await commandCalls(admin, 'evalsha');
      await store.get('sku:x', 'k');
      await store.put('sku:x', 'k', 1);
      await store.increment('sku:x', 'n', 1);
      await store.list('sku:x');
      await store.delete('sku:x', 'k');
      assert.equal((await commandCalls(admin, 'evalsha')) - before, 5);
    });

    it('loads its scripts again after SCRIPT FLUSH (EVALSHA answers NOSCRIPT, then one EVAL)', async () => {
      const store = await storeOn(redis.prefix());
      assert.equal(await store.increment('sku:x', 'n', 1), 1);
      await admin.script('FLUSH');
      assert.deepEqual(await admin.script('EXISTS', ...[], 'x'.repeat(40)), [0]);
      const evals = await commandCalls(admin, 'eval');
      assert.equal(await store.increment('sku:x', 'n', 1), 2);
      assert.equal((await commandCalls(admin, 'eval')) - evals, 1);
      assert.equal(await store.increment('sku:x', 'n', 1), 3);
      assert.equal((await commandCalls(admin, 'eval')) - evals, 1, 'the script is cached again');
    });
  });

  describe('data it did not write', () => {
    it('rejects with an UnexpectedReplyError when a field is not a record, and a clear Error for a key of another type', async () => {
      const prefix = redis.prefix();
      const store = await storeOn(prefix);
      await admin.hset(`${prefix}{sku}:x`, 'junk', 'no header here');
      await assert.rejects(
        store.get('sku:x', 'junk'),
        (error: unknown) => error instanceof UnexpectedReplyError && error.code === 'ERR_LG_REDIS_UNEXPECTED_DATA',
      );
      await admin.set(`${prefix}{sku}:y`, 'a string');
      await assert.rejects(store.get('sku:y', 'k'), (error: Error) => {
        assert.ok(!(error instanceof RedisUnavailableError));
        assert.ok(error instanceof RedisStoreError);
        assert.equal(error.code, 'ERR_LG_REDIS_REFUSED');
        assert.match(error.message, /RedisStore: Redis refused the get\(\) script: .*WRONGTYPE/);
        return true;
      });
    });
  });

  describe('options and lifecycle', () => {
    it('is a shared store', () => {
      const store = new RedisStore({ client: { host: '127.0.0.1', port: 1 }, logger: silentLogger });
      assert.equal(store.shared, true);
      assert.equal(store.prefix, 'licensegate:');
    });

    it('refuses bad options with ERR_LG_OPTION_STORE', () => {
      const bad: unknown[] = [
        undefined,
        {},
        { client: null },
        { client: { port: 6379 }, prefix: 'a{b}' },
        { client: { port: 6379 }, prefix: 7 },
        { client: { port: 6379 }, prefx: 'x' },
        { client: { port: 6379 }, logger: {} },
        { client: new Redis({ lazyConnect: true }) },
        { client: 'http://127.0.0.1:6379' },
      ];
      for (const options of bad) {
        assert.throws(
          () => new RedisStore(options as never),
          (error: Error) => error instanceof LicenseGateConfigurationError && error.code === 'ERR_LG_OPTION_STORE',
          JSON.stringify(options),
        );
      }
    });

    it('connects from a redis:// URL', async () => {
      const store = new RedisStore({
        client: `redis://127.0.0.1:${redis.server.port}/0`,
        prefix: redis.prefix(),
        logger: silentLogger,
      });
      await store.init({ clock: new ManualClock(START) });
      try {
        assert.equal(await store.increment('sku:x', 'n', 2), 2);
        const { options } = store.client as Redis;
        assert.equal(options.autoResendUnfulfilledCommands, false);
        assert.equal(options.enableOfflineQueue, false);
        assert.equal(options.db, 0);
      } finally {
        await store.shutdown();
      }
    });

    it('quits a client it made at the last shutdown and connects it again at the next init; never quits a client it was given', async () => {
      const clock = new ManualClock(START);
      const owned = new RedisStore({
        client: { host: redis.server.host, port: redis.server.port },
        logger: silentLogger,
      });
      await owned.init({ clock });
      await owned.init({ clock });
      await owned.shutdown();
      assert.equal(owned.client.status, 'ready', 'one gate still uses it');
      await owned.shutdown();
      assert.equal(owned.client.status, 'end');
      await owned.init({ clock });
      assert.equal(await owned.increment('sku:x', `n-${redis.prefix()}`, 1), 1);
      await owned.shutdown();

      const given = redis.client();
      await given.connect();
      const store = new RedisStore({ client: given, logger: silentLogger });
      await store.init({ clock });
      await store.shutdown();
      assert.equal(given.status, 'ready');
      given.disconnect();
    });
  });
});

describe('RedisStore: Redis unreachable', () => {
  let server: RunningRedis | undefined;
  const redis = useRedisServer();

  after(() => server?.stop());

  it('rejects at once with a RedisUnavailableError (a 503 LicenseUnavailableError), logs it once, and recovers when Redis is back', async function () {
    this.timeout(15_000);
    const port = redis.server.port;
    const logger = new CapturingLogger();
    const store = new RedisStore({ client: { host: '127.0.0.1', port }, prefix: redis.prefix(), logger });
    await store.init({ clock: new ManualClock(START) });
    try {
      assert.equal(await store.increment('sku:drawdown', 'n', 5), 5);
      await redis.server.stop();

      for (const call of [
        () => store.increment('sku:drawdown', 'n', 1),
        () => store.get('sku:drawdown', 'n'),
        () => store.put('sku:seats', 'k', 1, { ifAbsent: true }),
        () => store.list('sku:seats'),
        () => store.delete('sku:seats', 'k'),
      ]) {
        const started = performance.now();
        await assert.rejects(call(), (error: Error) => {
          assert.ok(error instanceof RedisUnavailableError, `${error.name}: ${error.message}`);
          assert.ok(error instanceof StoreUnavailableError, 'the typed store outage every store raises');
          assert.ok(error instanceof LicenseUnavailableError);
          assert.equal(error.code, 'ERR_LG_LICENSE_UNAVAILABLE');
          assert.equal(error.retryAfterMs, 1_000);
          assert.match(error.message, /Redis cannot be reached/);
          return true;
        });
        assert.ok(performance.now() - started < 250, 'a call fails at once, it does not wait for Redis');
      }
      // The outage is logged from the client's own close/error event, which a loaded machine may
      // deliver after the calls have failed: wait for it (bounded), then it is there exactly once.
      for (
        let waited = 0;
        logger.events('licensegate.redis.unavailable').length === 0 && waited < 2_000;
        waited += 20
      ) {
        await sleep(20);
      }
      assert.equal(logger.events('licensegate.redis.unavailable').length, 1);

      server = await startRedisServer({ port });
      const deadline = performance.now() + 5_000;
      for (;;) {
        try {
          assert.equal(await store.increment('sku:drawdown', 'n', 1), 1, 'a new server (no persistence) starts empty');
          break;
        } catch (error) {
          if (!(error instanceof RedisUnavailableError) || performance.now() > deadline) throw error;
          await sleep(50);
        }
      }
      assert.equal(logger.events('licensegate.redis.recovered').length, 1);
      assert.equal(logger.events('licensegate.redis.unavailable').length, 1, 'one outage, one warning');
    } finally {
      await store.shutdown();
    }
  });

  it('tells a command that never left (nothing changed) from one whose answer was lost (may have run)', async function () {
    this.timeout(10_000);
    const target = await startRedisServer();
    const store = new RedisStore({ client: { host: '127.0.0.1', port: target.port }, logger: silentLogger });
    await store.init({ clock: new ManualClock(START) });
    const admin = new Redis({ host: '127.0.0.1', port: target.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await admin.connect();
    try {
      // CLIENT PAUSE holds the store's script in the server: it is sent, and its answer never comes.
      await admin.call('CLIENT', 'PAUSE', '2000', 'WRITE');
      const inflight = store.increment('sku:x', 'n', 1);
      await sleep(50);
      (store.client as Redis).stream.destroy();
      await assert.rejects(inflight, (error: Error) => error instanceof RedisUnavailableError && error.maybeApplied);
      await assert.rejects(
        store.get('sku:x', 'n'),
        (error: Error) => error instanceof RedisUnavailableError && !error.maybeApplied,
      );
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      admin.disconnect();
      await store.shutdown();
      await target.stop();
    }
  });
});
