import assert from 'node:assert/strict';

import { LicenseUnavailableError, QuotaExhaustedError } from '../src/errors.js';
import type { DrawdownWorld } from './support/drawdown-world.js';
import { DIMENSION, useDrawdownWorlds } from './support/drawdown-world.js';

const D = DIMENSION;

describe('DrawdownMeter reserve mode', function () {
  this.timeout(10_000);
  const worlds = useDrawdownWorlds();

  async function newWorld(maxCount: number, blockUnits = 100): Promise<DrawdownWorld> {
    return worlds.create(maxCount, { [D]: { mode: 'reserve', blockUnits } });
  }

  const checkouts = (): number => worlds.lm().calls('CheckoutLicense');

  it('checks out a block ahead and spends it locally: commit charges, cancel gives the units back', async () => {
    const w = await newWorld(1000);
    const { meter } = await w.meter();
    const calls = checkouts();
    const first = await meter.reserve(D, 10);
    assert.equal(await w.consumed(), 100, 'one block checked out');
    assert.equal(await w.blockRemaining(), 90);
    const second = await meter.reserve(D, 20);
    assert.equal(checkouts() - calls, 1, 'spent from the block: no call');
    assert.equal(meter.stats(D).pending, 30);
    await first.commit();
    second.cancel();
    await meter.stop(); // waits for the units given back
    assert.equal(await w.blockRemaining(), 90, 'the cancelled 20 are back in the block');
    assert.deepEqual(meter.stats(D), {
      pending: 0,
      open: 0,
      debited: 10,
      reported: 100,
      exhausted: false,
      unbillable: 0,
      blockRemaining: 90,
    });
    assert.equal(await w.consumed(), 100);
  });

  it('a reservation settles once', async () => {
    const w = await newWorld(1000);
    const { meter } = await w.meter();
    const reservation = await meter.reserve(D, 5);
    await reservation.commit();
    await assert.rejects(reservation.commit(), { code: 'ERR_LG_RESERVATION_SETTLED' });
    assert.throws(() => reservation.cancel(), { code: 'ERR_LG_RESERVATION_SETTLED' });
    const cancelled = await meter.reserve(D, 5);
    cancelled.cancel();
    assert.throws(() => cancelled.cancel(), { code: 'ERR_LG_RESERVATION_SETTLED' });
    await meter.stop();
    assert.equal(await w.blockRemaining(), 95, 'the second cancel gave nothing back twice');
  });

  it('refuses up front when the pool is empty, consuming nothing', async () => {
    const w = await newWorld(1000);
    await w.consumeDirectly(1000);
    const handle = await w.meter();
    await assert.rejects(
      handle.meter.reserve(D, 10),
      (error: unknown) => error instanceof QuotaExhaustedError && error.code === 'ERR_LG_QUOTA_EXHAUSTED',
    );
    await assert.rejects(handle.meter.debit(D, 1), QuotaExhaustedError);
    assert.equal(await w.consumed(), 1000);
    assert.equal(await w.blockRemaining(), 0);
    assert.equal(handle.meter.isExhausted(D), true, 'one unit refused: exhausted');
    assert.deepEqual(handle.exhaustions(), [{ dimension: D, unreportedUnits: 0 }]);
    const calls = checkouts();
    await assert.rejects(handle.meter.reserve(D, 1), QuotaExhaustedError);
    assert.equal(checkouts(), calls, 'refused at once');
  });

  it('falls back to a block of exactly the shortfall when a full block is refused', async () => {
    const w = await newWorld(1000);
    await w.consumeDirectly(970);
    const { meter } = await w.meter();
    const reservation = await meter.reserve(D, 10);
    await reservation.commit();
    assert.equal(await w.consumed(), 980, 'the 100-unit block was refused; 10 were checked out');
    assert.equal(await w.blockRemaining(), 0);
    const more = await meter.reserve(D, 20);
    assert.equal(await w.consumed(), 1000);
    await assert.rejects(meter.reserve(D, 1), QuotaExhaustedError);
    more.cancel();
    const again = await meter.reserve(D, 20);
    await again.commit();
    assert.equal(await w.consumed(), 1000, 'never served past the purchase');
  });

  it('engines on one store share the block', async () => {
    const w = await newWorld(1000);
    const a = await w.meter();
    const b = await w.meter();
    await a.meter.debit(D, 10);
    await b.meter.debit(D, 30);
    assert.equal(await w.consumed(), 100, "the second engine spent the first one's block");
    await b.meter.debit(D, 70);
    assert.equal(await w.consumed(), 200);
    assert.equal(await w.blockRemaining(), 90);
  });

  it('a block checkout whose answer was lost is refused for now, then resent with its token, not bought twice', async () => {
    const w = await newWorld(1000);
    const { meter } = await w.meter();
    worlds.lm().addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 3 });
    await assert.rejects(meter.reserve(D, 10), LicenseUnavailableError);
    assert.equal(await w.consumed(), 100, 'License Manager granted the block; the engine never heard');
    assert.equal(await w.blockRemaining(), 0, 'not credited');
    const reservation = await meter.reserve(D, 10);
    await reservation.commit();
    assert.equal(await w.consumed(), 100, 'the same checkout, replayed');
    assert.equal(await w.blockRemaining(), 90);
    assert.deepEqual(await w.journalKeys(), ['block:DataConsumption']);
  });

  it('a renewal lifts the exhaustion', async () => {
    const w = await newWorld(50, 50);
    const { meter } = await w.meter();
    meter.licenseChanged({ version: '1', arn: w.arn }); // as the gate tells it at start
    await meter.debit(D, 50);
    await assert.rejects(meter.debit(D, 1), QuotaExhaustedError);
    meter.licenseChanged({ version: '1', arn: w.arn });
    assert.equal(meter.isExhausted(D), true, 'the same version lifts nothing');
    meter.licenseChanged({ version: await w.renew(100), arn: w.arn });
    await meter.debit(D, 1);
    assert.equal(await w.consumed(), 100);
  });
});
