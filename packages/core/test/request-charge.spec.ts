import assert from 'node:assert/strict';

import { InvalidUnitsError, QuotaExhaustedError } from '../src/errors.js';
import { RequestCharge } from '../src/http/request-charge.js';
import type { DrawdownMode } from '../src/options.js';
import { DIMENSION, useDrawdownWorlds } from './support/drawdown-world.js';

const D = DIMENSION;
type Req = { units: number };
type Res = { size: number };

describe('RequestCharge', function () {
  this.timeout(10_000);
  const worlds = useDrawdownWorlds();

  async function meterOf(maxCount: number, mode: DrawdownMode, extra: Record<string, number> = {}) {
    const world = await worlds.create(maxCount, { [D]: { mode, ...extra } });
    return { w: world, meter: (await world.meter()).meter };
  }

  it('begin: a charge at once in batch mode within the bound; committed on success, nothing on failure', async () => {
    const { w, meter } = await meterOf(1000, 'batch', { batchUnits: 100, batchIntervalMs: 3_600_000 });
    const ok = RequestCharge.begin<Req, Res>(meter, D, 7, { units: 0 });
    const failed = RequestCharge.begin<Req, Res>(meter, D, 5, { units: 0 });
    assert.ok(ok instanceof RequestCharge, 'no promise on the hot path');
    assert.ok(failed instanceof RequestCharge);
    await ok.settle(true, { units: 0 }, { size: 0 });
    await ok.settle(false, { units: 0 }, { size: 0 }); // settles once: the second call does nothing
    await failed.settle(false, { units: 0 }, { size: 0 });
    await meter.stop();
    assert.equal(await w.consumed(), 7);
  });

  it('begin: a promise when units must wait (reserve mode); the units function runs once', async () => {
    const { w, meter } = await meterOf(1000, 'reserve', { blockUnits: 50 });
    let calls = 0;
    const units = (req: Req): number => {
      calls++;
      return req.units;
    };
    const begun = RequestCharge.begin<Req, Res>(meter, D, units, { units: 12 });
    assert.ok(begun instanceof Promise, 'a block checkout is a store and License Manager call away');
    const charge = await begun;
    assert.equal(calls, 1);
    assert.equal(meter.stats(D).pending, 12, 'held while the work runs');
    await charge.settle(true, { units: 12 }, { size: 0 });
    assert.equal(meter.stats(D).pending, 0);
    await meter.stop();
    assert.equal(await w.consumed(), 50, 'one block');
  });

  it('late units are read when the response has finished, and only for a success', async () => {
    const { w, meter } = await meterOf(1000, 'batch', { batchUnits: 100, batchIntervalMs: 3_600_000 });
    const late = (_req: Req, res: Res): number => res.size;
    const ok = RequestCharge.begin<Req, Res>(meter, D, late, { units: 0 });
    const failed = RequestCharge.begin<Req, Res>(meter, D, late, { units: 0 });
    assert.ok(ok instanceof RequestCharge && failed instanceof RequestCharge);
    await ok.settle(true, { units: 0 }, { size: 9 });
    await failed.settle(false, { units: 0 }, { size: 40 });
    await meter.stop();
    assert.equal(await w.consumed(), 9);
  });

  it('bad units: begin throws at once (nothing held); bad late units reject settle (nothing charged)', async () => {
    const { w, meter } = await meterOf(1000, 'batch', { batchUnits: 100, batchIntervalMs: 3_600_000 });
    assert.throws(() => RequestCharge.begin<Req, Res>(meter, D, Number.NaN, { units: 0 }), InvalidUnitsError);
    assert.throws(() => RequestCharge.begin<Req, Res>(meter, D, () => -1, { units: 0 }), InvalidUnitsError);
    await assert.rejects(
      RequestCharge.open<Req, Res>(meter, D, () => 1.5, { units: 0 }),
      InvalidUnitsError,
    );
    const late = RequestCharge.begin<Req, Res>(meter, D, (_req: Req, res: Res) => res.size, { units: 0 });
    assert.ok(late instanceof RequestCharge);
    await assert.rejects(late.settle(true, { units: 0 }, { size: Number.NaN }), InvalidUnitsError);
    await meter.stop();
    assert.equal(await w.consumed(), 0);
  });

  it('an exhausted pool refuses every kind of units before any work', async () => {
    const { meter } = await meterOf(4, 'sync');
    await meter.debit(D, 4);
    await assert.rejects(meter.debit(D, 1), QuotaExhaustedError);
    assert.throws(() => RequestCharge.begin<Req, Res>(meter, D, 1, { units: 0 }), QuotaExhaustedError);
    assert.throws(
      () => RequestCharge.begin<Req, Res>(meter, D, (_q: Req, s: Res) => s.size, { units: 0 }),
      QuotaExhaustedError,
    );
    await meter.stop();
  });
});
