/**
 * Floating seats (`gate.seats`, issue 4) against the License Manager emulator: the real AWS SDK over
 * HTTP, time only through ManualClocks moved together with the emulator's virtual clock. The seats
 * License Manager counts are read back with GetLicenseUsage (`ConsumedValue`) and the emulator's dump.
 */
import assert from 'node:assert/strict';

import type { RunningEmulator } from '@licensegate/emulator';

import { LicenseGateError, LicenseUnavailableError, SeatsExhaustedError, type SeatView } from '../src/index.js';
import { CapturingLogger } from '../src/testing/index.js';
import { HOUR, MINUTE, SECOND, SEAT_ENTITLEMENT, SeatWorld, startSeatEmulator } from './support/seat-world.js';

/** Settles a promise into a value or an error, so a test can look at it later. */
function outcome<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown; promise: Promise<void> } {
  const result: { done: boolean; value?: T; error?: unknown; promise: Promise<void> } = {
    done: false,
    promise: Promise.resolve(),
  };
  result.promise = promise.then(
    (value) => {
      result.done = true;
      result.value = value;
    },
    (error: unknown) => {
      result.done = true;
      result.error = error;
    },
  );
  return result;
}

/** Keys of held seats, sorted. */
function keysOf(views: readonly SeatView[]): string[] {
  return views.map((v) => v.key).sort();
}

