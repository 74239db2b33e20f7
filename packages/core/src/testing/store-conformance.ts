/**
 * The conformance suite every {@link Store} must pass: the memory store, the Redis store, and any
 * store an app writes itself. It is runner-agnostic — each case is an async function that throws
 * (with `node:assert/strict`) when the store breaks the contract — so mocha, `node:test`, jest or
 * vitest can run it.
 *
 * @example
 * ```ts
 * import { ManualClock, storeConformanceCases } from '@licensegate/core/testing';
 *
 * describe('MyStore conformance', () => {
 *   for (const testCase of storeConformanceCases) {
 *     it(testCase.name, async () => {
 *       const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
 *       const store = new MyStore(); // empty, or with namespaces no other case uses
 *       await store.init?.({ clock });
 *       try {
 *         await testCase.run({ store, clock });
 *       } finally {
 *         await store.shutdown?.();
 *       }
 *     });
 *   }
 * });
 * ```
 *
 * @module
 */
import assert from 'node:assert/strict';

import type { ListedRecord, Store } from '../store/store.js';
import { StoreArgumentError, StoreCounterRangeError, StoreNotACounterError } from '../store/store-errors.js';
import type { ManualClock } from './manual-clock.js';

/**
 * What each conformance case is given. The caller prepares it before EVERY case:
 * - `store` is a store with no records in the namespaces the cases use (`conformance:*`) — a new
 *   one, or a shared backend flushed between cases;
 * - `store.init({ clock })` has been called with this very `clock` (and `shutdown()` is the
 *   caller's to call after the case), because the cases move time with `clock.advance()` and
 *   expect the store to read time from it.
 */
export interface StoreConformanceContext {
  /** The store under test, already initialised with `clock`. */
  readonly store: Store;
  /** The clock given to `store.init()`. */
  readonly clock: ManualClock;
}

/** One case of the suite: a name for the runner, and the check itself. */
export interface StoreConformanceCase {
  /** What the case checks, as a sentence a test runner can print. */
  readonly name: string;
  /** Runs the check; rejects (with an `AssertionError`) when the store breaks the contract. */
  run(context: StoreConformanceContext): Promise<void>;
}

/** The namespace most cases use. */
const NS = 'conformance:main';
/** A second namespace, for isolation checks. */
const OTHER_NS = 'conformance:other';
/** A ttl long enough to outlive a case unless the case moves the clock. */
const TTL = 60_000;

