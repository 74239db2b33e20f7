/**
 * A property of floating seats (ARCHITECTURE.md INV-6, INV-7), checked on random interleavings of acquire,
 * release, touch, holders, clock moves and process deaths against the emulator (real SDK over HTTP):
 * once in-flight work has settled, the seats License Manager counts (GetLicenseUsage) equal the seats
 * the engines hold per the store, never more than the license's 5; and after the last engine has
 * adopted what dead ones left and stopped, License Manager counts none.
 */
import assert from 'node:assert/strict';

import fc from 'fast-check';
import type { RunningEmulator } from '@licensegate/emulator';

import { SeatsExhaustedError } from '../src/index.js';
import { MINUTE, SECOND, SeatWorld, startSeatEmulator, type SeatGate } from './support/seat-world.js';

const SEATS = 5;
const KEYS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'] as const;
const HOLDERS = ['h0', 'h1', 'h2'] as const;
const IDLE_TIMEOUT_MS = 10 * MINUTE;
/** Calls whose next answer a `blip` loses after License Manager has done the work (the retry must replay it). */
const BLIPPED = ['CheckoutLicense', 'CheckInLicense', 'ExtendLicenseConsumption'] as const;

type Op =
  | { readonly op: 'acquire'; readonly key: string }
  | { readonly op: 'acquireHolder'; readonly key: string; readonly holder: string }
  | { readonly op: 'release'; readonly key: string }
  | { readonly op: 'releaseHolder'; readonly key: string; readonly holder: string }
  | { readonly op: 'touch'; readonly key: string }
  | { readonly op: 'burst'; readonly keys: readonly string[] }
  | { readonly op: 'race'; readonly key: string; readonly holder: string }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'crash' }
  | { readonly op: 'blip'; readonly operation: (typeof BLIPPED)[number] };

const key = fc.constantFrom(...KEYS);
const holder = fc.constantFrom(...HOLDERS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: key.map((k): Op => ({ op: 'acquire', key: k })) },
  { weight: 3, arbitrary: fc.record({ key, holder }).map((r): Op => ({ op: 'acquireHolder', ...r })) },
  { weight: 3, arbitrary: key.map((k): Op => ({ op: 'release', key: k })) },
  { weight: 2, arbitrary: fc.record({ key, holder }).map((r): Op => ({ op: 'releaseHolder', ...r })) },
  { weight: 2, arbitrary: key.map((k): Op => ({ op: 'touch', key: k })) },
  { weight: 1, arbitrary: fc.array(key, { minLength: 2, maxLength: 6 }).map((keys): Op => ({ op: 'burst', keys })) },
  { weight: 1, arbitrary: fc.record({ key, holder }).map((r): Op => ({ op: 'race', ...r })) },
  { weight: 3, arbitrary: fc.integer({ min: SECOND, max: 70 * MINUTE }).map((ms): Op => ({ op: 'advance', ms })) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'crash' }) },
  { weight: 1, arbitrary: fc.constantFrom(...BLIPPED).map((operation): Op => ({ op: 'blip', operation })) },
);

function describeOp(op: Op): string {
  return JSON.stringify(op);
}

/** Seats License Manager counts and seats the store holds, after in-flight work has settled. */
async function check(world: SeatWorld, current: SeatGate, where: string): Promise<number> {
  await world.settle(2); // 2 ms of quiet covers a retry's backoff
  const consumed = await world.consumed();
  const held = await current.gate.seats.held();
  const records = await world.records();
  assert.equal(
    consumed,
    held.length,
    `${where}: License Manager counts ${consumed} seats, the store holds ${held.length}`,
  );
  assert.ok(consumed <= SEATS, `${where}: ${consumed} seats of ${SEATS}`);
  assert.equal(
    records.length,
    held.length,
    `${where}: ${records.length - held.length} seat records are pending or releasing`,
  );
  return consumed;
}

/** Runs one sequence of operations on a fresh license; throws on a broken invariant. */
async function run(lm: RunningEmulator, ops: readonly Op[]): Promise<void> {
  const world = await SeatWorld.create(lm, SEATS);
  const newGate = (): Promise<SeatGate> => world.gate({ ownClock: true, seats: { idleTimeoutMs: IDLE_TIMEOUT_MS } });
  try {
    let current = await newGate();
    const expectSeatsError = (error: unknown, op: Op): void => {
      if (!(error instanceof SeatsExhaustedError))
        throw new Error(`${describeOp(op)} failed: ${String(error)}`, { cause: error });
    };
    for (const [i, op] of ops.entries()) {
      const where = `after op ${i} ${describeOp(op)}`;
      const seats = current.gate.seats;
      switch (op.op) {
        case 'acquire':
        case 'acquireHolder': {
          const held = await seats
            .acquire(op.key, op.op === 'acquireHolder' ? { holder: op.holder } : {})
            .then(() => true)
            .catch((error: unknown) => (expectSeatsError(error, op), false));
          if (held) assert.ok((await seats.get(op.key)) !== undefined, `${where}: the key holds no seat`);
          break;
        }
        case 'release':
          await seats.release(op.key);
          assert.equal(await seats.get(op.key), undefined, `${where}: the key still holds a seat`);
          break;
        case 'releaseHolder':
          await seats.release(op.key, op.holder);
          break;
        case 'touch':
          seats.touch(op.key);
          break;
        case 'burst':
          for (const result of await Promise.allSettled(op.keys.map((k) => seats.acquire(k)))) {
            if (result.status === 'rejected') expectSeatsError(result.reason, op);
          }
          break;
        case 'race': {
          // Acquires and releases of one key at once: whatever wins, no seat may leak or double.
          const results = await Promise.allSettled([
            seats.acquire(op.key),
            seats.release(op.key),
            seats.acquire(op.key, { holder: op.holder }),
            seats.release(op.key, op.holder),
          ]);
          for (const result of results) if (result.status === 'rejected') expectSeatsError(result.reason, op);
          break;
        }
        case 'advance':
          await world.advance(op.ms, { quietMs: 2 });
          break;
        case 'blip':
          lm.addFault({ operation: op.operation, kind: 'drop', phase: 'after', times: 1 });
          break;
        case 'crash':
          current.alive = false; // the process dies without stop(): its clock stands still
          current = await newGate();
          break;
      }
      await check(world, current, where);
    }
    // The last engine adopts what dead ones left (their heartbeats lapse within a minute), then stops.
    await world.advance(2 * MINUTE, { stepMs: 20 * SECOND, quietMs: 2 });
    await check(world, current, 'before the final stop()');
    await current.gate.stop();
    current.alive = false;
    await world.settle();
    assert.equal(await world.consumed(), 0, 'License Manager still counts seats after the final stop()');
    assert.deepEqual(await world.records(), [], 'seat records left after the final stop()');
  } finally {
    await world.close();
  }
}

describe('floating seats: a property over random interleavings (ARCHITECTURE.md INV-6, INV-7)', function () {
  this.timeout(60_000);
  let lm: RunningEmulator;

  before(async () => {
    lm = await startSeatEmulator();
  });
  after(async () => {
    await lm.close();
  });

  it('License Manager counts exactly the seats the engines hold (never above 5), and none after stop()', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => run(lm, ops)),
      { numRuns: 15, interruptAfterTimeLimit: 40_000 },
    );
  });
});
