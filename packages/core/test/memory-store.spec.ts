import assert from 'node:assert/strict';

import { LicenseGateConfigurationError } from '../src/errors.js';
import { DEFAULT_SWEEP_INTERVAL_MS, MemoryStore, serializeStoreValue } from '../src/store/memory-store.js';
import type { MemoryStoreOptions } from '../src/store/memory-store.js';
import { StoreArgumentError } from '../src/store/store-errors.js';
import { ManualClock, storeConformanceCases } from '../src/testing/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const NS = 'sku:seats';

describe('MemoryStore', () => {
  describe('store conformance', () => {
    for (const testCase of storeConformanceCases) {
      it(testCase.name, async () => {
        const clock = new ManualClock(T0);
        const store = new MemoryStore();
        await store.init({ clock });
        try {
          await testCase.run({ store, clock });
        } finally {
          await store.shutdown();
        }
        assert.equal(clock.pendingTimers, 0, 'the last shutdown must leave no timer behind');
      });
    }
  });

  describe('sweep', () => {
    it('deletes expired records on the clock timer, once per sweepIntervalMs', async () => {
      const clock = new ManualClock(T0);
      const store = new MemoryStore({ sweepIntervalMs: 10_000 });
      await store.init({ clock });
      await store.put(NS, 'a', 1, { ttlMs: 1_000 });
      await store.put(NS, 'b', 2, { ttlMs: 15_000 });
      await store.put('sku:tiers', 'c', 3, { ttlMs: 1_000 });
      await store.put(NS, 'forever', 4);
      assert.equal(store.size, 4);

      await clock.advance(9_999);
      assert.equal(store.size, 4, 'expired but not yet swept');
      await clock.advance(1);
      assert.equal(store.size, 2, 'the first sweep deletes a and c');
      assert.equal(clock.pendingTimers, 1, 'the sweep re-arms itself');

      await clock.advance(10_000);
      assert.equal(store.size, 1);
      assert.deepEqual(
        (await store.list(NS)).map((record) => record.key),
        ['forever'],
      );
      await store.shutdown();
    });

    it('runs every 60 seconds by default', async () => {
      assert.equal(DEFAULT_SWEEP_INTERVAL_MS, 60_000);
      const clock = new ManualClock(T0);
      const store = new MemoryStore();
      await store.init({ clock });
      await store.put(NS, 'a', 1, { ttlMs: 1 });
      await clock.advance(59_999);
      assert.equal(store.size, 1);
      await clock.advance(1);
      assert.equal(store.size, 0);
      await store.shutdown();
    });

    it('stops at the last shutdown: no timer left, expired records stay until read', async () => {
      const clock = new ManualClock(T0);
      const store = new MemoryStore({ sweepIntervalMs: 1_000 });
      assert.equal(clock.pendingTimers, 0);
      await store.init({ clock });
      assert.equal(clock.pendingTimers, 1);
      await store.put(NS, 'a', 1, { ttlMs: 10 });
      await store.shutdown();
      assert.equal(clock.pendingTimers, 0);
      await clock.advance(10_000);
      assert.equal(store.size, 1, 'no sweep ran after shutdown');
      assert.equal(await store.get(NS, 'a'), undefined, 'the store stays usable, on the same clock');
      assert.equal(store.size, 0, 'a read drops the expired record it meets');
    });

    it('keeps sweeping while one of two gates sharing the store still uses it', async () => {
      const clock = new ManualClock(T0);
      const store = new MemoryStore({ sweepIntervalMs: 1_000 });
      await store.init({ clock });
      await store.init({ clock });
      assert.equal(clock.pendingTimers, 1, 'one sweep for the whole store');

      await store.shutdown();
      assert.equal(clock.pendingTimers, 1);
      await store.put(NS, 'a', 1, { ttlMs: 10 });
      await clock.advance(1_000);
      assert.equal(store.size, 0, 'still sweeping');

      await store.shutdown();
      assert.equal(clock.pendingTimers, 0);
      await store.put(NS, 'b', 1, { ttlMs: 10 });
      await clock.advance(5_000);
      assert.equal(store.size, 1, 'stopped');
    });

    it('ignores extra shutdowns, and starts again at the next init', async () => {
      const clock = new ManualClock(T0);
      const store = new MemoryStore({ sweepIntervalMs: 1_000 });
      await store.shutdown();
      await store.init({ clock });
      await store.shutdown();
      await store.shutdown();
      assert.equal(clock.pendingTimers, 0);

      await store.init({ clock });
      assert.equal(clock.pendingTimers, 1);
      await store.put(NS, 'a', 1, { ttlMs: 10 });
      await clock.advance(1_000);
      assert.equal(store.size, 0);
      await store.shutdown();
      assert.equal(clock.pendingTimers, 0);
    });

    it('takes the clock of the next first init after the last shutdown', async () => {
      const first = new ManualClock(T0);
      const second = new ManualClock(T0 + 3_600_000);
      const store = new MemoryStore();
      await store.init({ clock: first });
      await store.put(NS, 'a', 1, { ttlMs: 1_000 });
      await store.shutdown();
      await store.init({ clock: second });
      assert.equal(first.pendingTimers, 0);
      assert.equal(second.pendingTimers, 1);
      assert.equal(await store.get(NS, 'a'), undefined, 'time now comes from the second clock');
      await store.shutdown();
    });

    it('keeps the first clock while a gate still uses the store', async () => {
      const first = new ManualClock(T0);
      const second = new ManualClock(T0 + 3_600_000);
      const store = new MemoryStore();
      await store.init({ clock: first });
      await store.init({ clock: second });
      assert.equal(second.pendingTimers, 0);
      await store.put(NS, 'a', 1, { ttlMs: 1_000 });
      assert.equal((await store.get(NS, 'a'))?.expiresAt, T0 + 1_000);
      await store.shutdown();
      await store.shutdown();
      assert.equal(first.pendingTimers, 0);
    });
  });

  describe('before init', () => {
    it('works standalone on the system clock', async () => {
      const store = new MemoryStore();
      const before = Date.now();
      await store.put(NS, 'a', 1, { ttlMs: 60_000 });
      const after = Date.now();
      const expiresAt = (await store.get(NS, 'a'))?.expiresAt;
      assert.ok(expiresAt !== undefined && expiresAt !== null);
      assert.ok(expiresAt >= before + 60_000 && expiresAt <= after + 60_000, `expiresAt ${expiresAt}`);
      assert.equal(await store.increment(NS, 'n', 2), 2);
    });
  });

  describe('init()', () => {
    it('rejects a context without a clock', async () => {
      const store = new MemoryStore();
      const isArgumentError = (error: unknown): boolean =>
        error instanceof StoreArgumentError && error.code === 'ERR_LG_STORE_ARGUMENT' && /init\(\)/.test(error.message);
      await assert.rejects(() => store.init({} as never), isArgumentError);
      await assert.rejects(() => store.init({ clock: { now: () => 0 } } as never), isArgumentError);
    });
  });

  describe('size', () => {
    it('counts live and not-yet-swept records across namespaces', async () => {
      const clock = new ManualClock(T0);
      const store = new MemoryStore();
      await store.init({ clock });
      assert.equal(store.size, 0);
      await store.put('a', 'k', 1);
      await store.put('b', 'k', 1, { ttlMs: 10 });
      await store.increment('b', 'n', 1);
      assert.equal(store.size, 3);
      await store.delete('a', 'k');
      assert.equal(store.size, 2);
      await clock.advance(10);
      assert.equal(store.size, 2);
      assert.equal((await store.list('b')).length, 1);
      assert.equal(store.size, 1, 'list drops the expired records it meets');
      await store.shutdown();
    });
  });

  describe('atomicity', () => {
    it('does each call in one synchronous step: the result is in the store before the promise is awaited', async () => {
      const store = new MemoryStore();
      const write = store.put(NS, 'a', 1);
      assert.equal(store.size, 1);
      await write;
      const removal = store.delete(NS, 'a');
      assert.equal(store.size, 0);
      assert.equal(await removal, true);
    });
  });

  describe('constructor options', () => {
    const bad: [string, unknown][] = [
      ['zero', { sweepIntervalMs: 0 }],
      ['negative', { sweepIntervalMs: -1 }],
      ['NaN', { sweepIntervalMs: NaN }],
      ['Infinity', { sweepIntervalMs: Infinity }],
      ['too long for a timer', { sweepIntervalMs: 2 ** 31 }],
      ['a string', { sweepIntervalMs: '60000' }],
      ['an unknown option', { sweepInterval: 1_000 }],
      ['null', null],
      ['a number', 60_000],
      ['an array', []],
    ];
    for (const [label, options] of bad) {
      it(`throws ERR_LG_OPTION_STORE for ${label}`, () => {
        assert.throws(
          () => new MemoryStore(options as MemoryStoreOptions),
          (error: unknown) =>
            error instanceof LicenseGateConfigurationError &&
            error.code === 'ERR_LG_OPTION_STORE' &&
            error.message.startsWith('MemoryStore: '),
        );
      });
    }

    it('accepts no options, empty options and a valid sweepIntervalMs', () => {
      assert.ok(new MemoryStore());
      assert.ok(new MemoryStore({}));
      assert.ok(new MemoryStore({ sweepIntervalMs: undefined }));
      assert.ok(new MemoryStore({ sweepIntervalMs: 1 }));
      assert.ok(new MemoryStore({ sweepIntervalMs: 2 ** 31 - 1 }));
    });
  });

  describe('serializeStoreValue()', () => {
    it('returns the JSON text of a representable value', () => {
      assert.equal(serializeStoreValue({ a: 1, b: undefined, c: [undefined] }), '{"a":1,"c":[null]}');
      assert.equal(serializeStoreValue(null), 'null');
    });

    it('names the member that cannot be stored', () => {
      const refused = (message: RegExp) => (error: unknown) =>
        error instanceof StoreArgumentError &&
        error instanceof TypeError &&
        error.code === 'ERR_LG_STORE_ARGUMENT' &&
        message.test(error.message);
      assert.throws(
        () => serializeStoreValue({ seat: { renew: () => 1 } }),
        refused(/the member "renew" is a function/),
      );
      assert.throws(() => serializeStoreValue({ units: NaN }), refused(/"units" is NaN/));
      assert.throws(() => serializeStoreValue(undefined), refused(/undefined/));
      const cycle: Record<string, unknown> = {};
      cycle['self'] = cycle;
      assert.throws(() => serializeStoreValue(cycle), refused(/Cannot store this value as JSON: .*circular/i));
    });
  });
});