/** Every live record of a namespace, sorted by key, for before/after comparisons. */
async function snapshot(store: Store, namespace: string = NS): Promise<ListedRecord[]> {
  const records = await store.list(namespace);
  return records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A store error class the suite expects. */
type StoreErrorClass = typeof StoreArgumentError | typeof StoreNotACounterError | typeof StoreCounterRangeError;

/** The code each store error class carries. */
const CODE_OF = new Map<StoreErrorClass, string>([
  [StoreArgumentError, 'ERR_LG_STORE_ARGUMENT'],
  [StoreNotACounterError, 'ERR_LG_STORE_NOT_A_COUNTER'],
  [StoreCounterRangeError, 'ERR_LG_STORE_COUNTER_RANGE'],
]);

/**
 * Asserts that a call rejects (never throws synchronously) with an instance of `errorClass` — the
 * class of `@licensegate/core` itself, not a look-alike, since the engine tests for it — carrying
 * its code, and leaves the namespace as it was.
 */
async function rejectsAndChangesNothing(
  store: Store,
  call: () => Promise<unknown>,
  errorClass: StoreErrorClass = StoreArgumentError,
  namespace: string = NS,
): Promise<void> {
  const before = await snapshot(store, namespace);
  let pending: Promise<unknown>;
  try {
    pending = call();
  } catch (error) {
    assert.fail(`the call threw synchronously instead of rejecting: ${String(error)}`);
  }
  await assert.rejects(pending, (error: unknown) => {
    assert.ok(
      error instanceof errorClass,
      `expected a ${errorClass.name} (from @licensegate/core), got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    assert.equal(
      (error as { code?: unknown }).code,
      CODE_OF.get(errorClass),
      `the ${errorClass.name} has the wrong code`,
    );
    return true;
  });
  assert.deepEqual(await snapshot(store, namespace), before, 'a rejected call changed the store');
}

/** Gives other pending work a turn, so that concurrent callers really interleave. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const basics: StoreConformanceCase[] = [
  {
    name: 'get of a key never written resolves to undefined',
    async run({ store }) {
      assert.equal(await store.get(NS, 'missing'), undefined);
    },
  },
  {
    name: 'put then get returns the value, version 1 and no expiry',
    async run({ store }) {
      assert.equal(await store.put(NS, 'k', { tier: 'Premium', seats: 3 }), 1);
      assert.deepEqual(await store.get(NS, 'k'), { value: { tier: 'Premium', seats: 3 }, version: 1, expiresAt: null });
    },
  },
  {
    name: 'each write of a key grows its version by one, and get sees the last write',
    async run({ store }) {
      assert.equal(await store.put(NS, 'k', 'a'), 1);
      assert.equal(await store.put(NS, 'k', 'b'), 2);
      assert.equal(await store.put(NS, 'k', 'c'), 3);
      assert.deepEqual(await store.get(NS, 'k'), { value: 'c', version: 3, expiresAt: null });
      assert.equal(await store.put(NS, 'other-key', 'x'), 1, 'versions are per key');
    },
  },
  {
    name: 'mutating a value after put does not change what is stored',
    async run({ store }) {
      const value = { holder: 'alice', tokens: ['t1'], nested: { n: 1 } };
      await store.put(NS, 'k', value);
      value.holder = 'mallory';
      value.tokens.push('t2');
      value.nested.n = 2;
      assert.deepEqual((await store.get(NS, 'k'))?.value, { holder: 'alice', tokens: ['t1'], nested: { n: 1 } });
    },
  },
  {
    name: 'mutating a value returned by get or list does not change what is stored',
    async run({ store }) {
      await store.put(NS, 'k', { tokens: ['t1'] });
      const first = await store.get<{ tokens: string[] }>(NS, 'k');
      assert.ok(first);
      first.value.tokens.push('t2');
      const [listed] = await store.list<{ tokens: string[] }>(NS);
      assert.ok(listed);
      listed.value.tokens.push('t3');
      const second = await store.get<{ tokens: string[] }>(NS, 'k');
      assert.deepEqual(second?.value, { tokens: ['t1'] });
      assert.notEqual(second?.value, first.value, 'two reads must not share an object');
    },
  },
  {
    name: 'values follow JSON: undefined members vanish, Dates become strings, nesting and arrays survive',
    async run({ store }) {
      const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
      await store.put(NS, 'k', {
        kept: 1,
        gone: undefined,
        at,
        list: [1, 'two', { three: [3] }, null, true],
        deep: { a: { b: { c: 'd' } } },
        empty: {},
        none: [],
      });
      assert.deepEqual((await store.get(NS, 'k'))?.value, {
        kept: 1,
        at: '2026-01-02T03:04:05.678Z',
        list: [1, 'two', { three: [3] }, null, true],
        deep: { a: { b: { c: 'd' } } },
        empty: {},
        none: [],
      });
    },
  },
  {
    name: 'primitive values round-trip: numbers, strings, booleans, null',
    async run({ store }) {
      const values = [0, -1, 1.5, Number.MAX_SAFE_INTEGER, '', 'text', 'ünï©ødé ✓ 🎫', true, false, null];
      for (const [index, value] of values.entries()) {
        await store.put(NS, `k${index}`, value);
        assert.deepEqual((await store.get(NS, `k${index}`))?.value, value);
      }
    },
  },
  {
    name: 'keys and namespaces may hold any characters, and their boundary never blurs',
    async run({ store }) {
      const keys = ['ключ', '🎫 seat', 'a:b', '{tag}', 'with space', 'tenant/user#1', '*', '\\'];
      for (const key of keys) await store.put(NS, key, key);
      for (const key of keys) assert.equal((await store.get(NS, key))?.value, key);
      assert.deepEqual(
        (await snapshot(store)).map((record) => record.key),
        [...keys].sort(),
      );
      await store.put('conformance:x:y', 'z', 'first');
      await store.put('conformance:x', 'y:z', 'second');
      assert.equal((await store.get('conformance:x:y', 'z'))?.value, 'first');
      assert.equal((await store.get('conformance:x', 'y:z'))?.value, 'second');
      assert.equal(await store.get('conformance:x', 'y'), undefined);
    },
  },
  {
    name: 'values JSON cannot represent faithfully are rejected with a StoreArgumentError (ERR_LG_STORE_ARGUMENT), and nothing changes',
    async run({ store }) {
      await store.put(NS, 'k', { ok: true });
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      const bad: unknown[] = [
        undefined,
        () => 1,
        Symbol('s'),
        10n,
        NaN,
        Infinity,
        -Infinity,
        { nested: () => 1 },
        { nested: { count: NaN } },
        { big: 1n },
        [1, Infinity],
        circular,
      ];
      for (const value of bad) {
        await rejectsAndChangesNothing(store, () => store.put(NS, 'k', value));
        await rejectsAndChangesNothing(store, () => store.put(NS, 'fresh', value));
      }
      assert.deepEqual(await store.get(NS, 'k'), { value: { ok: true }, version: 1, expiresAt: null });
    },
  },
];

const conditionalWrites: StoreConformanceCase[] = [
  {
    name: 'put ifAbsent writes a key that has no record',
    async run({ store }) {
      assert.equal(await store.put(NS, 'k', 'first', { ifAbsent: true }), 1);
      assert.equal((await store.get(NS, 'k'))?.value, 'first');
    },
  },
  {
    name: 'put ifAbsent over a live record resolves to undefined and changes nothing',
    async run({ store }) {
      await store.put(NS, 'k', 'first', { ttlMs: TTL });
      const before = await store.get(NS, 'k');
      assert.equal(await store.put(NS, 'k', 'second', { ifAbsent: true }), undefined);
      assert.equal(await store.put(NS, 'k', 'second', { ifAbsent: true, ttlMs: 5 }), undefined);
      assert.deepEqual(await store.get(NS, 'k'), before);
    },
  },
  {
    name: 'put ifAbsent over an expired record writes it, starting again at version 1',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'old', { ttlMs: 1_000 });
      await store.put(NS, 'k', 'old', { ttlMs: 1_000 });
      await clock.advance(1_000);
      assert.equal(await store.put(NS, 'k', 'new', { ifAbsent: true }), 1);
      assert.deepEqual(await store.get(NS, 'k'), { value: 'new', version: 1, expiresAt: null });
    },
  },
  {
    name: 'put ifVersion writes when the live record has that version',
    async run({ store }) {
      await store.put(NS, 'k', 'a');
      await store.put(NS, 'k', 'b');
      assert.equal(await store.put(NS, 'k', 'c', { ifVersion: 2 }), 3);
      assert.deepEqual(await store.get(NS, 'k'), { value: 'c', version: 3, expiresAt: null });
    },
  },
  {
    name: 'put ifVersion with another version resolves to undefined and changes nothing (value, version, expiry)',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'a', { ttlMs: TTL });
      await store.put(NS, 'k', 'b', { ttlMs: TTL });
      const before = await store.get(NS, 'k');
      await clock.advance(10);
      assert.equal(await store.put(NS, 'k', 'c', { ifVersion: 1 }), undefined);
      assert.equal(await store.put(NS, 'k', 'c', { ifVersion: 3, ttlMs: 5 }), undefined);
      assert.deepEqual(await store.get(NS, 'k'), before);
    },
  },
  {
    name: 'put ifVersion on a key without a live record writes nothing',
    async run({ store, clock }) {
      assert.equal(await store.put(NS, 'never', 'x', { ifVersion: 1 }), undefined);
      assert.equal(await store.get(NS, 'never'), undefined);
      await store.put(NS, 'expired', 'x', { ttlMs: 1_000 });
      await clock.advance(1_000);
      assert.equal(await store.put(NS, 'expired', 'y', { ifVersion: 1 }), undefined);
      assert.equal(await store.get(NS, 'expired'), undefined, 'an expired record must not come back');
      assert.deepEqual(await store.list(NS), []);
    },
  },
  {
    name: 'a key that was deleted starts again at version 1',
    async run({ store }) {
      await store.put(NS, 'k', 'a');
      await store.put(NS, 'k', 'b');
      assert.equal(await store.delete(NS, 'k'), true);
      assert.equal(await store.put(NS, 'k', 'c'), 1);
    },
  },
];

const deletes: StoreConformanceCase[] = [
  {
    name: 'delete of a live record resolves to true and removes it; a second delete resolves to false',
    async run({ store }) {
      await store.put(NS, 'k', 'v');
      await store.put(NS, 'other', 'v');
      assert.equal(await store.delete(NS, 'k'), true);
      assert.equal(await store.get(NS, 'k'), undefined);
      assert.equal(await store.delete(NS, 'k'), false);
      assert.deepEqual(
        (await store.list(NS)).map((record) => record.key),
        ['other'],
      );
    },
  },
  {
    name: 'delete of a key never written resolves to false',
    async run({ store }) {
      assert.equal(await store.delete(NS, 'missing'), false);
      assert.equal(await store.delete(NS, 'missing', { ifVersion: 1 }), false);
    },
  },
  {
    name: 'delete of an expired record resolves to false',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'v', { ttlMs: 1_000 });
      await clock.advance(1_000);
      assert.equal(await store.delete(NS, 'k'), false);
      await store.put(NS, 'k2', 'v', { ttlMs: 1_000 });
      await clock.advance(1_000);
      assert.equal(await store.delete(NS, 'k2', { ifVersion: 1 }), false);
    },
  },
  {
    name: 'delete ifVersion removes the record only at that version',
    async run({ store }) {
      await store.put(NS, 'k', 'a', { ttlMs: TTL });
      await store.put(NS, 'k', 'b', { ttlMs: TTL });
      const before = await store.get(NS, 'k');
      assert.equal(await store.delete(NS, 'k', { ifVersion: 1 }), false);
      assert.equal(await store.delete(NS, 'k', { ifVersion: 3 }), false);
      assert.deepEqual(await store.get(NS, 'k'), before, 'a refused delete must change nothing');
      assert.equal(await store.delete(NS, 'k', { ifVersion: 2 }), true);
      assert.equal(await store.get(NS, 'k'), undefined);
    },
  },
];

const expiry: StoreConformanceCase[] = [
  {
    name: 'a record with a ttl is live until just before expiresAt and gone at it',
    async run({ store, clock }) {
      const start = clock.now();
      await store.put(NS, 'k', 'v', { ttlMs: 1_000 });
      assert.deepEqual(await store.get(NS, 'k'), { value: 'v', version: 1, expiresAt: start + 1_000 });
      await clock.advance(999);
      assert.equal((await store.get(NS, 'k'))?.value, 'v');
      await clock.advance(1);
      assert.equal(await store.get(NS, 'k'), undefined);
      await clock.advance(60 * 60_000);
      assert.equal(await store.get(NS, 'k'), undefined);
    },
  },
  {
    name: 'expiresAt is the clock time of the write plus ttlMs',
    async run({ store, clock }) {
      await clock.advance(12_345);
      await store.put(NS, 'k', 'v', { ttlMs: 2_000 });
      assert.equal((await store.get(NS, 'k'))?.expiresAt, clock.now() + 2_000);
      await clock.advance(500);
      await store.put(NS, 'k', 'w', { ttlMs: 2_000 });
      assert.equal((await store.get(NS, 'k'))?.expiresAt, clock.now() + 2_000, 'a write sets a new expiry');
    },
  },
  {
    name: 'list leaves out expired records',
    async run({ store, clock }) {
      await store.put(NS, 'short', 1, { ttlMs: 1_000 });
      await store.put(NS, 'long', 2, { ttlMs: 5_000 });
      await store.put(NS, 'forever', 3);
      await clock.advance(1_000);
      assert.deepEqual(
        (await snapshot(store)).map((record) => record.key),
        ['forever', 'long'],
      );
      await clock.advance(4_000);
      assert.deepEqual(
        (await snapshot(store)).map((record) => record.key),
        ['forever'],
      );
    },
  },
  {
    name: 'put without ttlMs over a record with a ttl removes the expiry',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'v', { ttlMs: 1_000 });
      assert.equal(await store.put(NS, 'k', 'w'), 2);
      assert.deepEqual(await store.get(NS, 'k'), { value: 'w', version: 2, expiresAt: null });
      await clock.advance(10 * 60_000);
      assert.equal((await store.get(NS, 'k'))?.value, 'w');
    },
  },
  {
    name: 'put over an expired record starts again at version 1',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'a', { ttlMs: 1_000 });
      await store.put(NS, 'k', 'b', { ttlMs: 1_000 });
      await clock.advance(1_000);
      assert.equal(await store.put(NS, 'k', 'c', { ttlMs: 1_000 }), 1);
      assert.deepEqual(await store.get(NS, 'k'), { value: 'c', version: 1, expiresAt: clock.now() + 1_000 });
    },
  },
];

const namespaces: StoreConformanceCase[] = [
  {
    name: 'namespaces are isolated: the same key in two namespaces is two records',
    async run({ store }) {
      await store.put(NS, 'k', 'main');
      await store.put(NS, 'k', 'main again');
      await store.put(OTHER_NS, 'k', 'other');
      assert.deepEqual(await store.get(NS, 'k'), { value: 'main again', version: 2, expiresAt: null });
      assert.deepEqual(await store.get(OTHER_NS, 'k'), { value: 'other', version: 1, expiresAt: null });
      assert.equal(await store.delete(OTHER_NS, 'k'), true);
      assert.equal((await store.get(NS, 'k'))?.value, 'main again');
      assert.equal(await store.increment(OTHER_NS, 'n', 1), 1);
      assert.equal(await store.get(NS, 'n'), undefined);
    },
  },
  {
    name: 'list returns only its namespace, with each key, value, version and expiresAt',
    async run({ store, clock }) {
      await store.put(NS, 'a', { n: 1 });
      await store.put(NS, 'b', [1, 2], { ttlMs: 5_000 });
      await store.put(NS, 'b', [1, 2, 3], { ttlMs: 5_000 });
      await store.increment(NS, 'c', 7);
      await store.put(OTHER_NS, 'a', 'elsewhere');
      await store.put(OTHER_NS, 'z', 'elsewhere');
      assert.deepEqual(await snapshot(store), [
        { key: 'a', value: { n: 1 }, version: 1, expiresAt: null },
        { key: 'b', value: [1, 2, 3], version: 2, expiresAt: clock.now() + 5_000 },
        { key: 'c', value: 7, version: 1, expiresAt: null },
      ]);
    },
  },
  {
    name: 'list of a namespace with no records resolves to an empty array',
    async run({ store }) {
      assert.deepEqual(await store.list('conformance:empty'), []);
      await store.put('conformance:emptied', 'k', 1);
      await store.delete('conformance:emptied', 'k');
      assert.deepEqual(await store.list('conformance:emptied'), []);
    },
  },
];

const counters: StoreConformanceCase[] = [
  {
    name: 'increment starts a counter at 0 and returns the new value; each call is a write',
    async run({ store }) {
      assert.equal(await store.increment(NS, 'n', 5), 5);
      assert.deepEqual(await store.get(NS, 'n'), { value: 5, version: 1, expiresAt: null });
      assert.equal(await store.increment(NS, 'n', 1), 6);
      assert.equal(await store.increment(NS, 'n', 0), 6);
      assert.deepEqual(await store.get(NS, 'n'), { value: 6, version: 3, expiresAt: null });
      assert.equal(await store.increment(NS, 'zero', 0), 0);
      assert.deepEqual(await store.get(NS, 'zero'), { value: 0, version: 1, expiresAt: null });
    },
  },
  {
    name: 'increment by a negative number subtracts, below zero too',
    async run({ store }) {
      assert.equal(await store.increment(NS, 'n', 3), 3);
      assert.equal(await store.increment(NS, 'n', -5), -2);
      assert.equal(await store.increment(NS, 'fresh', -1), -1);
    },
  },
  {
    name: 'increment adds to a number written with put, and keeps its version line',
    async run({ store }) {
      await store.put(NS, 'n', 10);
      assert.equal(await store.increment(NS, 'n', 2), 12);
      assert.deepEqual(await store.get(NS, 'n'), { value: 12, version: 2, expiresAt: null });
    },
  },
  {
    name: '100 concurrent increments each see their own result: 1..100, ending at 100',
    async run({ store }) {
      const pending: Promise<number>[] = [];
      for (let i = 0; i < 100; i += 1) pending.push(store.increment(NS, 'n', 1));
      const results = await Promise.all(pending);
      assert.deepEqual(
        [...results].sort((a, b) => a - b),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.deepEqual(await store.get(NS, 'n'), { value: 100, version: 100, expiresAt: null });
    },
  },
  {
    name: 'increment with ttlMs sets the expiry on every call; after expiry the counter starts again at 0',
    async run({ store, clock }) {
      assert.equal(await store.increment(NS, 'n', 4, { ttlMs: 1_000 }), 4);
      assert.equal((await store.get(NS, 'n'))?.expiresAt, clock.now() + 1_000);
      await clock.advance(600);
      assert.equal(await store.increment(NS, 'n', 1, { ttlMs: 1_000 }), 5);
      assert.equal((await store.get(NS, 'n'))?.expiresAt, clock.now() + 1_000);
      await clock.advance(999);
      assert.equal((await store.get(NS, 'n'))?.value, 5);
      await clock.advance(1);
      assert.equal(await store.get(NS, 'n'), undefined);
      assert.equal(await store.increment(NS, 'n', 2), 2);
      assert.deepEqual(await store.get(NS, 'n'), { value: 2, version: 1, expiresAt: null });
    },
  },
  {
    name: 'increment without ttlMs keeps the existing expiry',
    async run({ store, clock }) {
      await store.increment(NS, 'n', 1, { ttlMs: 1_000 });
      const expiresAt = clock.now() + 1_000;
      await clock.advance(500);
      assert.equal(await store.increment(NS, 'n', 1), 2);
      assert.equal((await store.get(NS, 'n'))?.expiresAt, expiresAt);
      await store.put(NS, 'forever', 1);
      await store.increment(NS, 'forever', 1);
      assert.equal((await store.get(NS, 'forever'))?.expiresAt, null);
      await clock.advance(500);
      assert.equal(await store.get(NS, 'n'), undefined);
    },
  },
  {
    name: 'increment of a record that is not a number rejects with a StoreNotACounterError (ERR_LG_STORE_NOT_A_COUNTER) and changes nothing',
    async run({ store }) {
      for (const [index, value] of ['5', { n: 1 }, [1], null, true].entries()) {
        await store.put(NS, `k${index}`, value, { ttlMs: TTL });
        await rejectsAndChangesNothing(store, () => store.increment(NS, `k${index}`, 1), StoreNotACounterError);
        await rejectsAndChangesNothing(
          store,
          () => store.increment(NS, `k${index}`, 1, { ttlMs: 5 }),
          StoreNotACounterError,
        );
      }
      await assert.rejects(store.increment(NS, 'k0', 1), (error: unknown) => {
        assert.ok(error instanceof StoreNotACounterError);
        assert.equal(error.namespace, NS);
        assert.equal(error.key, 'k0');
        return true;
      });
    },
  },
  {
    name: 'increment of an expired record that was not a number starts a counter at 0',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'text', { ttlMs: 1_000 });
      await clock.advance(1_000);
      assert.equal(await store.increment(NS, 'k', 3), 3);
      assert.deepEqual(await store.get(NS, 'k'), { value: 3, version: 1, expiresAt: null });
    },
  },
  {
    name: 'increment past the safe-integer range rejects with a StoreCounterRangeError (ERR_LG_STORE_COUNTER_RANGE) and changes nothing',
    async run({ store }) {
      await store.increment(NS, 'n', Number.MAX_SAFE_INTEGER - 1);
      assert.equal(await store.increment(NS, 'n', 1), Number.MAX_SAFE_INTEGER);
      await rejectsAndChangesNothing(store, () => store.increment(NS, 'n', 1), StoreCounterRangeError);
      await store.increment(NS, 'low', -Number.MAX_SAFE_INTEGER);
      await rejectsAndChangesNothing(store, () => store.increment(NS, 'low', -1), StoreCounterRangeError);
    },
  },
];

const concurrency: StoreConformanceCase[] = [
  {
    name: '50 concurrent put ifAbsent of one key: exactly one gets version 1, the other 49 get undefined',
    async run({ store }) {
      const pending: Promise<number | undefined>[] = [];
      for (let i = 0; i < 50; i += 1) pending.push(store.put(NS, 'seat', { holder: i }, { ifAbsent: true }));
      const results = await Promise.all(pending);
      const winners = results.flatMap((version, holder) => (version === undefined ? [] : [{ version, holder }]));
      assert.equal(winners.length, 1, `expected one winner, got ${winners.length}`);
      assert.equal(winners[0]?.version, 1);
      assert.deepEqual(await store.get(NS, 'seat'), {
        value: { holder: winners[0]?.holder },
        version: 1,
        expiresAt: null,
      });
    },
  },
  {
    name: '10 concurrent writers doing read-modify-write with ifVersion retries lose no update',
    async run({ store }) {
      await store.put(NS, 'total', 0);
      const writer = async (): Promise<void> => {
        for (let done = 0, attempts = 0; done < 10; attempts += 1) {
          assert.ok(attempts < 10_000, 'a writer never got its compare-and-set through');
          const record = await store.get<number>(NS, 'total');
          assert.ok(record);
          await yieldTurn();
          const written = await store.put(NS, 'total', record.value + 1, { ifVersion: record.version });
          if (written !== undefined) {
            assert.equal(written, record.version + 1);
            done += 1;
          }
        }
      };
      await Promise.all(Array.from({ length: 10 }, writer));
      assert.deepEqual(await store.get(NS, 'total'), { value: 100, version: 101, expiresAt: null });
    },
  },
];

const lifecycle: StoreConformanceCase[] = [
  {
    name: 'another init and shutdown (a second gate sharing the store) are clean and leave it usable',
    async run({ store, clock }) {
      await store.put(NS, 'k', 'v', { ttlMs: 1_000 });
      await store.init?.({ clock });
      assert.equal(await store.increment(NS, 'n', 1), 1);
      await store.shutdown?.();
      assert.equal((await store.get(NS, 'k'))?.value, 'v');
      assert.equal(await store.increment(NS, 'n', 1), 2);
      await clock.advance(1_000);
      assert.equal(await store.get(NS, 'k'), undefined, 'the store still reads time from the clock');
    },
  },
];

const badArguments: StoreConformanceCase[] = [
  {
    name: 'an empty or non-string namespace or key rejects with a StoreArgumentError and changes nothing',
    async run({ store }) {
      await store.put(NS, 'k', 1);
      const names = ['', undefined, null, 1] as unknown as string[];
      for (const bad of names) {
        await rejectsAndChangesNothing(store, () => store.get(bad, 'k'));
        await rejectsAndChangesNothing(store, () => store.get(NS, bad));
        await rejectsAndChangesNothing(store, () => store.put(bad, 'k', 2));
        await rejectsAndChangesNothing(store, () => store.put(NS, bad, 2));
        await rejectsAndChangesNothing(store, () => store.delete(bad, 'k'));
        await rejectsAndChangesNothing(store, () => store.delete(NS, bad));
        await rejectsAndChangesNothing(store, () => store.list(bad));
        await rejectsAndChangesNothing(store, () => store.increment(bad, 'k', 1));
        await rejectsAndChangesNothing(store, () => store.increment(NS, bad, 1));
      }
    },
  },
  {
    name: 'a ttlMs that is not a positive finite number rejects with a StoreArgumentError and changes nothing',
    async run({ store }) {
      await store.put(NS, 'k', 1);
      await store.increment(NS, 'n', 1);
      for (const ttlMs of [NaN, 0, -1, Infinity, -Infinity, '1000' as unknown as number, null as unknown as number]) {
        await rejectsAndChangesNothing(store, () => store.put(NS, 'k', 2, { ttlMs }));
        await rejectsAndChangesNothing(store, () => store.put(NS, 'new', 2, { ttlMs }));
        await rejectsAndChangesNothing(store, () => store.increment(NS, 'n', 1, { ttlMs }));
        await rejectsAndChangesNothing(store, () => store.increment(NS, 'new', 1, { ttlMs }));
      }
    },
  },
  {
    name: 'an ifVersion that is not a positive integer rejects with a StoreArgumentError and changes nothing',
    async run({ store }) {
      await store.put(NS, 'k', 1);
      for (const ifVersion of [0, -1, 1.5, NaN, Infinity, '1' as unknown as number]) {
        await rejectsAndChangesNothing(store, () => store.put(NS, 'k', 2, { ifVersion }));
        await rejectsAndChangesNothing(store, () => store.delete(NS, 'k', { ifVersion }));
      }
    },
  },
  {
    name: 'an increment by a non-safe-integer rejects with a StoreArgumentError and changes nothing',
    async run({ store }) {
      await store.increment(NS, 'n', 1);
      for (const by of [1.5, NaN, Infinity, -Infinity, 2 ** 53, '1' as unknown as number]) {
        await rejectsAndChangesNothing(store, () => store.increment(NS, 'n', by));
        await rejectsAndChangesNothing(store, () => store.increment(NS, 'new', by));
      }
    },
  },
  {
    name: 'contradictory or unknown write options reject with a StoreArgumentError and change nothing',
    async run({ store }) {
      await store.put(NS, 'k', 1);
      const options = [
        { ifAbsent: true, ifVersion: 1 },
        { ttl: 1_000 },
        { ifAbsent: 'yes' },
        { ifversion: 1 },
      ] as unknown as { ttlMs?: number }[];
      for (const option of options) {
        await rejectsAndChangesNothing(store, () => store.put(NS, 'k', 2, option));
        await rejectsAndChangesNothing(store, () => store.put(NS, 'new', 2, option));
      }
      await rejectsAndChangesNothing(store, () => store.delete(NS, 'k', { ifversion: 1 } as { ifVersion?: number }));
      await rejectsAndChangesNothing(store, () => store.increment(NS, 'k', 1, { ttl: 5 } as { ttlMs?: number }));
    },
  },
];

/**
 * Every case of the store conformance suite, in a stable order. Run each against a fresh context
 * (see {@link StoreConformanceContext}); a case passes when `run()` resolves.
 *
 * Beyond the {@link Store} interface's own words, the suite pins down:
 * - values are stored as JSON, and values JSON cannot represent faithfully reject with a
 *   `StoreArgumentError` (`ERR_LG_STORE_ARGUMENT`);
 * - a key without a live record (never written, deleted or expired) starts again at version 1;
 * - a record is gone when the clock reaches `expiresAt` (`expiresAt <= now`);
 * - bad arguments and unknown options reject (never throw synchronously) with a `StoreArgumentError`;
 *   an increment of a record that is not a number rejects with a `StoreNotACounterError`
 *   (`ERR_LG_STORE_NOT_A_COUNTER`) — the drawdown journal relies on it — and one that would leave
 *   the safe-integer range with a `StoreCounterRangeError` (`ERR_LG_STORE_COUNTER_RANGE`). These are
 *   the classes `@licensegate/core` exports, not look-alikes: the engine tests for them;
 * - a rejected call, a refused conditional write and a refused conditional delete change nothing.
 *
 * What the suite cannot provoke, a store must still do: while it cannot be reached (or cannot make
 * a write durable), reject with a `StoreUnavailableError` whose `maybeApplied` says whether the call
 * may have taken effect. Test that with your store's own outage (see the Redis and file stores' tests).
 */
export const storeConformanceCases: readonly StoreConformanceCase[] = Object.freeze([
  ...basics,
  ...conditionalWrites,
  ...deletes,
  ...expiry,
  ...namespaces,
  ...counters,
  ...concurrency,
  ...lifecycle,
  ...badArguments,
]);
