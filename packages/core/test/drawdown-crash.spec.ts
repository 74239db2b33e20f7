import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { newBatchRecord } from '../src/drawdown/journal/batch-sender.js';
import { newBuyRecord } from '../src/drawdown/journal/block-checkout.js';
import type { BatchRecord } from '../src/drawdown/journal/journal.js';
import { journalKey } from '../src/drawdown/journal/journal-keys.js';
import type { DrawdownDimensionOptions } from '../src/options.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import type { DrawdownWorld } from './support/drawdown-world.js';
import { DIMENSION, useDrawdownWorlds, type MeterHandle } from './support/drawdown-world.js';

const D = DIMENSION;
const LEASE_MS = 60_000;

describe('DrawdownMeter after a crash', function () {
  this.timeout(10_000);
  const worlds = useDrawdownWorlds();

  async function newWorld(options: DrawdownDimensionOptions): Promise<DrawdownWorld> {
    return worlds.create(1000, { [D]: options });
  }

  /** An engine with its own clock, which simply stops advancing when it "crashes", and a heartbeat that lapses. */
  async function engine(w: DrawdownWorld, clock = new ManualClock(w.clock.now())): Promise<MeterHandle> {
    const handle = await w.meter({ clock });
    await w.store.put(`${w.sku}:instances`, handle.instanceId, {}, { ttlMs: LEASE_MS });
    return handle;
  }

  /** What `InstanceRegistry.live()` answers: the engines whose heartbeat has not lapsed. */
  async function live(w: DrawdownWorld): Promise<Set<string>> {
    return new Set((await w.store.list(`${w.sku}:instances`)).map((r) => r.key));
  }

  it('resends the sealed batches and seals the pending counter of a dead engine, each unit once', async () => {
    const w = await newWorld({ mode: 'batch', batchUnits: 1000 });
    const dead = await engine(w);
    // Batch 1: sent and consumed, but the answer never came (every retry too).
    worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
    await dead.meter.debit(D, 10);
    await dead.meter.flush();
    // Batch 2: sealed, its calls (and batch 1's resend) refused before doing anything.
    worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException', times: 6 });
    await dead.meter.debit(D, 5);
    await dead.meter.flush();
    // A pending counter, never sealed.
    await dead.meter.debit(D, 7);
    assert.equal(await w.consumed(), 10);
    const keys = await w.journalKeys();
    assert.equal(keys.filter((k) => k.startsWith('batch:')).length, 2);
    assert.equal(keys.filter((k) => k.startsWith('pending:')).length, 1);
    const lostToken = (await w.store.get<BatchRecord>(w.namespace, journalKey('batch', dead.instanceId, D, 1)))?.value
      .attempt?.clientToken;

    // The engine dies: its clock stops, its heartbeat lapses.
    await w.advance(LEASE_MS + 1);
    const survivor = await engine(w);
    const alive = await live(w);
    assert.deepEqual([...alive], [survivor.instanceId]);
    await survivor.meter.adopt(alive);

    assert.equal(await w.consumed(), 22, 'every unit once');
    assert.deepEqual(await w.journalKeys(), []);
    assert.equal(survivor.reportedUnits(), 22);
    assert.ok(
      survivor.events.some(
        (e) => e.event === 'unitsReported' && e.payload.clientToken === lostToken && e.payload.units === 10,
      ),
      'the unacknowledged batch was resent with its own token',
    );
    const calls = worlds.lm().calls('CheckoutLicense');
    await survivor.meter.adopt(await live(w));
    assert.equal(worlds.lm().calls('CheckoutLicense'), calls, 'nothing left to adopt');
  });

  it('a stop during an outage leaves what it could not send (and late commits) for the next engine', async () => {
    const w = await newWorld({ mode: 'batch' });
    const old = await engine(w);
    const late = await old.meter.reserve(D, 2);
    await old.meter.debit(D, 6);
    const fault = worlds
      .lm()
      .addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
    await old.meter.stop(); // bounded: one try per record
    await late.commit(); // the work finished after stop: still journaled
    worlds.lm().clearFaults(fault.id);
    assert.equal(await w.consumed(), 0);
    await w.store.delete(`${w.sku}:instances`, old.instanceId); // what InstanceRegistry.stop() does
    const next = await engine(w);
    await next.meter.adopt(await live(w));
    assert.equal(await w.consumed(), 8);
    assert.deepEqual(await w.journalKeys(), []);
  });

  it('adopts a sync debit whose answer was lost, and counts it once', async () => {
    const w = await newWorld({ mode: 'sync' });
    const dead = await engine(w);
    worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
    await dead.meter.debit(D, 4);
    await w.advance(LEASE_MS + 1);
    const survivor = await engine(w);
    await survivor.meter.adopt(await live(w));
    assert.equal(await w.consumed(), 4);
    assert.deepEqual(await w.journalKeys(), []);
  });

  it('a counter whose batch was sealed before the crash is represented by it, not reported twice', async () => {
    const w = await newWorld({ mode: 'batch' });
    const deadId = randomUUID();
    // The engine sealed epoch 3 (batch written) and died before deleting the counter.
    await w.store.increment(w.namespace, journalKey('pending', deadId, D, 3), 12);
    await w.store.put(w.namespace, journalKey('batch', deadId, D, 3), newBatchRecord(D, 'Count', 12, deadId));
    await w.store.increment(w.namespace, journalKey('pending', deadId, D, 4), 2);
    const survivor = await engine(w);
    await survivor.meter.adopt(await live(w));
    assert.equal(await w.consumed(), 14);
    assert.deepEqual(await w.journalKeys(), []);
  });

  it('two live engines adopting at once send each record once', async () => {
    const w = await newWorld({ mode: 'batch' });
    const deadId = randomUUID();
    for (let epoch = 1; epoch <= 5; epoch++)
      await w.store.increment(w.namespace, journalKey('pending', deadId, D, epoch), epoch);
    await w.store.put(w.namespace, journalKey('batch', deadId, D, 9), newBatchRecord(D, 'Count', 100, deadId));
    const a = await engine(w);
    const b = await engine(w);
    const alive = await live(w);
    await Promise.all([a.meter.adopt(alive), b.meter.adopt(alive)]);
    assert.equal(await w.consumed(), 115);
    assert.equal(a.reportedUnits() + b.reportedUnits(), 115);
    assert.deepEqual(await w.journalKeys(), []);
  });

  it("reserve mode: a dead engine's block checkout is resent and credited once; a confirmed one is never credited again", async () => {
    const w = await newWorld({ mode: 'reserve', blockUnits: 100 });
    const dead = await engine(w);
    worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
    await assert.rejects(dead.meter.reserve(D, 10));
    const otherId = randomUUID();
    await w.store.put(w.namespace, journalKey('buy', otherId, D, 1), {
      ...newBuyRecord(D, 'Count', 100, otherId),
      state: 'confirmed',
    });
    await w.advance(LEASE_MS + 1);
    const survivor = await engine(w);
    await survivor.meter.adopt(await live(w));
    assert.equal(await w.consumed(), 100, 'the lost checkout was replayed, not repeated');
    assert.equal(await w.blockRemaining(), 100);
    assert.deepEqual(await w.journalKeys(), ['block:DataConsumption']);
    assert.equal(survivor.logger.events('licensegate.drawdown.block_unknown', 'warn').length, 1);
  });
});