describe('floating seats (gate.seats) against the emulator', function () {
  this.timeout(15_000);
  let lm: RunningEmulator;
  let world: SeatWorld;

  before(async () => {
    lm = await startSeatEmulator();
  });
  after(async () => {
    await lm.close();
  });
  beforeEach(async () => {
    world = await SeatWorld.create(lm, 5);
  });
  afterEach(async () => {
    await world.close();
  });

  describe('acquire', () => {
    it('checks out one PROVISIONAL seat, Value=1, on the configured entitlement, and says so', async () => {
      const { gate, events } = await world.gate();
      const before = lm.calls('CheckoutLicense');

      const seat = await gate.seats.acquire('session-1');

      assert.equal(seat.key, 'session-1');
      assert.equal(lm.calls('CheckoutLicense') - before, 1);
      const consumptions = lm.emulator.dump().consumptions.filter((c) => c.licenseArn === world.arn);
      assert.equal(consumptions.length, 1);
      assert.equal(consumptions[0]?.kind, 'PROVISIONAL');
      assert.deepEqual(consumptions[0]?.entitlements, [{ Name: SEAT_ENTITLEMENT, Value: '1', Unit: 'Count' }]);
      assert.equal(await world.consumed(), 1);
      assert.deepEqual(keysOf(await gate.seats.held()), ['session-1']);
      assert.deepEqual(events.of('seatAcquired'), [{ key: 'session-1', holders: 0 }]);
    });

    it('concurrent acquires of the same key take one seat', async () => {
      const { gate, events } = await world.gate();
      const before = lm.calls('CheckoutLicense');

      const seats = await Promise.all(Array.from({ length: 6 }, () => gate.seats.acquire('user-1')));

      assert.deepEqual(
        seats.map((s) => s.key),
        Array.from({ length: 6 }, () => 'user-1'),
      );
      assert.equal(lm.calls('CheckoutLicense') - before, 1, 'one CheckoutLicense for six acquires of one key');
      assert.equal(await world.consumed(), 1);
      assert.equal(events.of('seatAcquired').length, 1);
      assert.equal((await gate.seats.held()).length, 1);
      // ...and again later, once the seat is held: still no second seat.
      await gate.seats.acquire('user-1');
      assert.equal(await world.consumed(), 1);
    });

    it('10 concurrent acquires of distinct keys, 5 seats: 5 succeed, 5 SeatsExhaustedError (limit 5)', async () => {
      const { gate, events } = await world.gate();

      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => gate.seats.acquire(`s${i}`)));

      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.key] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      assert.equal(won.length, 5);
      assert.equal(lost.length, 5);
      for (const error of lost) {
        assert.ok(error instanceof SeatsExhaustedError, `not a SeatsExhaustedError: ${String(error)}`);
        assert.equal(error.code, 'ERR_LG_SEATS_EXHAUSTED');
        assert.equal(error.limit, 5);
        assert.equal(error.entitlement, SEAT_ENTITLEMENT);
        assert.equal(error.waitedMs, 0);
        assert.match(error.message, /allows 5/);
      }
      const denied = events.of('seatDenied');
      assert.equal(denied.length, 5);
      assert.deepEqual(
        denied.map((d) => d.limit),
        [5, 5, 5, 5, 5],
      );
      assert.deepEqual(
        denied.map((d) => d.key).sort(),
        results.flatMap((r, i) => (r.status === 'rejected' ? [`s${i}`] : [])).sort(),
      );
      assert.equal(await world.consumed(), 5);
      assert.deepEqual(keysOf(await gate.seats.held()), won.sort());
      assert.equal((await world.records()).length, 5, 'a denied acquisition leaves no record');
    });

    it('refuses a bad key before any License Manager call', async () => {
      const { gate } = await world.gate();
      const before = world.calls;
      for (const key of ['', 'x'.repeat(513), 42 as unknown as string]) {
        await assert.rejects(gate.seats.acquire(key), (error: unknown) => {
          assert.ok(error instanceof LicenseGateError);
          assert.equal(error.code, 'ERR_LG_SEAT_KEY');
          return true;
        });
      }
      await assert.rejects(gate.seats.acquire('u', { holder: '' }), { code: 'ERR_LG_SEAT_KEY' });
      assert.equal(world.calls, before);
    });
  });

  describe('holders and release', () => {
    it('several holders share one seat, which goes back when the last holder releases', async () => {
      const { gate, events } = await world.gate();

      await gate.seats.acquire('user-1', { holder: 'session-a' });
      const second = await gate.seats.acquire('user-1', { holder: 'session-b' });
      await gate.seats.acquire('user-1', { holder: 'session-b' }); // the same holder again: no change

      assert.deepEqual(second.holders, ['session-a', 'session-b']);
      assert.equal(await world.consumed(), 1);
      assert.deepEqual((await gate.seats.get('user-1'))?.holders, ['session-a', 'session-b']);

      assert.equal(await gate.seats.release('user-1', 'session-z'), false, 'a holder that never held it');
      assert.equal(await gate.seats.release('user-1', 'session-a'), true);
      assert.equal(await world.consumed(), 1, 'session-b still holds the seat');
      assert.deepEqual((await gate.seats.get('user-1'))?.holders, ['session-b']);
      assert.equal(events.of('seatReleased').length, 0);
      assert.equal(await gate.seats.release('user-1', 'session-a'), false, 'session-a released already');

      assert.equal(await gate.seats.release('user-1', 'session-b'), true);
      assert.equal(await world.consumed(), 0);
      assert.equal(await gate.seats.get('user-1'), undefined);
      assert.deepEqual(events.of('seatReleased'), [{ key: 'user-1', reason: 'release' }]);
      assert.equal(events.of('seatAcquired').length, 1);
    });

    it('release(key, holder) by a holder that never held the seat is a no-op, even with no holders', async () => {
      const { gate, events } = await world.gate();
      await gate.seats.acquire('session-1'); // keyed by session: no holders

      assert.equal(
        await gate.seats.release('session-1', 'someone-else'),
        false,
        'released by a holder that never held it',
      );

      assert.equal(await world.consumed(), 1);
      assert.deepEqual(keysOf(await gate.seats.held()), ['session-1']);
      assert.deepEqual(events.of('seatReleased'), []);
    });

    it('release is idempotent: a second release (or one of a key never held) is a no-op, not an error', async () => {
      const { gate, events } = await world.gate();
      await gate.seats.acquire('session-1');
      const before = lm.calls('CheckInLicense');

      assert.equal(await gate.seats.release('session-1'), true);
      assert.equal(await gate.seats.release('session-1'), false);
      assert.equal(await gate.seats.release('never-held'), false);
      const [again, other] = await Promise.all([gate.seats.release('session-1'), gate.seats.release('session-1')]);

      assert.deepEqual([again, other], [false, false]);
      assert.equal(lm.calls('CheckInLicense') - before, 1, 'one CheckInLicense in all');
      assert.equal(await world.consumed(), 0);
      assert.deepEqual(events.of('seatReleased'), [{ key: 'session-1', reason: 'release' }]);
      assert.deepEqual(await world.records(), []);
    });
  });

  describe('ClientToken idempotency', () => {
    it('a checkout whose answer is lost is retried with the same ClientToken: one seat, not two', async () => {
      const { gate } = await world.gate();
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 1 });
      const before = lm.calls('CheckoutLicense');

      const seat = await gate.seats.acquire('session-1');

      assert.equal(seat.key, 'session-1');
      assert.equal(lm.calls('CheckoutLicense') - before, 2, 'the lost call and its retry');
      assert.equal(await world.consumed(), 1, 'the retry replayed the first checkout instead of taking a second seat');
      assert.equal(world.consumptions().length, 1);
    });

    it('a checkout lost on every attempt fails; the pool replays its ClientToken later and checks in', async () => {
      const { gate, events } = await world.gate();
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 2 });

      await assert.rejects(gate.seats.acquire('session-1'), (error: unknown) => {
        assert.ok(error instanceof LicenseUnavailableError, `not a LicenseUnavailableError: ${String(error)}`);
        assert.ok(error.retryAfterMs > 0);
        return true;
      });
      assert.equal(await world.consumed(), 1, 'License Manager took the seat although the answer was lost');
      assert.deepEqual(await gate.seats.held(), [], 'the engine holds no seat it knows the token of');
      const before = lm.calls('CheckoutLicense');

      await world.advance(31 * SECOND, { stepMs: SECOND, quietMs: 5 });

      assert.equal(lm.calls('CheckoutLicense') - before, 1, 'one replay of the lost checkout');
      assert.equal(
        await world.consumed(),
        0,
        'the replayed token was checked in: the count is back to what the engine holds',
      );
      assert.deepEqual(await gate.seats.held(), []);
      assert.deepEqual(await world.records(), []);
      assert.equal(events.of('seatAcquired').length, 0);
    });

    it('stop() after a lost checkout returns the seat License Manager took', async () => {
      const { gate } = await world.gate();
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 2 });
      await assert.rejects(gate.seats.acquire('session-1'), LicenseUnavailableError);
      assert.equal(await world.consumed(), 1);

      await gate.stop();
      await world.settle();

      const records = await world.records();
      assert.equal(
        await world.consumed(),
        records.length,
        `after stop() License Manager counts ${await world.consumed()} seats; ` +
          `${records.length} records are left to recover them`,
      );
    });

    it('a logout right after a lost checkout returns the seat License Manager took (issue: seat leaked for an hour)', async () => {
      const { gate, events } = await world.gate();
      // Every attempt of the acquisition loses its answer (2 attempts here; 4 with the default retry).
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 2 });
      await assert.rejects(gate.seats.acquire('k'), LicenseUnavailableError);
      assert.equal(await world.consumed(), 1, 'License Manager took the seat although the answer was lost');

      assert.equal(await gate.seats.release('k'), true);

      assert.equal(await world.consumed(), 0, 'the release replayed the ClientToken and checked the seat in');
      assert.deepEqual(await world.records(), []);
      assert.deepEqual(
        [events.of('seatAcquired').length, events.of('seatReleased').length],
        [0, 0],
        'never held, so neither announced: the events balance',
      );
    });

    it('a logout while License Manager still fails keeps the lost checkout, retries it, and returns the seat', async () => {
      const { gate } = await world.gate();
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 2 });
      await assert.rejects(gate.seats.acquire('k'), LicenseUnavailableError);
      const outage = lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });

      assert.equal(await gate.seats.release('k'), true, 'the release is under way');
      assert.equal((await world.records()).length, 1, 'the record stays, with its ClientToken, to be resolved');
      assert.equal(await world.consumed(), 1);

      lm.clearFaults(outage.id);
      await world.advance(31 * SECOND, { stepMs: SECOND, quietMs: 5 });
      assert.equal(await world.consumed(), 0, 'retried: replayed and checked in');
      assert.deepEqual(await world.records(), []);
    });

    it("a lost checkout's retries end with its lease: License Manager has returned the seat by then", async () => {
      const { gate } = await world.gate();
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 2 });
      await assert.rejects(gate.seats.acquire('k'), LicenseUnavailableError);
      lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      await gate.seats.release('k');
      await world.advance(61 * MINUTE, { stepMs: MINUTE, quietMs: 5 });
      assert.deepEqual(await world.records(), [], 'no record left to retry forever');
      assert.equal(await world.consumed(), 0, "License Manager's own lease ended");
    });

    it('acquiring again right after a lost checkout reconciles its ClientToken: one seat, promptly', async () => {
      // ARCHITECTURE.md INV-8: after a reconnect, reconcile the existing ClientToken before checking out again.
      const { gate } = await world.gate();
      lm.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 2 });
      await assert.rejects(gate.seats.acquire('session-1'), LicenseUnavailableError);

      const started = performance.now();
      const retry = outcome(gate.seats.acquire('session-1'));
      const guard = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
      await Promise.race([retry.promise, guard]);
      const tookMs = performance.now() - started;

      assert.ok(retry.done, `the retried acquire still had no answer after ${Math.round(tookMs)} ms of real time`);
      assert.equal(retry.error, undefined, `the retried acquire failed: ${String(retry.error)}`);
      assert.equal(retry.value?.key, 'session-1');
      assert.equal(await world.consumed(), 1, 'the replay took no second seat');
      assert.deepEqual(keysOf(await gate.seats.held()), ['session-1']);
    });
  });

  describe('keep-alive', () => {
    it('a seat held and used for 3 hours stays: extended well before each lease end, usage stays 1', async () => {
      const { gate, events } = await world.gate({ seats: { idleTimeoutMs: 30 * MINUTE } });
      // The suite shares one emulator, and each start probes ExtendLicenseConsumption once: count from here.
      const extendCallsBefore = lm.emulator.dump().calls['ExtendLicenseConsumption']?.calls ?? 0;
      await gate.seats.acquire('session-1');
      const [first] = world.consumptions();
      assert.ok(first !== undefined);
      const usage = new Set<number>();

      await world.advance(3 * HOUR, {
        stepMs: MINUTE,
        each: async () => {
          gate.seats.touch('session-1');
          usage.add(await world.consumed());
        },
      });

      assert.deepEqual([...usage], [1], 'one seat all along');
      const consumptions = world.consumptions();
      assert.deepEqual(
        consumptions.map((c) => c.token),
        [first.token],
        'the same consumption, extended — not a new checkout',
      );
      const extended = events.of('seatExtended');
      assert.ok(extended.length >= 6, `extended ${extended.length} times in 3 hours`);
      assert.equal(
        (lm.emulator.dump().calls['ExtendLicenseConsumption']?.calls ?? 0) - extendCallsBefore,
        extended.length,
      );
      // Each extension came 26–31 minutes after the previous one (30 minutes less up to 10% jitter, to
      // the 1-minute step), so each lease had about half of its 60 minutes left.
      const ends = [Date.parse(`${first.expiration}Z`), ...extended.map((e) => e.leaseExpiresAt.getTime())];
      for (let i = 1; i < ends.length; i++) {
        const gap = (ends[i] as number) - (ends[i - 1] as number);
        assert.ok(
          gap >= 26 * MINUTE && gap <= 31 * MINUTE,
          `extension ${i} came ${gap / MINUTE} min after the previous one`,
        );
      }
      assert.deepEqual(events.of('seatLost'), []);
      assert.deepEqual(events.of('seatReleased'), []);
      assert.equal(Date.parse(`${consumptions[0]?.expiration}Z`) > lm.clock.now(), true);
    });

    it('a 10-minute lease (MaxTimeToLiveInMinutes 10) is extended at about half-life, not in a loop', async () => {
      await world.close();
      world = await SeatWorld.create(lm, 5, { ttlMinutes: 10 });
      const { gate, events } = await world.gate({ seats: { idleTimeoutMs: 2 * HOUR } });
      await gate.seats.acquire('session-1');
      const before = lm.calls('ExtendLicenseConsumption');

      await world.advance(30 * MINUTE, { stepMs: 30 * SECOND });

      assert.deepEqual(events.of('seatLost'), [], 'the seat lived through three leases');
      assert.equal(await world.consumed(), 1);
      const extensions = lm.calls('ExtendLicenseConsumption') - before;
      assert.ok(
        extensions >= 3 && extensions <= 12,
        `${extensions} ExtendLicenseConsumption calls in 30 minutes of 10-minute leases`,
      );
    });

    it('one timer serves every seat, and the keep-alives of seats taken together are spread by jitter', async () => {
      await world.close();
      world = await SeatWorld.create(lm, 30);
      const { gate, events } = await world.gate({ ownClock: true, seats: { idleTimeoutMs: 2 * HOUR } });
      const idleTimers = world.gates[0]?.clock.pendingTimers ?? NaN;

      await Promise.all(Array.from({ length: 30 }, (_, i) => gate.seats.acquire(`s${i}`)));

      assert.equal(world.gates[0]?.clock.pendingTimers, idleTimers + 1, 'thirty seats add one timer');
      await world.advance(26 * MINUTE);
      await world.advance(5 * MINUTE, { stepMs: 10 * SECOND });
      const extended = events.of('seatExtended');
      assert.equal(extended.length, 30);
      const times = new Set(extended.map((e) => e.leaseExpiresAt.getTime()));
      assert.ok(times.size >= 4, `30 keep-alives fell into only ${times.size} distinct 10-second steps`);
      assert.equal(world.gates[0]?.clock.pendingTimers, idleTimers + 1);
      assert.equal(await world.consumed(), 30);
    });
  });

  describe('idle reaping', () => {
    it('an untouched seat is released after idleTimeoutMs (reason idle); a touched one lives on', async () => {
      const { gate, events } = await world.gate({ seats: { idleTimeoutMs: 5 * MINUTE } });
      await gate.seats.acquire('idle');
      await gate.seats.acquire('busy');

      await world.advance(4 * MINUTE, { stepMs: MINUTE });
      assert.equal(gate.seats.touch('busy'), true);
      assert.equal(await world.consumed(), 2);
      await world.advance(1 * MINUTE + SECOND, { stepMs: SECOND * 30 });

      assert.deepEqual(events.of('seatReleased'), [{ key: 'idle', reason: 'idle' }]);
      assert.equal(await world.consumed(), 1);
      assert.deepEqual(keysOf(await gate.seats.held()), ['busy']);

      await world.advance(4 * MINUTE, { stepMs: 30 * SECOND });
      assert.deepEqual(events.of('seatReleased'), [
        { key: 'idle', reason: 'idle' },
        { key: 'busy', reason: 'idle' },
      ]);
      assert.equal(await world.consumed(), 0);
      assert.deepEqual(await world.records(), []);
    });
  });

  describe('seatLost', () => {
    it('a lease that lapsed at License Manager (process frozen 61 min): seatLost, then a new seat', async () => {
      const logger = new CapturingLogger();
      const { gate, events } = await world.gate({ logger, seats: { idleTimeoutMs: 2 * HOUR } });
      await gate.seats.acquire('session-1');
      const [old] = world.consumptions();

      lm.clock.advance(61 * MINUTE); // License Manager's clock alone: the lease ends before the keep-alive runs
      assert.equal(await world.consumed(), 0);
      await world.advance(31 * MINUTE);

      assert.deepEqual(events.of('seatLost'), [{ key: 'session-1', reason: 'ResourceNotFoundException' }]);
      assert.equal(logger.events('licensegate.seat.lost', 'warn').length, 1);
      assert.deepEqual(await gate.seats.held(), []);

      const again = await gate.seats.acquire('session-1');
      assert.equal(again.key, 'session-1');
      assert.equal(await world.consumed(), 1);
      assert.notEqual(world.consumptions()[0]?.token, old?.token, 'a new consumption');
      assert.equal(events.of('seatAcquired').length, 2);
    });

    it('an extension refused for good (ResourceNotFoundException): seatLost, then a new seat', async () => {
      const { gate, events } = await world.gate({ seats: { idleTimeoutMs: 2 * HOUR } });
      await gate.seats.acquire('session-1');
      lm.addFault({ operation: 'ExtendLicenseConsumption', kind: 'error', error: 'ResourceNotFoundException' });

      await world.advance(31 * MINUTE);
      lm.clearFaults();

      assert.deepEqual(events.of('seatLost'), [{ key: 'session-1', reason: 'ResourceNotFoundException' }]);
      assert.deepEqual(await gate.seats.held(), []);
      await gate.seats.acquire('session-1');
      assert.equal(world.consumptions().length, 2, 'a new checkout (the refused one lapses at its lease end)');
      await world.advance(30 * MINUTE, { each: () => void gate.seats.touch('session-1') });
      assert.equal(await world.consumed(), 1);
      assert.equal((await gate.seats.held()).length, 1);
    });

    it('an extension failing transiently until the lease ends: retried, then seatLost (lease-expired)', async () => {
      const { gate, events } = await world.gate({ seats: { idleTimeoutMs: 2 * HOUR } });
      await gate.seats.acquire('session-1');
      const [consumption] = world.consumptions();
      const leaseEnd = Date.parse(`${consumption?.expiration}Z`);
      lm.addFault({
        operation: 'ExtendLicenseConsumption',
        kind: 'error',
        error: 'ServerInternalException',
        status: 503,
      });

      await world.advance(leaseEnd - world.clock.now() - MINUTE, { stepMs: MINUTE, quietMs: 3 });
      assert.deepEqual(events.of('seatLost'), [], 'still trying while the lease lasts');
      const beforeLastMinute = lm.emulator.dump().calls['ExtendLicenseConsumption']?.calls ?? 0;
      assert.ok(beforeLastMinute >= 2, 'the failed extension is retried');
      await world.advance(2 * MINUTE, { stepMs: SECOND, quietMs: 3 });

      assert.deepEqual(events.of('seatLost'), [{ key: 'session-1', reason: 'lease-expired' }]);
      const lastMinute = (lm.emulator.dump().calls['ExtendLicenseConsumption']?.calls ?? 0) - beforeLastMinute;
      // Two attempts per try (retry.attempts = 2); a try at most every few seconds, not a burst that halves the gap.
      assert.ok(lastMinute <= 2 * 12, `${lastMinute} ExtendLicenseConsumption calls in the lease's last minute`);
      lm.clearFaults();
      assert.equal(await world.consumed(), 0);
      await gate.seats.acquire('session-1');
      assert.equal(await world.consumed(), 1);
    });
  });

  describe('wait queue', () => {
    const wait = { timeoutMs: 5_000, pollMs: 1_000 };

    it('an acquire waits when no seat is free and gets the seat a release frees', async () => {
      const { gate, events } = await world.gate({ seats: { wait } });
      for (let i = 0; i < 5; i++) await gate.seats.acquire(`s${i}`);

      const waiting = outcome(gate.seats.acquire('s5'));
      await world.settle();
      assert.equal(waiting.done, false, 'the acquire waits');
      assert.equal(events.of('seatDenied').length, 1);

      await gate.seats.release('s2');
      await waiting.promise;

      assert.equal(waiting.error, undefined);
      assert.equal(waiting.value?.key, 's5');
      assert.equal(await world.consumed(), 5);
      assert.deepEqual(keysOf(await gate.seats.held()), ['s0', 's1', 's3', 's4', 's5']);
    });

    it('a waiter times out with SeatsExhaustedError, waitedMs > 0 and retryAfterMs', async () => {
      const { gate } = await world.gate({ seats: { wait } });
      for (let i = 0; i < 5; i++) await gate.seats.acquire(`s${i}`);
      const before = lm.calls('CheckoutLicense');

      const waiting = outcome(gate.seats.acquire('s5'));
      await world.settle();
      await world.advance(4 * SECOND, { stepMs: SECOND });
      assert.equal(waiting.done, false, 'still waiting within timeoutMs');
      await world.advance(2 * SECOND, { stepMs: SECOND });
      await waiting.promise;

      const error = waiting.error;
      assert.ok(error instanceof SeatsExhaustedError, `not a SeatsExhaustedError: ${String(error)}`);
      assert.ok(error.waitedMs >= 5_000 && error.waitedMs <= 6_000, `waitedMs ${error.waitedMs}`);
      assert.equal(error.retryAfterMs, 1_000);
      assert.equal(error.limit, 5);
      assert.match(error.message, /after waiting/);
      const tries = lm.calls('CheckoutLicense') - before;
      assert.ok(tries >= 2 && tries <= 7, `${tries} checkouts: one at first and about one per pollMs`);
      assert.equal(await world.consumed(), 5);
    });

    it('the queue is bounded by maxWaiters, and waiters are served in arrival order', async () => {
      const { gate } = await world.gate({ seats: { wait: { ...wait, maxWaiters: 2 } } });
      for (let i = 0; i < 5; i++) await gate.seats.acquire(`s${i}`);

      const first = outcome(gate.seats.acquire('w1'));
      await world.settle();
      const second = outcome(gate.seats.acquire('w2'));
      await world.settle();
      const third = outcome(gate.seats.acquire('w3'));
      await world.settle();

      assert.equal(third.done, true, 'the third is refused at once, without time passing');
      assert.ok(third.error instanceof SeatsExhaustedError, `not a SeatsExhaustedError: ${String(third.error)}`);
      assert.equal([first.done, second.done].join(), 'false,false');

      await gate.seats.release('s0');
      await first.promise;
      await world.settle();
      assert.equal(first.value?.key, 'w1');
      assert.equal(second.done, false);
      await gate.seats.release('s1');
      await second.promise;
      assert.equal(second.value?.key, 'w2');
      assert.equal(await world.consumed(), 5);
    });
  });

  describe('stop', () => {
    it('stop() returns every seat: usage 0, no consumptions, no records, no pending timers; waiters fail', async () => {
      const { gate, events, clock } = await world.gate({
        ownClock: true,
        seats: { wait: { timeoutMs: 5_000, pollMs: 1_000 } },
      });
      await gate.seats.acquire('user-1', { holder: 'a' });
      await gate.seats.acquire('user-1', { holder: 'b' });
      for (let i = 0; i < 4; i++) await gate.seats.acquire(`s${i}`);
      const waiting = outcome(gate.seats.acquire('late'));
      await world.settle();
      assert.equal(await world.consumed(), 5);

      await gate.stop();
      await waiting.promise;

      assert.equal(await world.consumed(), 0);
      assert.deepEqual(world.consumptions(), []);
      assert.deepEqual(await world.records(), []);
      assert.equal(clock.pendingTimers, 0, 'no timer left on the gate clock');
      assert.ok(waiting.error instanceof SeatsExhaustedError, `the waiter got ${String(waiting.error)}`);
      assert.deepEqual(
        events
          .of('seatReleased')
          .map((e) => `${e.key}:${e.reason}`)
          .sort(),
        ['s0:stop', 's1:stop', 's2:stop', 's3:stop', 'user-1:stop'],
      );
      await assert.rejects(gate.seats.acquire('after'), { code: 'ERR_LG_STOPPED' });
    });

    it('stop() while a checkout is in flight returns that seat too', async () => {
      const { gate, clock } = await world.gate({ ownClock: true });
      lm.addFault({ operation: 'CheckoutLicense', kind: 'latency', latencyMs: 100, times: 1 });

      const late = outcome(gate.seats.acquire('late'));
      while (world.inflight === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      await gate.stop();
      await late.promise;
      await world.settle();

      assert.equal(
        await world.consumed(),
        0,
        `the seat taken during stop() was kept (acquire ${late.error === undefined ? 'resolved' : 'failed'})`,
      );
      assert.deepEqual(await world.records(), []);
      assert.equal(clock.pendingTimers, 0, 'no timer armed after stop()');
    });

    it('stop() while a keep-alive is in flight returns that seat too', async () => {
      const { gate, clock } = await world.gate({ ownClock: true, seats: { idleTimeoutMs: 2 * HOUR } });
      await gate.seats.acquire('s1');
      await world.advance(26 * MINUTE);
      lm.addFault({ operation: 'ExtendLicenseConsumption', kind: 'latency', latencyMs: 100, times: 1 });

      for (let i = 0; i < 6 && world.inflight === 0; i++) {
        lm.clock.advance(MINUTE);
        await world.clock.advance(MINUTE);
        await clock.advance(MINUTE);
      }
      assert.ok(world.inflight > 0, 'the keep-alive is in flight');
      await gate.stop();
      await world.settle();

      assert.equal(await world.consumed(), 0, 'the seat being extended during stop() was kept');
      assert.deepEqual(await world.records(), []);
      assert.equal(clock.pendingTimers, 0, 'no timer armed after stop()');
    });
  });

  describe('held()', () => {
    it('lists keys, holders and info, and never a token', async () => {
      const { gate } = await world.gate();
      await gate.seats.acquire('user-1', { holder: 's1', info: { name: 'Ann' } });
      await gate.seats.acquire('user-1', { holder: 's2' });
      await gate.seats.acquire('user-2');

      const held = (await gate.seats.held()).sort((a, b) => a.key.localeCompare(b.key));

      assert.deepEqual(
        held.map((v) => ({ key: v.key, holders: v.holders, info: v.info })),
        [
          { key: 'user-1', holders: ['s1', 's2'], info: { name: 'Ann' } },
          { key: 'user-2', holders: [], info: undefined },
        ],
      );
      for (const view of held) {
        assert.ok(
          view.acquiredAt instanceof Date && view.leaseExpiresAt instanceof Date && view.lastSeenAt instanceof Date,
        );
      }
      const tokens = world.consumptions().map((c) => c.token);
      const clientTokens = (await world.records()).map((r) => String(r.value['clientToken']));
      assert.equal(tokens.length, 2);
      const shown = JSON.stringify([held, await gate.seats.get('user-1'), gate.status()]);
      for (const secret of [...tokens, ...clientTokens]) assert.ok(!shown.includes(secret), 'a token is shown');
      assert.deepEqual(gate.status().seats, { entitlement: SEAT_ENTITLEMENT, heldHere: 2, limit: 5 });
    });
  });

  describe('several engines on one store', () => {
    it('share the seats: one seat per key across engines, held() shows all, any engine releases', async () => {
      const a = await world.gate({ ownClock: true });
      const b = await world.gate({ ownClock: true });

      const both = await Promise.all([
        a.gate.seats.acquire('user-1', { holder: 'on-a' }),
        b.gate.seats.acquire('user-1', { holder: 'on-b' }),
      ]);
      await b.gate.seats.acquire('user-2');

      assert.deepEqual(
        both.map((s) => s.key),
        ['user-1', 'user-1'],
      );
      assert.equal(await world.consumed(), 2);
      assert.deepEqual((await a.gate.seats.get('user-1'))?.holders.slice().sort(), ['on-a', 'on-b']);
      assert.deepEqual(keysOf(await a.gate.seats.held()), ['user-1', 'user-2']);
      assert.equal(await a.gate.seats.release('user-2'), true, 'A returns the seat B took');
      assert.equal(await a.gate.seats.release('user-1', 'on-a'), true);
      assert.equal(await b.gate.seats.release('user-1', 'on-b'), true);
      assert.equal(await world.consumed(), 0);
      assert.deepEqual(await world.records(), []);
      await world.advance(31 * MINUTE, { stepMs: MINUTE });
      assert.deepEqual(
        [...a.events.of('seatLost'), ...b.events.of('seatLost')],
        [],
        'no keep-alive for a seat another engine released',
      );
      assert.equal(await world.consumed(), 0);
    });
  });

  describe('session id change (rekey, replaceHolder)', () => {
    it('rekey moves a seat to a new key without a second checkout, and keeps it alive there', async () => {
      const { gate, events } = await world.gate();
      await gate.seats.acquire('old-session');
      const checkouts = lm.calls('CheckoutLicense');

      assert.equal(await gate.seats.rekey('old-session', 'new-session'), true);

      assert.equal(lm.calls('CheckoutLicense'), checkouts);
      assert.equal(await world.consumed(), 1);
      assert.deepEqual(keysOf(await gate.seats.held()), ['new-session']);
      assert.equal(await gate.seats.get('old-session'), undefined);
      await world.advance(35 * MINUTE, { stepMs: MINUTE, each: () => void gate.seats.touch('new-session') });
      assert.deepEqual(
        events.of('seatExtended').map((e) => e.key),
        ['new-session'],
      );
      assert.equal(await gate.seats.release('new-session'), true);
      assert.equal(await world.consumed(), 0);
      assert.deepEqual(await world.records(), []);
    });

    it('rekey onto a key that already holds a seat gives the old seat back: still one seat per key', async () => {
      const { gate } = await world.gate();
      await gate.seats.acquire('a');
      await gate.seats.acquire('b');

      assert.equal(await gate.seats.rekey('a', 'b'), false);

      assert.equal(await world.consumed(), 1);
      assert.deepEqual(keysOf(await gate.seats.held()), ['b']);
    });

    it('rekey racing a touch of the old key leaves one record for the one seat', async () => {
      const { gate } = await world.gate({ seats: { idleTimeoutMs: 10 * MINUTE } });
      await gate.seats.acquire('old-session');
      await world.advance(2 * MINUTE, { stepMs: MINUTE }); // a touch now writes lastSeenAt to the store

      const moving = gate.seats.rekey('old-session', 'new-session');
      gate.seats.touch('old-session'); // a request of the same session, in the same tick
      assert.equal(await moving, true);
      await world.settle();

      assert.deepEqual(
        (await world.records()).map((r) => r.key).sort(),
        ['new-session'],
        'the store holds two seats for one checkout',
      );
      assert.equal((await gate.seats.held()).length, await world.consumed());
    });

    it('rekey on an engine that does not keep the seat: the moved seat is still kept alive', async () => {
      const a = await world.gate({ ownClock: true });
      const b = await world.gate({ ownClock: true });
      await a.gate.seats.acquire('old-session');

      assert.equal(await b.gate.seats.rekey('old-session', 'new-session'), true); // the login landed on B
      await world.advance(65 * MINUTE, {
        stepMs: MINUTE,
        each: () => {
          a.gate.seats.touch('new-session');
          b.gate.seats.touch('new-session');
        },
      });

      const held = (await a.gate.seats.held()).length;
      const consumed = await world.consumed();
      assert.equal(
        consumed,
        held,
        `the store shows ${held} seat(s), License Manager counts ${consumed}: a seat nobody keeps alive`,
      );
      assert.equal(consumed, 1);
    });

    it('replaceHolder moves a holder of a shared seat to a new session id', async () => {
      const { gate } = await world.gate();
      await gate.seats.acquire('user-1', { holder: 's1' });
      await gate.seats.acquire('user-1', { holder: 's2' });

      assert.equal(await gate.seats.replaceHolder('user-1', 's1', 's3'), true);
      assert.equal(await gate.seats.replaceHolder('user-1', 's1', 's4'), false, 's1 is gone');

      assert.deepEqual((await gate.seats.get('user-1'))?.holders, ['s3', 's2']);
      assert.equal(await gate.seats.release('user-1', 's1'), false);
      assert.equal(await gate.seats.release('user-1', 's2'), true);
      assert.equal(await world.consumed(), 1, 's3 still holds the seat');
      assert.equal(await gate.seats.release('user-1', 's3'), true);
      assert.equal(await world.consumed(), 0);
    });
  });

  describe('crash recovery', () => {
    it("a dead engine's seats are adopted at a heartbeat: idle ones checked in, active ones kept alive", async () => {
      const seats = { idleTimeoutMs: 2 * MINUTE };
      const instanceLeaseMs = 3 * MINUTE;
      const a = await world.gate({ ownClock: true, seats, instanceLeaseMs });
      for (const key of ['k1', 'k2', 'k3', 'k4']) await a.gate.seats.acquire(key);
      const tokens = world
        .consumptions()
        .map((c) => c.token)
        .sort();
      a.alive = false; // the process dies: its clock stands still, its timers never fire
      const logger = new CapturingLogger();
      const b = await world.gate({ seats, instanceLeaseMs, logger });
      const activity = (): void => {
        b.gate.seats.touch('k1');
        b.gate.seats.touch('k2');
      };

      await world.advance(2.5 * MINUTE, { stepMs: 30 * SECOND, each: activity });
      assert.equal(b.gate.status().seats?.heldHere, 0, "A's heartbeat has not lapsed yet");
      assert.equal(await world.consumed(), 4);

      await world.advance(1 * MINUTE, { stepMs: 20 * SECOND, each: activity });
      assert.equal(logger.events('licensegate.seat.adopted').length, 4);
      assert.ok(logger.events('licensegate.seat.adopted').every((e) => e.fields['from'] === a.gate.instanceId));
      assert.deepEqual(
        b.events
          .of('seatReleased')
          .map((e) => `${e.key}:${e.reason}`)
          .sort(),
        ['k3:orphan', 'k4:orphan'],
        'taken over from a dead engine, then returned idle: reason orphan',
      );
      assert.equal(await world.consumed(), 2);

      await world.advance(62 * MINUTE, { stepMs: MINUTE, each: activity });
      assert.ok(b.events.of('seatExtended').length >= 4, 'B keeps k1 and k2 alive past their first lease');
      assert.deepEqual(keysOf(await b.gate.seats.held()), ['k1', 'k2']);
      assert.equal(await world.consumed(), 2);
      assert.ok(
        world.consumptions().every((c) => tokens.includes(c.token)),
        "A's own consumptions, extended by B",
      );
      assert.equal(b.gate.status().seats?.heldHere, 2);

      await b.gate.stop();
      assert.equal(await world.consumed(), 0);
      assert.deepEqual(world.consumptions(), []);
      assert.deepEqual(await world.records(), []);
    });

    it('on a durable store of one process (the file store), a restart checks in what the earlier run left, at start', async () => {
      const local = await SeatWorld.create(lm, 5, { durableLocal: true });
      try {
        const a = await local.gate({ ownClock: true });
        for (const key of ['k1', 'k2', 'k3']) await a.gate.seats.acquire(key);
        a.alive = false; // kill -9: no stop(); its heartbeat is still live in the store
        // What a new process finds: the earlier run's heartbeat, written by another process.
        const instances = `${local.sku}:instances`;
        const beat = await local.store.get<Record<string, unknown>>(instances, a.gate.instanceId ?? '');
        assert.ok(beat !== undefined, "the earlier run's heartbeat has not lapsed");
        await local.store.put(instances, a.gate.instanceId ?? '', { ...beat.value, process: 'an-earlier-run' });
        assert.equal(await local.consumed(), 3);

        const b = await local.gate();

        assert.equal(await local.consumed(), 0, 'checked in during start(), without waiting for the lease');
        assert.deepEqual(
          b.events
            .of('seatReleased')
            .map((e) => `${e.key}:${e.reason}`)
            .sort(),
          ['k1:orphan', 'k2:orphan', 'k3:orphan'],
        );
        assert.deepEqual(await local.records(), []);
      } finally {
        await local.close();
      }
    });

    it('the next start checks in what a process that died without stop() left', async () => {
      const seats = { idleTimeoutMs: MINUTE };
      const a = await world.gate({ ownClock: true, seats });
      for (const key of ['k1', 'k2', 'k3']) await a.gate.seats.acquire(key);
      a.alive = false;

      await world.advance(2 * MINUTE);
      assert.equal(await world.consumed(), 3);
      const b = await world.gate({ seats });
      await world.advance(SECOND);

      assert.deepEqual(
        b.events
          .of('seatReleased')
          .map((e) => `${e.key}:${e.reason}`)
          .sort(),
        ['k1:orphan', 'k2:orphan', 'k3:orphan'],
      );
      assert.equal(await world.consumed(), 0);
      assert.deepEqual(await world.records(), []);
    });
  });
});
