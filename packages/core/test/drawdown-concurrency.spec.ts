/**
 * Drawdown under concurrency: many reservations open at once against small pools, in every mode,
 * with one or several engines on one store. Each mode's documented bound must hold whatever the
 * interleaving:
 * - batch: served ≤ pool + engines × batchUnits; every unit served is consumed or counted unbillable;
 * - sync: served ≤ pool, exactly: consumed = served + credit (units of cancelled requests kept);
 * - reserve: served ≤ pool: consumed = served + what the block still holds.
 */
import assert from 'node:assert/strict';
import { setImmediate as yieldTurn } from 'node:timers/promises';

import fc from 'fast-check';

import { LicenseUnavailableError, QuotaExhaustedError } from '../src/errors.js';
import type { DrawdownMode } from '../src/options.js';
import { DIMENSION, useDrawdownWorlds, type MeterHandle } from './support/drawdown-world.js';

const D = DIMENSION;

/** One request: its units, whether its work succeeds, and how long it runs (turns of the event loop). */
interface Request {
  readonly units: number;
  readonly succeeds: boolean;
  readonly turns: number;
}

const request = fc.record({
  units: fc.integer({ min: 1, max: 40 }),
  succeeds: fc.boolean(),
  turns: fc.integer({ min: 0, max: 3 }),
});

/** Runs one request through an engine: served when its reservation was granted and its work succeeded. */
async function run(handle: MeterHandle, req: Request): Promise<number> {
  let reservation;
  try {
    reservation = await handle.meter.reserve(D, req.units);
  } catch (error) {
    assert.ok(
      error instanceof QuotaExhaustedError || error instanceof LicenseUnavailableError,
      `a refusal is 402 or 503: ${String(error)}`,
    );
    return 0;
  }
  for (let i = 0; i < req.turns; i++) await yieldTurn();
  if (!req.succeeds) {
    reservation.cancel();
    return 0;
  }
  await reservation.commit();
  return req.units;
}

describe('Drawdown under concurrency', function () {
  this.timeout(60_000);
  const worlds = useDrawdownWorlds();

  it('batch: 100 concurrent requests of 50 units against a pool of 1,000 serve at most one batch past it', async () => {
    const w = await worlds.create(1_000, { [D]: { mode: 'batch', batchUnits: 100, batchIntervalMs: 3_600_000 } });
    const handle = await w.meter();
    const served = (
      await Promise.all(Array.from({ length: 100 }, () => run(handle, { units: 50, succeeds: true, turns: 1 })))
    ).reduce((a, b) => a + b, 0);
    await handle.meter.stop();
    const unbillable = handle.meter.stats(D).unbillable;
    assert.ok(served <= 1_100, `served ${served}: at most the pool plus one batch`);
    assert.equal(await w.consumed(), 1_000);
    assert.equal(served, 1_000 + unbillable, 'every unit served is billed or counted unbillable');
    assert.ok(unbillable <= 100);
  });

  it('batch: a request larger than batchUnits is checked out before its work: larger than what is left, 402 at once', async () => {
    const w = await worlds.create(1_000, { [D]: { mode: 'batch', batchUnits: 100, batchIntervalMs: 3_600_000 } });
    const handle = await w.meter();
    await assert.rejects(handle.meter.reserve(D, 5_000), (error: unknown) => {
      assert.ok(error instanceof QuotaExhaustedError);
      assert.match(error.message, /it needs 5000/);
      return true;
    });
    assert.equal(await w.consumed(), 0, 'nothing consumed by the refused request');
    const large = await handle.meter.reserve(D, 400);
    assert.equal(await w.consumed(), 400, 'checked out before the work');
    await large.commit();
    const cancelled = await handle.meter.reserve(D, 300);
    cancelled.cancel();
    await handle.meter.stop();
    assert.equal(await w.consumed(), 700);
    assert.equal(await w.blockRemaining(), 300, 'the cancelled request left its units as credit');
    assert.equal(handle.meter.stats(D).unbillable, 0);
  });

  for (const mode of ['batch', 'sync', 'reserve'] as const satisfies readonly DrawdownMode[]) {
    it(`${mode}: any interleaving of concurrent requests on 1–3 engines keeps the mode's bound (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(request, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 60 }),
          fc.integer({ min: 1, max: 3 }),
          async (waves, pool, size, engines) => {
            const world = await worlds.create(pool, {
              [D]: { mode, batchUnits: size, blockUnits: size, batchIntervalMs: 3_600_000 },
            });
            const handles = await Promise.all(Array.from({ length: engines }, () => world.meter()));
            let served = 0;
            for (const wave of waves) {
              const outcomes = await Promise.all(wave.map((req, i) => run(handles[i % engines] as MeterHandle, req)));
              served += outcomes.reduce((a, b) => a + b, 0);
            }
            for (const handle of handles) await handle.meter.stop();
            const consumed = await world.consumed();
            const leftOver = await world.blockRemaining(); // reserve: unspent block; sync, batch: credit
            const unbillable = await world.unbillable();
            assert.ok(consumed <= pool, `consumed ${consumed} of a pool of ${pool}`);
            if (mode === 'batch') {
              assert.ok(served <= pool + engines * size, `served ${served}, pool ${pool}, ${engines} × ${size}`);
              assert.equal(consumed - leftOver + unbillable, served, 'served = billed + unbillable');
            } else {
              assert.ok(served <= pool, `served ${served} of a pool of ${pool}`);
              assert.equal(unbillable, 0, 'nothing served that was not granted');
              assert.equal(consumed - leftOver, served, 'consumed = served + units kept for later');
            }
            for (const handle of handles) assert.equal(handle.meter.stats(D).open, 0, 'every reservation settled');
            await world.close();
          },
        ),
        { numRuns: 25 },
      );
    });
  }
});
