import assert from 'node:assert/strict';

import type { FaultSpec, RunningEmulator } from '@licensegate/emulator';
import fc from 'fast-check';

import { LicenseUnavailableError } from '../src/errors.js';
import { DIMENSION, DrawdownWorld, startDrawdownEmulator } from './support/drawdown-world.js';

const D = DIMENSION;
const POOL = 1_000_000;

/** Faults of CheckoutLicense, each alone or together with others. */
const FAULTS: readonly FaultSpec[] = [
  { kind: 'error', error: 'RateLimitExceededException', status: 400, rate: 0.2 },
  { kind: 'error', error: 'ServerInternalException', rate: 0.2 },
  { kind: 'drop', rate: 0.2 },
  { kind: 'drop', phase: 'after', rate: 0.2 },
  { kind: 'drop', phase: 'after', times: 3 },
  { kind: 'error', error: 'ServerInternalException', times: 3 },
];

const faultPlan = fc.subarray([...FAULTS], { maxLength: 3 });

describe('DrawdownMeter exactness (property)', function () {
  this.timeout(20_000);
  let lm: RunningEmulator;

  before(async () => {
    lm = await startDrawdownEmulator();
  });
  after(async () => {
    await lm.close();
  });
  afterEach(() => lm.clearFaults());

  for (const mode of ['sync', 'batch'] as const) {
    it(`${mode}: under faults, License Manager consumes exactly the units debited — none lost, none twice`, async () => {
      await fc.assert(
        fc.asyncProperty(
          // Bursts of debits made at once (concurrent requests), with time passing between some.
          fc.array(
            fc.record({
              burst: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 4 }),
              advance: fc.boolean(),
            }),
            {
              minLength: 1,
              maxLength: 12,
            },
          ),
          fc.integer({ min: 1, max: 40 }),
          faultPlan,
          async (steps, batchUnits, faults) => {
            const world = await DrawdownWorld.create(lm, POOL, { [D]: { mode, batchUnits, batchIntervalMs: 1_000 } });
            try {
              const { meter } = await world.meter();
              for (const fault of faults) lm.addFault({ operation: 'CheckoutLicense', ...fault });
              let debited = 0;
              for (const { burst, advance } of steps) {
                await Promise.all(burst.map((units) => meter.debit(D, units)));
                debited += burst.reduce((sum, units) => sum + units, 0);
                if (advance) await world.advance(1_000);
              }
              await meter.stop();
              lm.clearFaults();
              await meter.flush(); // what the faults left unsent at stop
              assert.equal(await world.consumed(), debited);
              assert.deepEqual(await world.journalKeys(), []);
            } finally {
              lm.clearFaults();
              await world.close();
            }
          },
        ),
        { numRuns: 20 },
      );
    });
  }

  it('reserve: consumed - unspent block <= committed <= consumed, and less than one block plus one reservation is left unspent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ units: fc.integer({ min: 0, max: 30 }), outcome: fc.constantFrom('commit', 'cancel', 'debit') }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.integer({ min: 1, max: 60 }),
        faultPlan,
        async (operations, blockUnits, faults) => {
          const world = await DrawdownWorld.create(lm, POOL, { [D]: { mode: 'reserve', blockUnits } });
          try {
            const { meter } = await world.meter();
            for (const fault of faults) lm.addFault({ operation: 'CheckoutLicense', ...fault });
            let committed = 0;
            let largest = 0;
            for (const { units, outcome } of operations) {
              largest = Math.max(largest, units);
              try {
                if (outcome === 'debit') {
                  await meter.debit(D, units);
                  committed += units;
                } else {
                  const reservation = await meter.reserve(D, units);
                  if (outcome === 'commit') {
                    await reservation.commit();
                    committed += units;
                  } else {
                    reservation.cancel();
                  }
                }
              } catch (error) {
                assert.ok(
                  error instanceof LicenseUnavailableError,
                  `only an unconfirmed block checkout may refuse: ${String(error)}`,
                );
              }
            }
            await meter.stop();
            lm.clearFaults();
            await meter.flush(); // a block checkout the faults left unconfirmed
            const consumed = await world.consumed();
            const unspent = await world.blockRemaining();
            assert.ok(
              consumed - unspent <= committed && committed <= consumed,
              `consumed ${consumed}, unspent ${unspent}, committed ${committed}`,
            );
            assert.equal(consumed - unspent, committed, 'no block lost');
            // A block (max(blockUnits, shortfall)) is checked out only when what is left cannot cover a
            // reservation, so less than one block plus one reservation is left, cancelled units included;
            // a checkout confirmed only at the final flush may add one more reservation's worth.
            const block = Math.max(blockUnits, largest);
            const bound = faults.length === 0 ? block + largest : block + 2 * largest;
            assert.ok(unspent === 0 || unspent < bound, `unspent ${unspent}, bound ${bound}`);
          } finally {
            lm.clearFaults();
            await world.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
