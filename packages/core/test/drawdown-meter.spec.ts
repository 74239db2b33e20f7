import assert from 'node:assert/strict';

import {
  InvalidUnitsError,
  LicenseGateConfigurationError,
  LicenseUnavailableError,
  QuotaExhaustedError,
} from '../src/errors.js';
import type { BatchRecord } from '../src/drawdown/journal/journal.js';
import type { DrawdownMode } from '../src/options.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import type { DrawdownWorld } from './support/drawdown-world.js';
import { DIMENSION, useDrawdownWorlds } from './support/drawdown-world.js';

const D = DIMENSION;

describe('DrawdownMeter', function () {
  this.timeout(10_000);
  const worlds = useDrawdownWorlds();

  async function newWorld(
    maxCount: number,
    mode: DrawdownMode,
    extra: Record<string, number> = {},
  ): Promise<DrawdownWorld> {
    return worlds.create(maxCount, { [D]: { mode, ...extra } });
  }

  const checkouts = (): number => worlds.lm().calls('CheckoutLicense');

  describe('arguments', () => {
    const BAD_UNITS: unknown[] = [NaN, -1, 1.5, Infinity, '5', 2 ** 53, null, undefined];

    for (const mode of ['sync', 'batch', 'reserve'] as const) {
      it(`${mode}: refuses bad units with InvalidUnitsError, debiting nothing`, async () => {
        const w = await newWorld(1000, mode);
        const { meter } = await w.meter();
        const calls = checkouts();
        for (const units of BAD_UNITS) {
          await assert.rejects(
            meter.debit(D, units as number),
            (error: unknown) => error instanceof InvalidUnitsError && error.code === 'ERR_LG_INVALID_UNITS',
          );
          await assert.rejects(
            meter.reserve(D, units as number),
            (error: unknown) => error instanceof InvalidUnitsError && error.code === 'ERR_LG_INVALID_UNITS',
          );
        }
        await meter.flush();
        assert.deepEqual(await w.journalKeys(), [], 'nothing journaled');
        assert.equal(checkouts(), calls, 'no License Manager call');
        assert.equal(await w.consumed(), 0);
        assert.equal(meter.stats(D).pending, 0);
      });
    }

    it('accepts 0 units as a no-op that debits nothing', async () => {
      const w = await newWorld(1000, 'sync');
      const { meter } = await w.meter();
      const calls = checkouts();
      await meter.debit(D, 0);
      const reservation = await meter.reserve(D, 0);
      assert.equal(reservation.units, 0);
      await reservation.commit();
      assert.equal(checkouts(), calls);
      assert.deepEqual(await w.journalKeys(), []);
    });

    it('refuses an unknown dimension with ERR_LG_UNKNOWN_DIMENSION naming the configured ones', async () => {
      const w = await newWorld(1000, 'batch');
      const { meter } = await w.meter();
      const unknown = (error: unknown): boolean =>
        error instanceof LicenseGateConfigurationError &&
        error.code === 'ERR_LG_UNKNOWN_DIMENSION' &&
        error.message.includes('"DataConsumption"');
      await assert.rejects(meter.debit('Backups', 1), unknown);
      await assert.rejects(meter.reserve('Backups', 1), unknown);
      await assert.rejects(meter.flush('Backups'), unknown);
      assert.throws(() => meter.stats('Backups'), unknown);
      assert.throws(() => meter.isExhausted('Backups'), unknown);
    });

    it('refuses debits before start and after stop', async () => {
      const w = await newWorld(1000, 'batch');
      const { meter } = await w.meter({ start: false });
      await assert.rejects(meter.debit(D, 1), { code: 'ERR_LG_NOT_STARTED' });
      await meter.start();
      await meter.debit(D, 1);
      await meter.stop();
      await assert.rejects(meter.debit(D, 1), { code: 'ERR_LG_STOPPED' });
      assert.equal(await w.consumed(), 1, 'stop() reported what was pending');
    });
  });

  describe('sync mode', () => {
    it('checks out once per debit, exactly, and leaves no journal behind', async () => {
      const w = await newWorld(1000, 'sync');
      const handle = await w.meter();
      const calls = checkouts();
      for (const units of [1, 2, 3, 4, 5]) await handle.meter.debit(D, units);
      assert.equal(checkouts() - calls, 5);
      assert.equal(await w.consumed(), 15);
      assert.deepEqual(await w.journalKeys(), []);
      assert.equal(handle.reportedUnits(), 15);
      assert.deepEqual(handle.meter.stats(D), {
        pending: 0,
        open: 0,
        debited: 15,
        reported: 15,
        exhausted: false,
        unbillable: 0,
        credit: 0,
      });
    });

    it('refuses a debit the pool cannot take (nothing consumed), then refuses at once what is known to be too large', async () => {
      const w = await newWorld(10, 'sync');
      const handle = await w.meter();
      await handle.meter.debit(D, 8);
      await assert.rejects(handle.meter.debit(D, 5), QuotaExhaustedError);
      assert.equal(await w.consumed(), 8);
      const calls = checkouts();
      await assert.rejects(handle.meter.debit(D, 6), QuotaExhaustedError);
      assert.equal(checkouts(), calls, 'known too large: no call');
      await handle.meter.debit(D, 2);
      await assert.rejects(handle.meter.debit(D, 1), QuotaExhaustedError);
      assert.equal(handle.meter.isExhausted(D), true);
      assert.deepEqual(handle.exhaustions(), [{ dimension: D, unreportedUnits: 0 }]);
      assert.equal(await w.consumed(), 10);
      assert.deepEqual(await w.journalKeys(), []);
    });

    it('journals the debit before the call: one whose answer was lost is resent with the same token and counted once', async () => {
      const w = await newWorld(1000, 'sync');
      const handle = await w.meter();
      worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
      await handle.meter.debit(D, 3);
      assert.equal(await w.consumed(), 3, 'License Manager took it; the engine never heard');
      const [key] = await w.journalKeys();
      assert.ok(key?.startsWith('batch:'), 'the debit is still journaled');
      const record = (await w.store.get<BatchRecord>(w.namespace, key ?? ''))?.value;
      assert.equal(handle.meter.stats(D).pending, 3);
      await handle.meter.flush();
      assert.equal(await w.consumed(), 3, 'resent with the same token: counted once');
      assert.deepEqual(await w.journalKeys(), []);
      assert.deepEqual(
        handle.events.map((e) => e.payload),
        [{ dimension: D, units: 3, clientToken: record?.attempt?.clientToken }],
      );
      assert.equal(handle.logger.events('licensegate.drawdown.sync_deferred', 'warn').length, 1);
    });
  });

  describe('batch mode', () => {
    it('debits locally and reports one call per batch: at batchUnits and at each interval', async () => {
      const w = await newWorld(1000, 'batch', { batchUnits: 10, batchIntervalMs: 60_000 });
      const handle = await w.meter();
      const calls = checkouts();
      for (let i = 0; i < 3; i++) await handle.meter.debit(D, 3);
      assert.equal(checkouts(), calls, 'no call on the hot path');
      assert.equal(handle.meter.stats(D).pending, 9);
      assert.ok(
        (await w.journalKeys()).every((k) => k.startsWith('pending:')),
        'pending units are in the store',
      );

      await w.advance(60_000);
      await handle.meter.flush();
      assert.equal(await w.consumed(), 9);
      assert.equal(checkouts() - calls, 1);

      await handle.meter.debit(D, 4);
      await handle.meter.debit(D, 6); // 10 pending: the batch is due
      await handle.meter.flush();
      assert.equal(await w.consumed(), 19);
      assert.equal(checkouts() - calls, 2);
      assert.deepEqual(await w.journalKeys(), []);
      assert.deepEqual(handle.meter.stats(D), {
        pending: 0,
        open: 0,
        debited: 19,
        reported: 19,
        exhausted: false,
        unbillable: 0,
      });
    });

    it('keeps a batch whose answer was lost and resends it with the same token', async () => {
      const w = await newWorld(1000, 'batch');
      const handle = await w.meter();
      worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
      await handle.meter.debit(D, 4);
      await handle.meter.flush();
      assert.equal(await w.consumed(), 4);
      const [key] = await w.journalKeys();
      const token = (await w.store.get<BatchRecord>(w.namespace, key ?? ''))?.value.attempt?.clientToken;
      assert.ok(token !== undefined, 'the batch and its attempt are kept');
      assert.equal(handle.logger.events('licensegate.drawdown.report_failed', 'warn').length, 1);

      await handle.meter.flush();
      assert.equal(await w.consumed(), 4, 'counted once');
      assert.deepEqual(handle.events, [
        { event: 'unitsReported', payload: { dimension: D, units: 4, clientToken: token } },
      ]);
      assert.deepEqual(await w.journalKeys(), []);
    });

    it('rejects a debit the store refuses, and debits nothing', async () => {
      const w = await newWorld(1000, 'batch');
      const handle = await w.meter();
      const increment = w.store.increment.bind(w.store);
      w.store.increment = () => Promise.reject(new Error('store down'));
      await assert.rejects(handle.meter.debit(D, 5), /store down/);
      assert.equal(handle.meter.stats(D).pending, 0);
      w.store.increment = increment;
      await handle.meter.debit(D, 2);
      await handle.meter.stop();
      assert.equal(await w.consumed(), 2);
    });

    it('logs a configuration failure, keeps the batch, and backs off instead of spinning', async () => {
      const w = await newWorld(1000, 'batch', { batchUnits: 3 });
      const handle = await w.meter();
      const fault = worlds
        .lm()
        .addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'AccessDeniedException' });
      const calls = checkouts();
      await handle.meter.debit(D, 3);
      await handle.meter.flush();
      assert.equal(checkouts() - calls, 2, 'the automatic flush and the explicit one; no retry loop');
      assert.equal(handle.logger.events('licensegate.drawdown.report_failed', 'error').length, 2);
      await w.advance(29_000);
      assert.equal(checkouts() - calls, 2, 'backing off (at least 30 s)');
      worlds.lm().clearFaults(fault.id);
      await w.advance(31_001);
      await handle.meter.flush();
      assert.equal(await w.consumed(), 3);
      assert.deepEqual(await w.journalKeys(), []);
    });

    it('exhaustion mid-stream: exactly the pool is consumed, the remainder recorded, then refused until a renewal', async () => {
      const w = await newWorld(100, 'batch', { batchUnits: 30 });
      const handle = await w.meter();
      let served = 0;
      let refusal: unknown;
      for (let i = 0; i < 100 && refusal === undefined; i++) {
        try {
          await handle.meter.debit(D, 7);
          served += 7;
        } catch (error) {
          refusal = error;
        }
      }
      assert.ok(refusal instanceof QuotaExhaustedError, String(refusal));
      assert.equal(refusal.code, 'ERR_LG_QUOTA_EXHAUSTED');
      await handle.meter.flush();
      assert.equal(await w.consumed(), 100, 'exactly the purchase');
      const unreported = served - 100;
      assert.ok(unreported > 0 && unreported <= 30, `over-service ${unreported} within one batch`);
      assert.deepEqual(handle.exhaustions(), [{ dimension: D, unreportedUnits: unreported }]);
      assert.equal(await w.unbillable(), unreported);
      assert.equal(handle.meter.stats(D).unbillable, unreported);
      assert.equal(handle.meter.isExhausted(D), true);
      const calls = checkouts();
      await assert.rejects(handle.meter.debit(D, 1), QuotaExhaustedError);
      await assert.rejects(handle.meter.reserve(D, 1), QuotaExhaustedError);
      assert.equal(checkouts(), calls, 'refused at once');

      handle.meter.licenseChanged({ version: '1', arn: w.arn });
      const version = await w.renew(500);
      assert.equal(version, '2');
      handle.meter.licenseChanged({ version, arn: w.arn });
      assert.equal(handle.meter.isExhausted(D), false);
      await handle.meter.debit(D, 7);
      await handle.meter.flush();
      assert.equal(await w.consumed(), 107);
      assert.equal(handle.exhaustions().length, 1, 'emitted once');
    });

    it('bound: with a pool of 50 and batchUnits 30, at most one batch is served past the purchase', async () => {
      const w = await newWorld(50, 'batch', { batchUnits: 30 });
      const handle = await w.meter();
      let served = 0;
      for (;;) {
        try {
          await handle.meter.debit(D, 1);
          served += 1;
        } catch (error) {
          assert.ok(error instanceof QuotaExhaustedError);
          break;
        }
      }
      await handle.meter.flush();
      assert.equal(await w.consumed(), 50);
      assert.ok(served - 50 <= 30, `served ${served}`);
      assert.ok(served > 50, 'the batch in flight when the pool ran out was served');
      assert.equal(await w.unbillable(), served - 50);
    });

    it("onUnavailable 'deny': past the bound, a debit is refused while reports fail, and nothing is debited", async () => {
      const world = await worlds.create(1000, { [D]: { mode: 'batch', batchUnits: 5 } });
      const handle = await world.meter({ onUnavailable: 'deny' });
      const fault = worlds
        .lm()
        .addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      await handle.meter.debit(D, 5);
      await handle.meter.flush();
      await assert.rejects(
        handle.meter.debit(D, 1),
        (error: unknown) => error instanceof LicenseUnavailableError && error.retryAfterMs >= 1_000,
      );
      assert.equal(handle.meter.stats(D).pending, 5);
      worlds.lm().clearFaults(fault.id);
      await handle.meter.flush();
      await handle.meter.debit(D, 1);
      await handle.meter.stop();
      assert.equal(await world.consumed(), 6);
    });

    it("onUnavailable 'grace': debits go on past the bound for graceMs, then are refused", async () => {
      const world = await worlds.create(1000, { [D]: { mode: 'batch', batchUnits: 5 } });
      const handle = await world.meter({ onUnavailable: 'grace', graceMs: 10_000 });
      worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      await handle.meter.debit(D, 5);
      await handle.meter.flush();
      await handle.meter.debit(D, 3);
      await world.advance(10_001);
      await assert.rejects(handle.meter.debit(D, 1), LicenseUnavailableError);
      worlds.lm().clearFaults();
      await handle.meter.stop();
      assert.equal(await world.consumed(), 8);
    });

    it('uses one clock timer for its schedule, however many batches wait for a retry', async () => {
      const world = await worlds.create(1000, { [D]: { mode: 'batch', batchUnits: 1 }, Other: { mode: 'batch' } });
      const clock = new ManualClock(world.clock.now());
      const handle = await world.meter({ clock });
      assert.equal(clock.pendingTimers, 1, 'two dimensions, one timer');
      worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      for (let i = 0; i < 3; i++) await handle.meter.reserve(D, 1).then((r) => r.commit());
      await handle.meter.flush();
      assert.ok(handle.meter.stats(D).pending >= 3);
      assert.equal(clock.pendingTimers, 1);
      worlds.lm().clearFaults();
      await handle.meter.stop();
      assert.equal(clock.pendingTimers, 0);
      assert.equal(await world.consumed(), 3);
    });
  });

  describe('reservations in batch and sync mode', () => {
    it('batch: commit debits, cancel debits nothing, a second settle fails', async () => {
      const w = await newWorld(1000, 'batch');
      const { meter } = await w.meter();
      const kept = await meter.reserve(D, 5);
      const dropped = await meter.reserve(D, 3);
      assert.equal(meter.stats(D).pending, 0, 'nothing debited before commit');
      await kept.commit();
      dropped.cancel();
      await assert.rejects(kept.commit(), { code: 'ERR_LG_RESERVATION_SETTLED' });
      assert.throws(() => dropped.cancel(), { code: 'ERR_LG_RESERVATION_SETTLED' });
      assert.equal(meter.stats(D).pending, 5);
      await meter.stop();
      assert.equal(await w.consumed(), 5);
    });

    it('sync: the checkout happens before the work; a cancelled reservation becomes credit for the next one', async () => {
      const w = await newWorld(1000, 'sync');
      const { meter } = await w.meter();
      const calls = checkouts();
      const kept = await meter.reserve(D, 4);
      const dropped = await meter.reserve(D, 9);
      assert.equal(checkouts() - calls, 2, 'one checkout per reservation, before its work');
      assert.equal(await w.consumed(), 13);
      assert.equal(meter.stats(D).open, 13);
      dropped.cancel();
      await kept.commit();
      await meter.flush();
      assert.equal(meter.stats(D).credit, 9, 'the cancelled units are kept');
      const next = await meter.reserve(D, 9);
      assert.equal(checkouts() - calls, 2, 'taken from the credit: no call');
      await next.commit();
      await meter.debit(D, 1);
      assert.equal(await w.consumed(), 14, 'exact: 4 + 9 served, 1 debited, nothing twice');
      assert.equal(meter.stats(D).open, 0);
    });

    it('sync: a request larger than what is left is refused before any work, and nothing is consumed', async () => {
      const w = await newWorld(10, 'sync');
      const { meter } = await w.meter();
      await (await meter.reserve(D, 8)).commit();
      await assert.rejects(meter.reserve(D, 5), (error: unknown) => {
        assert.ok(error instanceof QuotaExhaustedError);
        assert.match(error.message, /it needs 5; License Manager has fewer left/);
        return true;
      });
      assert.equal(await w.consumed(), 8);
      assert.equal(meter.stats(D).open, 0, 'nothing held for the refused request');
      await (await meter.reserve(D, 2)).commit();
      assert.equal(await w.consumed(), 10);
      assert.equal(meter.stats(D).unbillable, 0, 'exact: nothing served that was not granted');
    });

    it('sync: a checkout whose answer was lost refuses the request (503); resent later, it turns into credit', async () => {
      const w = await newWorld(1000, 'sync');
      const handle = await w.meter();
      worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
      await assert.rejects(handle.meter.reserve(D, 6), LicenseUnavailableError);
      assert.equal(await w.consumed(), 6, 'License Manager took it; the engine never heard');
      assert.equal(handle.meter.stats(D).open, 0);
      await handle.meter.flush();
      assert.equal(await w.consumed(), 6, 'resent with the same token: counted once');
      assert.equal(await w.blockRemaining(), 6, 'granted units paid for and unused: credit');
      const calls = checkouts();
      await (await handle.meter.reserve(D, 6)).commit();
      assert.equal(checkouts(), calls, 'the next request spends the credit');
      assert.equal(await w.consumed(), 6);
    });
  });

  describe('batch mode with a store of this process alone (MemoryStore)', () => {
    async function localWorld(maxCount: number, extra: Record<string, number>): Promise<DrawdownWorld> {
      const world = await worlds.create(maxCount, { [D]: { mode: 'batch', ...extra } }, { shared: false });
      return world;
    }

    it('writes nothing per debit: the epoch is journaled once when sealed, and reported exactly', async () => {
      const w = await localWorld(1000, { batchUnits: 100, batchIntervalMs: 3_600_000 });
      const { meter } = await w.meter();
      for (let i = 0; i < 10; i++) await meter.debit(D, 3);
      const held = meter.tryReserve(D, 4);
      assert.ok(held !== undefined);
      await held.commit();
      assert.deepEqual(await w.journalKeys(), [], 'no store write on the debit path');
      assert.equal(meter.stats(D).pending, 34);
      const calls = checkouts();
      await meter.flush();
      assert.equal(checkouts() - calls, 1, 'one batch');
      assert.equal(await w.consumed(), 34);
      assert.equal(meter.stats(D).pending, 0);
    });

    it('keeps the bound: a batch is sent at batchUnits, and stop() reports the rest', async () => {
      const w = await localWorld(1000, { batchUnits: 10, batchIntervalMs: 3_600_000 });
      const { meter } = await w.meter();
      for (let i = 0; i < 4; i++) await meter.debit(D, 3); // the fourth waits for the batch of 9
      await meter.stop();
      assert.equal(await w.consumed(), 12);
      assert.equal(meter.stats(D).pending, 0);
    });
  });

  describe('tryReserve (the hot path: held at once, or undefined)', () => {
    it('batch: within the bound a reservation at once; at the bound undefined, holding nothing; reserve() then waits', async () => {
      const w = await newWorld(1000, 'batch', { batchUnits: 10, batchIntervalMs: 3_600_000 });
      const { meter } = await w.meter();
      const first = meter.tryReserve(D, 6);
      assert.ok(first !== undefined, 'room for 6 of 10: held at once');
      await first.commit();
      assert.equal(meter.tryReserve(D, 5), undefined, '6 + 5 is past the bound of 10');
      assert.equal(meter.stats(D).pending, 6, 'nothing more debited by the refused try');
      const later = await meter.reserve(D, 5); // waits for the batch of 6 to be reported
      await later.commit();
      await meter.stop();
      assert.equal(await w.consumed(), 11);
    });

    it('sync and reserve modes: undefined (a License Manager or store call away), nothing taken', async () => {
      const sync = await newWorld(1000, 'sync');
      const { meter } = await sync.meter();
      const calls = checkouts();
      assert.equal(meter.tryReserve(D, 4), undefined);
      assert.equal(checkouts(), calls, 'no call by the try');
      assert.equal(meter.stats(D).open, 0);
      await sync.close();

      const blocks = await newWorld(1000, 'reserve', { blockUnits: 100 });
      const handle = await blocks.meter();
      assert.equal(handle.meter.tryReserve(D, 3), undefined, 'a block is a store call away');
      assert.equal(handle.meter.stats(D).pending, 0);
      assert.equal(await blocks.consumed(), 0, 'no block checked out by the try');
    });

    it('throws at once, holding nothing: bad units, an unknown dimension, an exhausted pool, a gate not started', async () => {
      const w = await newWorld(5, 'batch', { batchUnits: 3 });
      const { meter } = await w.meter();
      for (const units of [NaN, -1, 1.5, '5'] as unknown[]) {
        assert.throws(() => meter.tryReserve(D, units as number), InvalidUnitsError);
      }
      assert.throws(() => meter.tryReserve('Backups', 1), { code: 'ERR_LG_UNKNOWN_DIMENSION' });
      for (let i = 0; i < 3; i++) await meter.debit(D, 2); // 6 of a pool of 5: the third batch is refused in part
      await meter.flush();
      assert.throws(() => meter.tryReserve(D, 1), QuotaExhaustedError);
      await meter.stop();
      assert.throws(() => meter.tryReserve(D, 1), { code: 'ERR_LG_STOPPED' });
      assert.equal(await w.consumed(), 5);
    });
  });
});
