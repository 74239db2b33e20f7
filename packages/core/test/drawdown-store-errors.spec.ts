import assert from 'node:assert/strict';

import type { ClaimedCounter } from '../src/drawdown/journal/journal.js';
import { journalKey } from '../src/drawdown/journal/journal-keys.js';
import { JournalConflictError, LicenseUnavailableError } from '../src/errors.js';
import { StoreUnavailableError } from '../src/store/store-errors.js';
import { DIMENSION, SharedMemoryStore, useDrawdownWorlds, type DrawdownWorld } from './support/drawdown-world.js';

const D = DIMENSION;

/**
 * A shared MemoryStore whose next increments of a `pending:` counter reject with the errors a test
 * queues, before they change anything: how a store in trouble (or with a bug) answers the journal.
 */
class FaultyCounterStore extends SharedMemoryStore {
  readonly #faults: unknown[] = [];

  /** The next increment of a pending counter rejects with `error` and changes nothing. */
  failNextIncrement(error: unknown): void {
    this.#faults.push(error);
  }

  override async increment(namespace: string, key: string, by: number, options?: { ttlMs?: number }): Promise<number> {
    if (key.startsWith('pending:') && this.#faults.length > 0) throw this.#faults.shift();
    return super.increment(namespace, key, by, options);
  }
}

/**
 * Drawdown tells store outcomes apart by the typed store errors of core, never by the built-in class
 * of an error or a field that looks right: the batch-mode cases fail if the engine goes back to
 * `instanceof TypeError` or to reading `maybeApplied` off any `LicenseUnavailableError`. The last
 * case checks the coded error of a journal key taken by another engine.
 */
describe('Drawdown and the typed store errors (a durable store)', function () {
  this.timeout(10_000);
  const worlds = useDrawdownWorlds();

  async function world(store?: FaultyCounterStore): Promise<DrawdownWorld> {
    // No report during a case: the batch is far from full and the interval far away.
    return worlds.create(1000, { [D]: { mode: 'batch', batchUnits: 500, batchIntervalMs: 3_600_000 } }, { store });
  }

  async function counter(w: DrawdownWorld, instanceId: string, epoch: number): Promise<unknown> {
    return (await w.store.get(w.namespace, journalKey('pending', instanceId, D, epoch)))?.value;
  }

  it('a StoreNotACounterError (the counter claimed by an adopter) sends the debit on in a new epoch', async () => {
    const w = await world();
    const { meter, instanceId } = await w.meter();
    await meter.debit(D, 1);
    assert.equal(await counter(w, instanceId, 1), 1);
    // An engine that thought this one dead claims its counter: the record is no longer a number,
    // so the real MemoryStore rejects the next increment of it with a StoreNotACounterError.
    const claimed: ClaimedCounter = { type: 'claimed', units: 1, owner: 'adopter' };
    await w.store.put(w.namespace, journalKey('pending', instanceId, D, 1), claimed);

    await meter.debit(D, 2);

    assert.deepEqual(await counter(w, instanceId, 1), claimed, 'the claimed record is left alone');
    assert.equal(await counter(w, instanceId, 2), 2, 'the debit went on in the next epoch');
  });

  it('a plain TypeError from increment is a failure of the store, not a takeover: the debit is refused in its epoch', async () => {
    const store = new FaultyCounterStore();
    const w = await world(store);
    const { meter, instanceId } = await w.meter();
    await meter.debit(D, 1);
    const bug = new TypeError("Cannot read properties of undefined (reading 'value')");
    store.failNextIncrement(bug);

    await assert.rejects(meter.debit(D, 2), (error: unknown) => error === bug);

    assert.equal(await counter(w, instanceId, 1), 1, 'nothing of the refused debit was journaled');
    assert.equal(await counter(w, instanceId, 2), undefined, 'no new epoch: nobody took the counter over');
    await meter.debit(D, 3);
    assert.equal(await counter(w, instanceId, 1), 4, 'later debits go on in the same epoch');
    assert.equal(meter.stats(D).pending, 4);
  });

  it('a StoreUnavailableError whose write surely did not happen keeps the debit in memory (onUnavailable: grace)', async () => {
    const store = new FaultyCounterStore();
    const w = await world(store);
    const { meter, instanceId, logger } = await w.meter();
    await meter.debit(D, 1);
    store.failNextIncrement(new StoreUnavailableError('the test store is down', { maybeApplied: false }));

    await meter.debit(D, 2);

    assert.equal(await counter(w, instanceId, 1), 1, 'the store could not be written');
    assert.equal(meter.stats(D).pending, 3, 'the 2 units are counted, in memory');
    assert.equal(logger.events('licensegate.drawdown.store_unavailable', 'warn').length, 1);
  });

  it('a StoreUnavailableError whose write may have happened refuses the debit rather than count it twice', async () => {
    const store = new FaultyCounterStore();
    const w = await world(store);
    const { meter, logger } = await w.meter();
    await meter.debit(D, 1);
    const lost = new StoreUnavailableError('the answer of the test store was lost', { maybeApplied: true });
    store.failNextIncrement(lost);

    await assert.rejects(meter.debit(D, 2), (error: unknown) => error === lost);

    assert.equal(meter.stats(D).pending, 1, 'the refused units are not counted');
    assert.equal(logger.events('licensegate.drawdown.store_unavailable').length, 0);
  });

  it('a LicenseUnavailableError that is not a StoreUnavailableError is not read for maybeApplied: the debit is refused', async () => {
    const store = new FaultyCounterStore();
    const w = await world(store);
    const { meter, logger } = await w.meter();
    await meter.debit(D, 1);
    // It looks like a store outage whose write did not happen, but is not one of core's store errors.
    const lookalike = Object.assign(new LicenseUnavailableError('down, says a store of its own', 1_000), {
      maybeApplied: false,
    });
    store.failNextIncrement(lookalike);

    await assert.rejects(meter.debit(D, 2), (error: unknown) => error === lookalike);

    assert.equal(meter.stats(D).pending, 1, 'the refused units are not counted');
    assert.equal(logger.events('licensegate.drawdown.store_unavailable').length, 0);
  });

  it('a journal key already taken (another engine with this id) refuses a sync debit with ERR_LG_JOURNAL_CONFLICT', async () => {
    const w = await worlds.create(1000, { [D]: { mode: 'sync' } });
    const instanceId = 'twin-engine';
    const { meter } = await w.meter({ instanceId });
    // Another engine with the same id journals its first sync debit under the key this one is about to take.
    await w.store.put(w.namespace, journalKey('batch', instanceId, D, 1), { type: 'batch', owner: 'the twin' });
    const before = worlds.lm().calls('CheckoutLicense');

    await assert.rejects(meter.debit(D, 3), (error: unknown) => {
      assert.ok(error instanceof JournalConflictError, String(error));
      assert.equal(error.code, 'ERR_LG_JOURNAL_CONFLICT');
      assert.match(error.message, /already holds batch:twin-engine:.*Nothing was debited/);
      return true;
    });
    assert.equal(worlds.lm().calls('CheckoutLicense'), before, 'nothing was sent to License Manager');
  });
});
